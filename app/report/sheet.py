"""The blank workup sheet: every section and item with boxes and writing lines, on paper."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    FrameBreak,
    NextPageTemplate,
    PageTemplate,
)

from app.domain.values import unit_text
from app.domain.workflow import Item, ItemKind, Role, Workflow
from app.report.fonts import Fonts, ensure_fonts
from app.report.pages import page_size, totals_canvas
from app.report.strings import strings_for
from app.report.summary_data import ClinicInfo
from app.report.text import clean, one_line, wrap

SIZE = 9.0
"""Every piece of text on the sheet is at least this size."""
LEADING = 10.5
TITLE_SIZE = 15.0
HEADING_SIZE = 10.0
HEADING_LEADING = 12.0
BOX = 7.5
BOX_GAP = 3.0
CHIP_GAP = 9.0
WRITE_ROW = 15.0
ITEM_GAP = 1.5
INDENT = 10.0
MARGIN_X: float = 12 * mm
MARGIN_TOP: float = 8 * mm
MARGIN_BOTTOM: float = 12.5 * mm
GUTTER: float = 6 * mm
QR_SIZE = 42.0
BAND = QR_SIZE + 6
MUTED = colors.Color(0.3, 0.3, 0.3)
LINE = colors.Color(0.45, 0.45, 0.45)
LEADER = colors.Color(0.7, 0.7, 0.7)
SHADE = colors.Color(0.9, 0.9, 0.9)


class SheetKind(StrEnum):
    """How an item is drawn on paper."""

    CHECK = "check"
    YNU = "ynu"
    YNU_DETAILS = "ynu_details"
    CHOICE = "choice"
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    ORDER = "order"
    ORDER_GRID = "order_grid"
    YNU_GRID = "ynu_grid"
    SIGNATURE = "signature"


@dataclass(frozen=True)
class SheetItem:
    """One item of the sheet: its label and what to draw for the answer."""

    item_id: str
    kind: SheetKind
    label: str
    options: tuple[str, ...] = ()
    unit: str = ""
    indent: bool = False
    specify: bool = False
    other_line: bool = False
    lines: int = 2


@dataclass(frozen=True)
class SheetSection:
    """One workflow section on the sheet."""

    section_id: str
    code: str
    title: str
    note: str
    items: tuple[SheetItem, ...]


@dataclass(frozen=True)
class SheetData:
    """Everything the blank sheet prints; the renderer adds only layout."""

    language: str
    labels: Mapping[str, str]
    clinic_name: str
    clinic_address: str
    document_title: str
    workflow_title: str
    workflow_version: str
    qr_payload: str
    patient_fields: tuple[str, ...]
    visit_fields: tuple[str, ...]
    instructions: str
    sections: tuple[SheetSection, ...]
    page_of: str
    yes_no_unknown: tuple[str, ...] = field(default=())
    ynu_captions: tuple[str, ...] = field(default=())
    order_choices: tuple[str, ...] = field(default=())
    signature_fields: tuple[str, ...] = field(default=())

    def page_label(self, page: int, pages: int) -> str:
        """The footer's "page X of Y" text."""
        return self.page_of.format(page=page, pages=pages)

    def all_text(self) -> list[str]:
        """Every string the sheet prints apart from page numbers (for checks and tests)."""
        texts = [
            self.clinic_name,
            self.clinic_address,
            self.document_title,
            self.workflow_title,
            self.workflow_version,
            self.qr_payload,
            self.instructions,
            *self.patient_fields,
            *self.visit_fields,
            *self.yes_no_unknown,
            *self.ynu_captions,
            *self.order_choices,
            *self.signature_fields,
            self.labels["details"],
            self.labels["specify"],
            self.labels["note"],
            self.labels["patient"],
        ]
        for section in self.sections:
            texts += [section.code, section.title, section.note]
            for item in section.items:
                texts += [item.label, *item.options, item.unit]
        return [text for text in texts if text]


def qr_payload(workflow: Workflow) -> str:
    """What the QR code on each page encodes, e.g. "workup:retrograde_ejaculation:v1"."""
    return f"workup:{workflow.id}:v{workflow.version}"


