"""Reading scanned pages of the real sheet: position, orientation, boxes, and refusals."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from app.domain.encounter import Encounter
from app.domain.sheet_layout import SheetLayout
from app.domain.workflow import ItemKind, Workflow
from app.report.sheet import sheet_layout
from app.scan import (
    BoxState,
    ItemState,
    LayoutFor,
    PageReading,
    ScanImage,
    ScanProblems,
    read_images,
    read_items,
    read_page,
)
from app.scan.reader import box_state
from benchmarks.scan_synth import (
    NORMAL,
    Distortion,
    Gray,
    Pen,
    distort,
    draw_blank,
    draw_marks,
    ticked_marks,
)
from tests.scan.support import DPI


def _layout_of(layout: SheetLayout) -> LayoutFor:
    def layout_for(workflow_id: str, version: int, language: str, paper: str) -> SheetLayout:
        return layout

    return layout_for


def _read(pixels: Gray, layout: SheetLayout) -> PageReading:
    return read_page(pixels, "scan.png", _layout_of(layout))


def _misread(reading: PageReading, truth: dict[tuple[int, str, str], Pen]) -> list[str]:
    """Boxes read otherwise than drawn (unclear counts as misread here)."""
    wrong = []
    for box in reading.boxes:
        pen = truth[(reading.code.page, box.box.item_id, box.box.choice)]
        expected = "chosen" if pen.chosen else "empty" if pen is Pen.NONE else "filled"
        got = "chosen" if box.state.chosen else box.state.value
        if got != expected:
            wrong.append(f"{box.box.item_id}/{box.box.choice}: {pen.value} read as {got}")
    return wrong


def test_a_rotated_scaled_noisy_page_reads_every_box_right(
    filled_pages: list[Gray], layout: SheetLayout, filled: Encounter
) -> None:
    rng = random.Random(1)
    scan = distort(
        filled_pages[0], Distortion(angle=2.8, scale=0.97, blur=0.8, noise=6, jpeg=75), rng
    )
    reading = _read(scan, layout)
    truth = ticked_marks(layout, filled)
    assert reading.turned == 0
    assert sum(pen.chosen for key, pen in truth.items() if key[0] == 1) > 10
    assert _misread(reading, truth) == []


def test_an_upside_down_page_is_turned_and_read(
    filled_pages: list[Gray], layout: SheetLayout, filled: Encounter
) -> None:
    rng = random.Random(2)
    scan = distort(
        filled_pages[1], Distortion(angle=-1.5, scale=1.02, noise=4, upside_down=True), rng
    )
    reading = _read(scan, layout)
    assert reading.turned == 180
    assert reading.code.page == 2
    assert _misread(reading, ticked_marks(layout, filled)) == []


def test_a_page_with_a_corner_cut_off_is_still_read(
    filled_pages: list[Gray], layout: SheetLayout, filled: Encounter
) -> None:
    page = filled_pages[0].copy()
    mark = layout.marks[3]  # the bottom-right mark, not on the scan
    scale = DPI / 72
    page[round(mark.y * scale) - 4 :, round(mark.x * scale) - 4 :] = 255
    scan = distort(page, Distortion(angle=2.0), random.Random(3))
    assert _misread(_read(scan, layout), ticked_marks(layout, filled)) == []


def test_the_sheet_is_read_in_any_page_order(
    filled_pages: list[Gray], layout: SheetLayout, workflow: Workflow, filled: Encounter
) -> None:
    images = [ScanImage(f"page {n}", pixels) for n, pixels in enumerate(filled_pages, 1)]
    sheet = read_images(images[::-1], _layout_of(layout))
    assert [page.code.page for page in sheet.pages] == [1, 2, 3, 4]
    items = {reading.item.id: reading for reading in read_items(workflow, sheet.pages)}
    for item_id, value in filled.answers.items():
        assert items[item_id].state is ItemState.READ, item_id
        assert items[item_id].value == value, item_id
    for item_id, state in filled.orders.items():
        assert items[item_id].value == state, item_id
    unanswered = [
        reading
        for reading in items.values()
        if reading.boxes and reading.item.id not in {*filled.answers, *filled.orders}
    ]
    assert unanswered
    assert all(reading.state is ItemState.EMPTY for reading in unanswered)
    written = [reading for reading in items.values() if reading.crops]
    assert written
    assert all(crop.png.startswith(b"\x89PNG") for reading in written for crop in reading.crops)


def test_a_missing_page_is_reported(filled_pages: list[Gray], layout: SheetLayout) -> None:
    images = [ScanImage(f"page {n}", filled_pages[n - 1]) for n in (1, 2, 4)]
    with pytest.raises(ScanProblems) as refused:
        read_images(images, _layout_of(layout))
    assert refused.value.problems == ("page 3 of 4 is missing; scan every page of the sheet",)


def test_a_page_scanned_twice_with_other_marks_is_reported(
    filled_pages: list[Gray], blank_pages: list[Gray], layout: SheetLayout
) -> None:
    images = [ScanImage(f"filled {n}", pixels) for n, pixels in enumerate(filled_pages, 1)]
    images.append(ScanImage("blank 2", blank_pages[1]))
    with pytest.raises(ScanProblems) as refused:
        read_images(images, _layout_of(layout))
    assert refused.value.problems == (
        "blank 2: page 2 again, with other marks than filled 2; leave out one of them",
    )


def test_a_page_printed_with_another_layout_is_refused(
    filled_pages: list[Gray], workflow: Workflow
) -> None:
    other = sheet_layout(workflow, "en", "Letter")  # as another program version would
    with pytest.raises(Exception, match="printed from another layout") as refused:
        _read(filled_pages[0], other)
    assert len(str(refused.value).splitlines()) == 1


def test_pages_of_two_sheets_are_refused(
    filled_pages: list[Gray], workflow: Workflow, layout: SheetLayout
) -> None:
    russian = sheet_layout(workflow, "ru", "A4")
    page = draw_blank(russian, 1, DPI)

    def layout_for(workflow_id: str, version: int, language: str, paper: str) -> SheetLayout:
        return russian if language == "ru" else layout

    images = [ScanImage(f"en {n}", pixels) for n, pixels in enumerate(filled_pages, 1)]
    with pytest.raises(ScanProblems) as refused:
        read_images([*images, ScanImage("ru 1", page)], layout_for)
    assert len(refused.value.problems) == 1
    assert refused.value.problems[0].startswith("ru 1: a page of retrograde_ejaculation")


@pytest.mark.parametrize("kind", ["noise", "photo", "other QR code"])
def test_an_image_that_is_no_sheet_gives_one_line(kind: str, layout: SheetLayout) -> None:
    rng = np.random.default_rng(5)
    if kind == "noise":
        image = rng.integers(0, 256, (2339, 1654), dtype=np.uint8)
    else:
        image = np.full((1500, 2000), 200, dtype=np.uint8)
        for _ in range(40):  # blobs and lines, as a photograph of a room has
            x, y = (int(value) for value in rng.integers(0, 1900, 2))
            cv2.circle(
                image, (x, y % 1500), int(rng.integers(5, 120)), int(rng.integers(0, 255)), -1
            )
        if kind == "other QR code":
            import zxingcpp

            symbol = zxingcpp.create_barcode("https://example.org", zxingcpp.BarcodeFormat.QRCode)
            code = np.asarray(symbol.to_image(scale=8, add_quiet_zones=True), dtype=np.uint8)
            image[100 : 100 + code.shape[0], 100 : 100 + code.shape[1]] = code
    with pytest.raises(ScanProblems) as refused:
        read_images([ScanImage("photo.jpg", image)], _layout_of(layout))
    (line,) = refused.value.problems
    expected = {
        "noise": "photo.jpg: no sheet code found",
        "photo": "photo.jpg: no sheet code found",
        "other QR code": "photo.jpg: the code is not that of a workup sheet page",
    }[kind]
    assert line.startswith(expected)


def _single_choice_box_pairs(layout: SheetLayout, workflow: Workflow) -> tuple[str, list[str]]:
    """A single-choice or yes/no item on page 1 and two of its choices."""
    for box in layout.pages[0].boxes:
        item = workflow.item(box.item_id)
        if item.kind in (ItemKind.YNU, ItemKind.SINGLE) and not item.is_order:
            choices = [other.choice for other in layout.pages[0].boxes if other.item_id == item.id]
            if len(choices) >= 2:
                return item.id, choices
    raise AssertionError("no single-choice item on page 1")


def test_two_ticks_in_a_single_choice_item_are_unclear(
    blank_pages: list[Gray], layout: SheetLayout, workflow: Workflow
) -> None:
    item_id, choices = _single_choice_box_pairs(layout, workflow)
    marks = {(1, item_id, choices[0]): Pen.TICK, (1, item_id, choices[1]): Pen.TICK}
    page = blank_pages[0].copy()
    draw_marks(page, layout.pages[0], marks, DPI, random.Random(4), (NORMAL,))
    reading = _read(page, layout)
    (item,) = [entry for entry in read_items(workflow, [reading]) if entry.item.id == item_id]
    assert [box.state.chosen for box in item.boxes[:2]] == [True, True]
    assert item.state is ItemState.UNCLEAR
    assert item.value is None
    assert "2 boxes ticked" in item.note


def test_a_filled_box_is_a_mark_taken_back_not_a_tick(
    blank_pages: list[Gray], layout: SheetLayout, workflow: Workflow
) -> None:
    item_id, choices = _single_choice_box_pairs(layout, workflow)
    # the first choice ticked, then struck out by filling its box; the second ticked
    marks = {(1, item_id, choices[0]): Pen.STRUCK_TICK, (1, item_id, choices[1]): Pen.TICK}
    page = blank_pages[0].copy()
    draw_marks(page, layout.pages[0], marks, DPI, random.Random(5), (NORMAL,))
    reading = _read(page, layout)
    (item,) = [entry for entry in read_items(workflow, [reading]) if entry.item.id == item_id]
    states = {box.box.choice: box.state for box in item.boxes}
    assert states[choices[0]] is BoxState.FILLED
    assert states[choices[1]].chosen
    assert item.state is ItemState.READ
    assert item.value == choices[1]
    assert item.note == f"struck out: {choices[0]}"


def test_box_states_between_the_bands_are_unclear() -> None:
    some_ink = np.zeros((10, 10), dtype=bool)
    some_ink[4:6, :] = True
    assert box_state(0.0, 0.0, 0, 4, some_ink) is BoxState.EMPTY
    assert box_state(0.2, 0.1, 0, 4, some_ink) is BoxState.TICKED
    assert box_state(1.0, 1.0, 4, 0, some_ink) is BoxState.FILLED
    assert box_state(0.06, 0.0, 0, 4, some_ink) is BoxState.UNCLEAR  # a speck or a trace
    assert box_state(0.99, 0.3, 0, 0, some_ink) is BoxState.UNCLEAR  # shaded lightly all over
    assert box_state(0.9, 0.85, 2, 0, some_ink) is BoxState.UNCLEAR  # half filled
