"""The workup sheet: blank or pre-filled, on paper that a scanner can read back.

Every page carries registration marks in its four corners and a QR code naming the
workflow, version, language, paper, page and the layout's fingerprint. `sheet_layout` gives
where every tick box and writing area is; it is computed from the workflow, language and
paper alone, so a scanner computes it again instead of anything being stored at printing.
The PDF is drawn from the same layout (see app.report.sheet_plan).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from app.domain.encounter import Encounter
from app.domain.sheet_layout import SheetLayout
from app.domain.values import AnswerValue, YnuDetails, number_text
from app.domain.workflow import Item, ItemKind, Workflow
from app.report.fonts import ensure_fonts
from app.report.sheet_data import (
    SheetData,
    SheetItem,
    SheetKind,
    SheetSection,
    build_sheet_data,
    reference,
)
from app.report.sheet_draw import Prefill, draw_sheet
from app.report.sheet_plan import plan_sheet
from app.report.summary_data import ClinicInfo

__all__ = [
    "Prefill",
    "SheetData",
    "SheetItem",
    "SheetKind",
    "SheetSection",
    "build_sheet_data",
    "prefill_of",
    "reference",
    "render_sheet",
    "sheet_layout",
    "sheet_pdf",
]


def sheet_layout(
    workflow: Workflow, language: str, paper: str = "A4", *, fonts_dir: Path | None = None
) -> SheetLayout:
    """Where every tick box and writing area of the sheet of `workflow` is, page by page.

    Boxes: a check item's box records "checked"; a yes/no item's "yes", "no", "unknown"; a
    choice item's one box per option value; an order's "ordered", "done_elsewhere",
    "not_indicated", "declined". Writing areas: "value" (a text, number or date answer, or
    what an "other" order specifies), "details" (of a yes/no item), "other" (the line after
    an option list with an "other" option), "date" and "note" (of an order).
    """
    data = build_sheet_data(workflow, ClinicInfo(), language)
    return plan_sheet(data, paper, ensure_fonts(fonts_dir)).layout


def render_sheet(
    data: SheetData,
    paper: str = "A4",
    *,
    prefill: Prefill | None = None,
    fonts_dir: Path | None = None,
) -> bytes:
    """The sheet PDF of `data` on `paper` ("A4" or "Letter"), two columns, with `prefill`'s
    answers as pen marks when given."""
    fonts = ensure_fonts(fonts_dir)
    return draw_sheet(plan_sheet(data, paper, fonts), fonts, prefill)


def sheet_pdf(
    workflow: Workflow,
    clinic: ClinicInfo,
    language: str,
    paper: str = "A4",
    *,
    encounter: Encounter | None = None,
    fonts_dir: Path | None = None,
) -> bytes:
    """The sheet of `workflow`, blank or pre-filled with `encounter`'s answers (recorded
    against this very workflow version)."""
    data = build_sheet_data(workflow, clinic, language)
    prefill = prefill_of(workflow, encounter, data.language) if encounter is not None else None
    return render_sheet(data, paper, prefill=prefill, fonts_dir=fonts_dir)


def prefill_of(workflow: Workflow, encounter: Encounter, language: str) -> Prefill:
    """The boxes `encounter`'s answers tick and the text they write, item by item."""
    ticked: set[tuple[str, str]] = set()
    written: dict[tuple[str, str], str] = {}
    for item in workflow.items():
        if item.is_order:
            state = encounter.orders.get(item.id)
            if state is not None:
                ticked.add((item.id, state.status.value))
                if state.date is not None:
                    written[(item.id, "date")] = state.date.strftime("%d.%m.%Y")
                if state.note:
                    written[(item.id, "note")] = state.note
            specified = encounter.answers.get(item.id)
            if isinstance(specified, str) and specified:
                written[(item.id, "value")] = specified
            continue
        value = encounter.answers.get(item.id)
        if value is not None:
            _answer_marks(item, value, language, ticked, written)
    patient = encounter.patient
    return Prefill(
        frozenset(ticked),
        written,
        (patient.display_name, patient.birth_date.strftime("%d.%m.%Y"), patient.chart_number),
    )


def _answer_marks(
    item: Item,
    value: AnswerValue,
    language: str,
    ticked: set[tuple[str, str]],
    written: dict[tuple[str, str], str],
) -> None:
    """Add what `value` of `item` ticks and writes."""
    if item.kind is ItemKind.CHECK:
        if value is True:
            ticked.add((item.id, "checked"))
    elif isinstance(value, YnuDetails):
        ticked.add((item.id, value.choice))
        if value.details:
            written[(item.id, "details")] = value.details
    elif isinstance(value, tuple):
        ticked.update((item.id, choice) for choice in value)
    elif item.kind in (ItemKind.YNU, ItemKind.SINGLE) and isinstance(value, str):
        ticked.add((item.id, value))
    elif isinstance(value, Decimal):
        written[(item.id, "value")] = number_text(value, language)
    elif item.kind in (ItemKind.DATE, ItemKind.DATETIME) and isinstance(value, str):
        written[(item.id, "value")] = _date_digits(value)
    elif isinstance(value, str) and value:
        written[(item.id, "value")] = value


def _date_digits(value: str) -> str:
    """A stored date (YYYY, YYYY-MM, YYYY-MM-DD, or with THH:MM) as DD.MM.YYYY[ HH:MM]."""
    day, _t, time = value.partition("T")
    parts = day.split("-")
    year = parts[0]
    month = parts[1] if len(parts) > 1 else "__"
    date = parts[2] if len(parts) > 2 else "__"
    text = f"{date}.{month}.{year}"
    return f"{text} {time}" if time else text