def _sheet_kind(item: Item) -> SheetKind:
    if item.is_order:
        return SheetKind.ORDER
    return {
        ItemKind.CHECK: SheetKind.CHECK,
        ItemKind.YNU: SheetKind.YNU,
        ItemKind.YNU_DETAILS: SheetKind.YNU_DETAILS,
        ItemKind.SINGLE: SheetKind.CHOICE,
        ItemKind.MULTI: SheetKind.CHOICE,
        ItemKind.TEXT: SheetKind.TEXT,
        ItemKind.NUMBER: SheetKind.NUMBER,
        ItemKind.DATE: SheetKind.DATE,
        ItemKind.DATETIME: SheetKind.DATETIME,
    }[item.kind]


def build_sheet_data(workflow: Workflow, clinic: ClinicInfo, language: str) -> SheetData:
    """Collect and localize everything the blank sheet of `workflow` prints."""
    language = language if language in ("en", "ru") else "en"
    labels = strings_for(language)
    sections: list[SheetSection] = []
    order_choices = tuple(
        labels[f"order_{status}"]
        for status in ("ordered", "done_elsewhere", "not_indicated", "declined")
    )
    legend = " · ".join(f"{number} {text}" for number, text in enumerate(order_choices, 1))
    for section in workflow.sections:
        items: list[SheetItem] = []
        for item in section.items:
            kind = _sheet_kind(item)
            if kind is SheetKind.ORDER and not any(e.kind is SheetKind.ORDER for e in items):
                # the orders of a section form a grid: numbered box columns, the legend
                # above the first grid of the sheet
                first = not any(e.kind is SheetKind.ORDER_GRID for s in sections for e in s.items)
                items.append(SheetItem("", SheetKind.ORDER_GRID, clean(legend) if first else ""))
            ynu = (SheetKind.YNU, SheetKind.YNU_DETAILS)
            if kind in ynu and not any(e.kind in ynu for e in items):
                items.append(SheetItem("", SheetKind.YNU_GRID, ""))
            items.append(
                SheetItem(
                    item_id=item.id,
                    kind=_sheet_kind(item),
                    label=clean(item.label.get(language)),
                    options=tuple(clean(option.label.get(language)) for option in item.options),
                    unit=clean(unit_text(item.unit, language) if item.unit else ""),
                    indent=item.role is Role.ORDER_DETAIL or item.show_when is not None,
                    specify=item.is_order and item.kind is not ItemKind.CHECK,
                    other_line=any(option.value.startswith("other") for option in item.options),
                    lines=item.lines or 2,
                )
            )
        title = clean(section.title.get(language))
        if section.optional:
            title = f"{title} ({labels['optional_section']})"
        note = clean(section.note.get(language)) if section.note else ""
        sections.append(SheetSection(section.id, clean(section.code), title, note, tuple(items)))
    return SheetData(
        language=language,
        labels=labels,
        clinic_name=one_line(clinic.name),
        clinic_address=one_line(clinic.address, limit=400),
        document_title=labels["sheet_title"],
        workflow_title=clean(workflow.title.get(language)),
        workflow_version=labels["version"].format(version=workflow.version),
        qr_payload=qr_payload(workflow),
        patient_fields=(labels["name"], labels["birth_date"], labels["chart_number"]),
        # The visit date and clinician get header fields only when no item asks for them.
        visit_fields=tuple(
            labels[key]
            for key, item_id in (("visit_date", "visit_date"), ("clinician", "visit_clinician"))
            if not workflow.has_item(item_id)
        ),
        instructions=labels["sheet_instructions"],
        sections=tuple(sections),
        page_of=labels["page_of"],
        yes_no_unknown=(labels["yes"], labels["no"], labels["unknown"]),
        ynu_captions=(labels["yes"], labels["no"], labels["unknown_short"]),
        order_choices=order_choices,
        signature_fields=(labels["clinician_signature"], labels["date"]),
    )


# -- drawing --------------------------------------------------------------------------------

Op = tuple[Any, ...]
"""One drawing step of a row: ("text", x, str, bold) | ("box", x) | ("line", x1, x2)
| ("leader", x1, x2) | ("cells", x, count)."""


@dataclass
class _Row:
    """A horizontal band of an item: its height and what is drawn in it."""

    height: float
    ops: list[Op] = field(default_factory=list)


