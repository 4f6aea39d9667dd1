"""From boxes read to answers: what each item of a scanned sheet says, or why it is unclear.

Rules, per item (its boxes may lie on several pages):
- any box UNCLEAR: the item is unclear;
- single choice, yes/no/unknown and order status: exactly one box ticked (or crossed) is the
  answer, none is no answer, two or more is unclear;
- multiple choice: the set of ticked boxes (none: no answer);
- a check item: ticked is "checked", otherwise no answer (paper cannot tell "not ticked"
  from "not asked");
- a FILLED box is a mark taken back: never a choice, and named in the reading;
- handwriting is never read: every writing area is kept as an image crop beside its item,
  and an item with only writing areas is "written", to be read from the crop.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from app.domain.encounter import OrderState, OrderStatus
from app.domain.values import AnswerValue, YnuDetails
from app.domain.workflow import YNU_VALUES, Item, ItemKind, Workflow
from app.scan.errors import ScanError
from app.scan.reader import AreaCrop, BoxReading, BoxState, PageReading


class ItemState(StrEnum):
    """What reading found for an item."""

    READ = "read"
    """A clear answer was read from the boxes."""
    EMPTY = "empty"
    """No box is marked."""
    UNCLEAR = "unclear"
    """The boxes do not say one answer clearly: the clinician decides."""
    WRITTEN = "written"
    """The item is only written by hand: its crop is to be read by the clinician."""


@dataclass(frozen=True)
class ItemReading:
    """One item as read from paper, with the boxes and crops it was read from."""

    item: Item
    state: ItemState
    value: AnswerValue | OrderState | None
    boxes: tuple[BoxReading, ...]
    crops: tuple[AreaCrop, ...]
    note: str = ""
    """Why the item is unclear, or which marks were taken back."""

    @property
    def choices(self) -> tuple[str, ...]:
        """The choices of the ticked boxes."""
        return tuple(reading.box.choice for reading in self.boxes if reading.state.chosen)


def read_items(workflow: Workflow, pages: Iterable[PageReading]) -> list[ItemReading]:
    """Every item that has a box or writing area on the pages, in the workflow's order."""
    boxes: dict[str, list[BoxReading]] = {}
    crops: dict[str, list[AreaCrop]] = {}
    for page in pages:
        for box in page.boxes:
            boxes.setdefault(box.box.item_id, []).append(box)
        for crop in page.crops:
            crops.setdefault(crop.area.item_id, []).append(crop)
    unknown = sorted((set(boxes) | set(crops)) - {item.id for item in workflow.items()})
    if unknown:
        raise ScanError(
            f"the sheet's layout names item {unknown[0]}, which workflow {workflow.id} "
            f"version {workflow.version} does not have"
        )
    readings = []
    for item in workflow.items():
        if item.id in boxes or item.id in crops:
            readings.append(
                _read_item(item, tuple(boxes.get(item.id, ())), tuple(crops.get(item.id, ())))
            )
    return readings


def _read_item(
    item: Item, boxes: tuple[BoxReading, ...], crops: tuple[AreaCrop, ...]
) -> ItemReading:
    for reading in boxes:
        if reading.box.choice not in _choices(item):
            raise ScanError(
                f"the sheet's layout has a box '{reading.box.choice}' for item {item.id}, "
                "which is not one of its choices"
            )
    if not boxes:
        return ItemReading(item, ItemState.WRITTEN, None, boxes, crops)
    taken_back = [reading.box.choice for reading in boxes if reading.state is BoxState.FILLED]
    note = f"struck out: {', '.join(taken_back)}" if taken_back else ""
    unclear = [reading.box.choice for reading in boxes if reading.state is BoxState.UNCLEAR]
    if unclear:
        why = f"unclear mark in box {', '.join(unclear)}"
        return ItemReading(item, ItemState.UNCLEAR, None, boxes, crops, _join(why, note))
    chosen = [reading.box.choice for reading in boxes if reading.state.chosen]
    if not chosen:
        return ItemReading(item, ItemState.EMPTY, None, boxes, crops, note)
    if item.kind is ItemKind.MULTI:
        ordered = tuple(option.value for option in item.options if option.value in chosen)
        return ItemReading(item, ItemState.READ, ordered, boxes, crops, note)
    if len(chosen) > 1:
        why = f"{len(chosen)} boxes ticked ({', '.join(chosen)}) where one answer is asked"
        return ItemReading(item, ItemState.UNCLEAR, None, boxes, crops, _join(why, note))
    return ItemReading(item, ItemState.READ, _value(item, chosen[0]), boxes, crops, note)


def _join(first: str, second: str) -> str:
    return f"{first}; {second}" if second else first


def _choices(item: Item) -> tuple[str, ...]:
    if item.is_order:
        return tuple(status.value for status in OrderStatus)
    if item.kind in (ItemKind.YNU, ItemKind.YNU_DETAILS):
        return YNU_VALUES
    if item.kind is ItemKind.CHECK:
        return ("checked",)
    if item.kind in (ItemKind.SINGLE, ItemKind.MULTI):
        return tuple(option.value for option in item.options)
    return ()


def _value(item: Item, choice: str) -> AnswerValue | OrderState:
    if item.is_order:
        return OrderState(OrderStatus(choice))
    if item.kind is ItemKind.CHECK:
        return True
    if item.kind is ItemKind.YNU_DETAILS:
        return YnuDetails(choice)
    return choice