class _Layout:
    """Measures text and lays items out as rows for a given column width."""

    def __init__(self, fonts: Fonts, data: SheetData) -> None:
        self.fonts = fonts
        self.data = data

    def width(self, text: str, bold: bool = False) -> float:
        """Printed width of `text` at the sheet's size."""
        return self.fonts.width(text, SIZE, bold)

    def lines(self, text: str, width: float, bold: bool = False) -> list[str]:
        """`text` wrapped to `width`."""
        return wrap(self.fonts.printable(text), max(width, 20.0), lambda s: self.width(s, bold))

    def chip_width(self, text: str) -> float:
        """Width of a box with its option text."""
        return BOX + BOX_GAP + self.width(text)

    def chips(self, options: tuple[str, ...], x0: float, width: float) -> list[_Row]:
        """Option boxes flowing left to right, wrapping; an over-long option wraps itself."""
        rows: list[_Row] = [_Row(LEADING)]
        x = x0
        for option in options:
            chip = self.chip_width(option)
            if x > x0 and x + chip > x0 + width:
                rows.append(_Row(LEADING))
                x = x0
            if chip <= width:
                rows[-1].ops += [("box", x), ("text", x + BOX + BOX_GAP, option, False)]
                x += chip + CHIP_GAP
                continue
            parts = self.lines(option, width - BOX - BOX_GAP)
            rows[-1].ops += [("box", x), ("text", x + BOX + BOX_GAP, parts[0], False)]
            for part in parts[1:]:
                rows.append(_Row(LEADING, [("text", x + BOX + BOX_GAP, part, False)]))
            rows.append(_Row(LEADING))
            x = x0
        return [row for row in rows if row.ops]

    def trailer(self, item: SheetItem) -> tuple[float, list[Op]]:
        """The answer part drawn after a label (boxes, a line with unit, date cells)."""
        data = self.data
        ops: list[Op] = []
        x = 0.0
        if item.kind in (SheetKind.YNU, SheetKind.YNU_DETAILS):
            return self.inline_chips(data.yes_no_unknown)
        if item.kind is SheetKind.NUMBER:
            ops.append(("line", 0.0, 62.0))
            if item.unit:
                ops.append(("text", 66.0, item.unit, False))
                return 66.0 + self.width(item.unit), ops
            return 62.0, ops
        if item.kind in (SheetKind.DATE, SheetKind.DATETIME):
            for count, separator in ((2, "."), (2, "."), (4, "")):
                ops.append(("cells", x, count))
                x += count * CELL
                if separator:
                    ops.append(("text", x + 1, separator, False))
                    x += 5
            if item.kind is SheetKind.DATETIME:
                x += 6
                ops.append(("cells", x, 2))
                x += 2 * CELL
                ops.append(("text", x + 1, ":", False))
                x += 5
                ops.append(("cells", x, 2))
                x += 2 * CELL
            return x, ops
        return 0.0, ops

    def inline_chips(self, options: tuple[str, ...]) -> tuple[float, list[Op]]:
        """Option boxes on one line, as a trailer."""
        ops: list[Op] = []
        x = 0.0
        for option in options:
            ops += [("box", x), ("text", x + BOX + BOX_GAP, option, False)]
            x += self.chip_width(option) + CHIP_GAP
        return max(x - CHIP_GAP, 0.0), ops

    def labelled(
        self,
        item: SheetItem,
        x0: float,
        width: float,
        bold: bool = False,
        trailer: tuple[float, list[Op]] | None = None,
    ) -> list[_Row]:
        """The label, with the trailer on its last line when that costs no extra line."""
        trailer_width, trailer_ops = trailer or self.trailer(item)
        full = self.lines(item.label, width, bold)
        if not trailer_ops:
            return [_Row(LEADING, [("text", x0, line, bold)]) for line in full]
        narrow = self.lines(item.label, width - trailer_width - 10, bold)
        start = x0 + width - trailer_width
        if self.width(full[-1], bold) + trailer_width + 10 <= width:
            narrow = full  # the last line leaves room for the trailer
        if len(narrow) <= len(full):
            rows = [_Row(LEADING, [("text", x0, line, bold)]) for line in narrow]
            last_end = x0 + self.width(narrow[-1], bold)
            rows[-1].ops.append(("leader", last_end + 3, start - 4))
        else:
            rows = [_Row(LEADING, [("text", x0, line, bold)]) for line in full]
            rows.append(_Row(LEADING, [("leader", x0 + INDENT, start - 4)]))
        rows[-1].ops += [shift(op, start) for op in trailer_ops]
        if item.kind in (SheetKind.NUMBER, SheetKind.DATE, SheetKind.DATETIME):
            rows[-1].height = WRITE_ROW - 3
        return rows

    def writing(self, prefix: str, x0: float, width: float) -> _Row:
        """A writing line across the column, led by `prefix`."""
        ops: list[Op] = []
        x = x0
        if prefix:
            ops.append(("text", x0, prefix, False))
            x += self.width(prefix) + 4
        ops.append(("line", x, x0 + width))
        return _Row(WRITE_ROW, ops)

    def item_rows(self, item: SheetItem, width: float) -> list[_Row]:
        """Every row of `item` in a column `width` wide."""
        labels = self.data.labels
        x0 = INDENT if item.indent else 0.0
        usable = width - x0
        if item.kind is SheetKind.CHECK:
            lines = self.lines(item.label, usable - BOX - BOX_GAP)
            rows = [_Row(LEADING, [("text", x0 + BOX + BOX_GAP, line, False)]) for line in lines]
            rows[0].ops.insert(0, ("box", x0))
            return rows
        if item.kind is SheetKind.YNU:
            return self.labelled(item, x0, usable, trailer=self.ynu_boxes())
        if item.kind in (SheetKind.NUMBER, SheetKind.DATE, SheetKind.DATETIME):
            return self.labelled(item, x0, usable)
        if item.kind is SheetKind.YNU_DETAILS:
            inline = self.details_inline(item, x0, usable)
            if inline is not None:
                return inline
            rows = self.labelled(item, x0, usable, trailer=self.ynu_boxes())
            return [*rows, self.writing(labels["details"] + ":", x0 + INDENT, usable - INDENT)]
        if item.kind is SheetKind.YNU_GRID:
            return [self.captions(self.data.ynu_captions, self.ynu_step(), width)]
        if item.kind is SheetKind.CHOICE:
            rows = self.labelled(item, x0, usable)
            rows += self.chips(item.options, x0 + INDENT, usable - INDENT)
            chips = self.inline_chips(item.options)
            if chips[0] <= usable * 0.7:
                inline = self.labelled(item, x0, usable, trailer=chips)
                if len(inline) < len(rows):
                    rows = inline
            if item.other_line:
                rows.append(self.writing(labels["specify"] + ":", x0 + INDENT, usable - INDENT))
            return rows
        if item.kind is SheetKind.TEXT:
            rows = self.labelled(item, x0, usable)
            rows += [self.writing("", x0, usable) for _ in range(item.lines)]
            return rows
        if item.kind is SheetKind.ORDER_GRID:
            return self.grid_header(item, x0, usable)
        if item.kind is SheetKind.SIGNATURE:
            return self.signature_rows(width)
        rows = self.labelled(item, x0, usable, bold=True, trailer=self.grid_boxes())
        if item.specify:
            rows.append(self.writing(labels["specify"] + ":", x0 + INDENT, usable - INDENT))
        rows.append(self.dated_note(x0 + INDENT, usable - INDENT))
        return rows

    def details_inline(self, item: SheetItem, x0: float, width: float) -> list[_Row] | None:
        """The question with its details line and boxes on the label's last row (None when
        that row leaves too little room for the details)."""
        trailer_width, trailer_ops = self.ynu_boxes()
        start = x0 + width - trailer_width
        prefix = self.data.labels["details"] + ":"
        lines = self.lines(item.label, width - trailer_width - 10)
        line_start = x0 + self.width(lines[-1]) + 8 + self.width(prefix) + 4
        if start - 6 - line_start < 50:
            return None
        rows = [_Row(LEADING, [("text", x0, line, False)]) for line in lines[:-1]]
        ops: list[Op] = [
            ("text", x0, lines[-1], False),
            ("text", line_start - self.width(prefix) - 4, prefix, False),
            ("line", line_start, start - 6),
        ]
        rows.append(_Row(WRITE_ROW, ops + [shift(op, start) for op in trailer_ops]))
        return rows

    def ynu_step(self) -> float:
        """Distance between the Yes / No / not-known box columns (their captions fit)."""
        widest = max(self.width(caption, True) for caption in self.data.ynu_captions)
        return max(BOX, widest) + 6.0

    def ynu_boxes(self) -> tuple[float, list[Op]]:
        """The Yes / No / not-known boxes of a question, as a trailer under the captions."""
        step = self.ynu_step()
        count = len(self.data.ynu_captions)
        ops: list[Op] = [("box", index * step) for index in range(count)]
        return (count - 1) * step + BOX, ops

    def captions(self, captions: tuple[str, ...], step: float, width: float) -> _Row:
        """Bold captions centred over box columns that end at the right edge of `width`."""
        trailer = (len(captions) - 1) * step + BOX
        start = width - trailer
        ops: list[Op] = []
        for index, caption in enumerate(captions):
            offset = (BOX - self.width(caption, True)) / 2
            ops.append(("text", start + index * step + offset, caption, True))
        return _Row(LEADING, ops)

    def grid_boxes(self) -> tuple[float, list[Op]]:
        """The four order-state boxes of an order row, as a trailer."""
        count = len(self.data.order_choices)
        ops: list[Op] = [("box", index * GRID_STEP) for index in range(count)]
        return (count - 1) * GRID_STEP + BOX, ops

    def grid_header(self, item: SheetItem, x0: float, width: float) -> list[_Row]:
        """The legend of the order grid, then the numbers above its box columns."""
        rows = [
            _Row(LEADING, [("text", x0, line, False)])
            for line in (self.lines(item.label, width) if item.label else [])
        ]
        digits = tuple(str(index + 1) for index in range(len(self.data.order_choices)))
        rows.append(self.captions(digits, GRID_STEP, x0 + width))
        return rows

    def dated_note(self, x0: float, width: float) -> _Row:
        """The date cells and the note line under an order."""
        labels = self.data.labels
        date_label = labels["date"] + ":"
        ops: list[Op] = [("text", x0, date_label, False)]
        x = x0 + self.width(date_label) + 4
        for count, separator in ((2, "."), (2, "."), (4, "")):
            ops.append(("cells", x, count))
            x += count * CELL
            if separator:
                ops.append(("text", x + 1, separator, False))
                x += 5
        x += 8
        note_label = labels["note"] + ":"
        ops.append(("text", x, note_label, False))
        ops.append(("line", x + self.width(note_label) + 4, x0 + width))
        return _Row(WRITE_ROW, ops)

    def signature_rows(self, width: float) -> list[_Row]:
        """The clinician's signature line and the date cells, at the end of the sheet."""
        signature, date_label = self.data.signature_fields
        rows = [self.writing(signature + ":", 0.0, width)]
        ops: list[Op] = [("text", 0.0, date_label + ":", False)]
        x = self.width(date_label + ":") + 4
        for count, separator in ((2, "."), (2, "."), (4, "")):
            ops.append(("cells", x, count))
            x += count * CELL
            if separator:
                ops.append(("text", x + 1, separator, False))
                x += 5
        rows.append(_Row(WRITE_ROW, ops))
        return rows


CELL = 9.0
"""Width of one digit cell of a date."""
GRID_STEP = BOX + 8.0
"""Distance between the box columns of the order grid."""


def shift(op: Op, dx: float) -> Op:
    """`op` moved right by `dx`."""
    kind = op[0]
    if kind in ("line", "leader"):
        return (kind, op[1] + dx, op[2] + dx)
    return (kind, op[1] + dx, *op[2:])


def draw_rows(
    canvas: Canvas, fonts: Fonts, rows: list[_Row], top: float, ink: Any = colors.black
) -> None:
    """Draw `rows` downwards from `top` (flowable coordinates), text in `ink`."""
    for row in rows:
        # Writing rows put their text on the line at the bottom; others hang from the top.
        writing = row.height >= WRITE_ROW
        baseline = top - row.height + 4.5 if writing else top - 8.6
        for op in row.ops:
            kind = op[0]
            if kind == "text":
                canvas.setFillColor(ink)
                canvas.setFont(fonts.bold if op[3] else fonts.regular, SIZE)
                canvas.drawString(op[1], baseline, op[2])
            elif kind == "box":
                canvas.setStrokeColor(colors.black)
                canvas.setLineWidth(0.7)
                canvas.rect(op[1], baseline - 0.8, BOX, BOX, stroke=1, fill=0)
            elif kind == "line":
                canvas.setStrokeColor(LINE)
                canvas.setLineWidth(0.5)
                canvas.line(op[1], baseline - 1.5, op[2], baseline - 1.5)
            elif kind == "leader" and op[2] - op[1] > 6:
                canvas.setStrokeColor(LEADER)
                canvas.setLineWidth(0.6)
                canvas.setDash(0.6, 2.4)
                canvas.line(op[1], baseline, op[2], baseline)
                canvas.setDash()
            elif kind == "cells":
                canvas.setStrokeColor(LINE)
                canvas.setLineWidth(0.5)
                for index in range(op[2]):
                    x = op[1] + index * CELL
                    canvas.rect(x + 0.5, baseline - 2.5, CELL - 1, 11, stroke=1, fill=0)
        top -= row.height


class _ItemBlock(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """One sheet item; splits between rows only when it is too tall to move whole."""

    def __init__(self, layout: _Layout, item: SheetItem, rows: list[_Row] | None = None) -> None:
        super().__init__()
        self.layout = layout
        self.item = item
        self.rows = rows
        self.fixed = rows is not None
        # a grid's column captions stay with the first row under them
        self.keepWithNext = item.kind in (SheetKind.ORDER_GRID, SheetKind.YNU_GRID)

    def _rows_for(self, width: float) -> list[_Row]:
        if self.rows is None or not self.fixed:
            self.rows = self.layout.item_rows(self.item, width)
        return self.rows

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        rows = self._rows_for(availWidth)
        self.width = availWidth
        self.height = sum(row.height for row in rows) + ITEM_GAP
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        rows = self._rows_for(availWidth)
        if sum(row.height for row in rows) < 120:
            return []
        used = 0.0
        for index, row in enumerate(rows):
            if used + row.height > availHeight - ITEM_GAP:
                if index < 2:
                    return []
                return [
                    _ItemBlock(self.layout, self.item, rows[:index]),
                    _ItemBlock(self.layout, self.item, rows[index:]),
                ]
            used += row.height
        return [self]

    def draw(self) -> None:
        draw_rows(self.canv, self.layout.fonts, self.rows or [], self.height - ITEM_GAP / 2)


class _SectionHeading(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """A shaded band with the section code and title, kept with what follows."""

    def __init__(self, layout: _Layout, code: str, title: str) -> None:
        super().__init__()
        self.layout = layout
        self.text = f"{code}  {title}" if code else title
        self.lines: list[str] = []
        self.keepWithNext = True
        self.spaceBefore = 4

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        fonts = self.layout.fonts
        self.lines = wrap(
            fonts.printable(self.text),
            availWidth - 8,
            lambda s: fonts.width(s, HEADING_SIZE, True),
        )
        self.width = availWidth
        self.height = len(self.lines) * HEADING_LEADING + 4 + 3
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        fonts = self.layout.fonts
        band = self.height - 3
        canvas.setFillColor(SHADE)
        canvas.rect(0, 3, self.width, band, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        canvas.setFont(fonts.bold, HEADING_SIZE)
        y = self.height - 2.5 - 9.0
        for line in self.lines:
            canvas.drawString(4, y, line)
            y -= HEADING_LEADING


class _Note(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Plain wrapped text at the sheet's size (section notes, the tick instructions)."""

    def __init__(self, layout: _Layout, text: str, color: Any = MUTED, gap: float = 3) -> None:
        super().__init__()
        self.layout = layout
        self.text = text
        self.color = color
        self.gap = gap
        self.lines: list[str] = []

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.lines = self.layout.lines(self.text, availWidth)
        self.width = availWidth
        self.height = len(self.lines) * LEADING + self.gap
        return self.width, self.height

    def draw(self) -> None:
        rows = [_Row(LEADING, [("text", 0.0, line, False)]) for line in self.lines]
        draw_rows(self.canv, self.layout.fonts, rows, self.height, self.color)


class _Header(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Page 1: clinic, title, workflow, then blank patient and visit fields."""

    def __init__(self, layout: _Layout) -> None:
        super().__init__()
        self.layout = layout
        self.rows: list[_Row] = []

    def build_rows(self, width: float) -> list[_Row]:
        """Lay the header out for `width`."""
        layout, data = self.layout, self.layout.data
        fonts = layout.fonts
        rows: list[_Row] = []
        beside_qr = width - QR_SIZE - 12
        title_lines = wrap(
            fonts.printable(data.document_title),
            beside_qr,
            lambda s: fonts.width(s, TITLE_SIZE, True),
        )
        for line in title_lines:
            rows.append(_Row(TITLE_SIZE + 4, [("title", 0.0, line)]))
        title = f"{data.workflow_title}, {data.workflow_version}"
        for line in layout.lines(title, beside_qr, True):
            rows.append(_Row(LEADING, [("text", 0.0, line, True)]))
        for text in (data.clinic_name, data.clinic_address):
            if text:
                for line in layout.lines(text, beside_qr):
                    rows.append(_Row(LEADING, [("text", 0.0, line, False)]))
        # The blank fields use the full width, so they start below the QR code.
        rows.append(_Row(max(4.0, BAND - sum(row.height for row in rows))))
        name, birth, chart = data.patient_fields
        if data.visit_fields:
            rows.append(self.fields_row((name, birth), (0.62, 0.38), width))
            rows.append(self.fields_row((chart, *data.visit_fields), (0.3, 0.3, 0.4), width))
        else:
            rows.append(self.fields_row((name, birth, chart), (0.46, 0.28, 0.26), width))
        return rows

    def fields_row(self, names: tuple[str, ...], shares: tuple[float, ...], width: float) -> _Row:
        """Labelled writing lines side by side."""
        ops: list[Op] = []
        x = 0.0
        for name, share in zip(names, shares, strict=False):
            cell = width * share
            label = name + ":"
            ops.append(("text", x, label, False))
            ops.append(("line", x + self.layout.width(label) + 4, x + cell - 10))
            x += cell
        return _Row(WRITE_ROW + 3, ops)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.rows = self.build_rows(availWidth)
        self.width = availWidth
        self.height = sum(row.height for row in self.rows) + 4
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        fonts = self.layout.fonts
        top = self.height
        plain: list[_Row] = []
        for row in self.rows:
            if row.ops and row.ops[0][0] == "title":
                canvas.setFillColor(colors.black)
                canvas.setFont(fonts.bold, TITLE_SIZE)
                canvas.drawString(0, top - TITLE_SIZE, row.ops[0][2])
                plain.append(_Row(row.height))
            else:
                plain.append(row)
        draw_rows(canvas, fonts, plain, top)


class _SheetPages:
    """Page decoration of the sheet: QR code, running header and footer."""

    def __init__(self, layout: _Layout, pagesize: tuple[float, float]) -> None:
        self.layout = layout
        self.pagesize = pagesize
        self.qr = self._qr_drawing(layout.data.qr_payload)

    @staticmethod
    def _qr_drawing(payload: str) -> Drawing:
        widget = QrCodeWidget(payload, barLevel="M")
        left, bottom, right, top = widget.getBounds()
        drawing = Drawing(
            QR_SIZE,
            QR_SIZE,
            transform=[QR_SIZE / (right - left), 0, 0, QR_SIZE / (top - bottom), 0, 0],
        )
        drawing.add(widget)
        return drawing

    def band_top(self) -> float:
        """The y of the top edge of the header band."""
        return self.pagesize[1] - MARGIN_TOP

    def on_page(self, canvas: Canvas, _doc: Any) -> None:
        """The QR code, on every page (its text is in the footer)."""
        width = self.pagesize[0]
        top = self.band_top()
        renderPDF.draw(self.qr, canvas, width - MARGIN_X - QR_SIZE, top - QR_SIZE)

    def on_later_page(self, canvas: Canvas, doc: Any) -> None:
        """QR code plus a running title and a patient line, from page 2 on."""
        self.on_page(canvas, doc)
        data, fonts = self.layout.data, self.layout.fonts
        top = self.band_top()
        room = self.pagesize[0] - 2 * MARGIN_X - QR_SIZE - 12
        title = f"{data.document_title} · {data.workflow_title}, {data.workflow_version}"
        canvas.saveState()
        canvas.setFont(fonts.bold, SIZE)
        canvas.drawString(MARGIN_X, top - 10, fit(fonts, title, room, True))
        label = data.labels["patient"] + ":"
        canvas.setFont(fonts.regular, SIZE)
        canvas.drawString(MARGIN_X, top - 28, label)
        canvas.setStrokeColor(LINE)
        canvas.setLineWidth(0.5)
        start = MARGIN_X + fonts.width(label, SIZE) + 4
        canvas.line(start, top - 29.5, MARGIN_X + room * 0.55, top - 29.5)
        canvas.restoreState()

    def decorate(self, canvas: Canvas, page: int, pages: int) -> None:
        """Footer: workflow on the left, page X of Y on the right."""
        data, fonts = self.layout.data, self.layout.fonts
        width = self.pagesize[0]
        y = MARGIN_BOTTOM - 6.5 * mm
        right = data.page_label(page, pages)
        canvas.saveState()
        canvas.setStrokeColor(LINE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, MARGIN_BOTTOM - 3 * mm, width - MARGIN_X, MARGIN_BOTTOM - 3 * mm)
        canvas.setFillColor(MUTED)
        canvas.setFont(fonts.regular, SIZE)
        room = width - 2 * MARGIN_X - fonts.width(right, SIZE) - 12
        left = f"{data.qr_payload} · {data.workflow_title}, {data.workflow_version}"
        canvas.drawString(MARGIN_X, y, fit(fonts, left, room))
        canvas.drawRightString(width - MARGIN_X, y, right)
        canvas.restoreState()


def fit(fonts: Fonts, text: str, width: float, bold: bool = False) -> str:
    """`text` shortened with an ellipsis to fit `width` at the sheet's size."""
    text = fonts.printable(text)
    if fonts.width(text, SIZE, bold) <= width:
        return text
    while text and fonts.width(text + "…", SIZE, bold) > width:
        text = text[: len(text) - max(len(text) // 8, 1)]
    return text + "…"


def render_sheet(data: SheetData, paper: str = "A4", *, fonts_dir: Path | None = None) -> bytes:
    """The blank sheet PDF of `data` on `paper` ("A4" or "Letter"), two columns."""
    fonts = ensure_fonts(fonts_dir)
    pagesize = page_size(paper)
    layout = _Layout(fonts, data)
    pages = _SheetPages(layout, pagesize)
    page_width, page_height = pagesize
    content_width = page_width - 2 * MARGIN_X
    column = (content_width - GUTTER) / 2

    header = _Header(layout)
    header_width = content_width
    _, header_height = header.wrap(header_width, page_height)
    instructions = _Note(layout, data.instructions, gap=4)
    _, note_height = instructions.wrap(content_width, page_height)
    first_top = page_height - MARGIN_TOP - header_height - note_height - 4
    later_top = page_height - MARGIN_TOP - BAND - 4
    bottom = MARGIN_BOTTOM

    def columns(top: float, prefix: str) -> list[Frame]:
        return [
            Frame(
                MARGIN_X + index * (column + GUTTER),
                bottom,
                column,
                top - bottom,
                leftPadding=0,
                rightPadding=0,
                topPadding=0,
                bottomPadding=0,
                id=f"{prefix}{index}",
            )
            for index in range(2)
        ]

    def unpadded(x: float, y: float, width: float, height: float, name: str) -> Frame:
        return Frame(
            x,
            y,
            width,
            height,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id=name,
        )

    head_frame = unpadded(
        MARGIN_X, page_height - MARGIN_TOP - header_height, header_width, header_height, "head"
    )
    note_frame = unpadded(MARGIN_X, first_top + 4, content_width, note_height, "note")
    first = PageTemplate(
        "first", [head_frame, note_frame, *columns(first_top, "first")], onPage=pages.on_page
    )
    later = PageTemplate("later", columns(later_top, "later"), onPage=pages.on_later_page)
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=data.document_title,
        subject=data.workflow_title,
        creator="Ejaculatory Disorder Workup",
        invariant=True,
    )
    document.addPageTemplates([first, later])
    story: list[Flowable] = [NextPageTemplate("later"), header, FrameBreak(), instructions]
    story.append(FrameBreak())
    for section in data.sections:
        story.append(_SectionHeading(layout, section.code, section.title))
        if section.note:
            story.append(_Note(layout, section.note))
        story += [_ItemBlock(layout, item) for item in section.items]
    story.append(_ItemBlock(layout, SheetItem("", SheetKind.SIGNATURE, "")))
    document.build(story, canvasmaker=totals_canvas(pages.decorate))
    return buffer.getvalue()


def sheet_pdf(
    workflow: Workflow,
    clinic: ClinicInfo,
    language: str,
    paper: str = "A4",
    *,
    fonts_dir: Path | None = None,
) -> bytes:
    """Build the sheet data of `workflow` and render it."""
    return render_sheet(build_sheet_data(workflow, clinic, language), paper, fonts_dir=fonts_dir)
