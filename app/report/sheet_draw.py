"""Drawing a laid-out workup sheet: page headers, items, and from the layout itself the tick
boxes, registration marks and QR code; optionally an encounter's answers as pen marks.

A pre-filled sheet carries the answers as a hand would: each ticked box gets a tick or a
cross drawn as pen strokes (dark blue or black, about 1 pt wide, sometimes running past the
box's edge), varied from box to box but the same every time the sheet is printed. Written
answers (texts, numbers, dates, details, order dates and notes) are printed small in their
writing areas in a plain typeface; they are there to be seen, not to be read by a scanner.
"""

from __future__ import annotations

import hashlib
import io
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas

from app.domain.sheet_layout import Box, SheetLayout, WritingArea
from app.report.fonts import Fonts
from app.report.sheet_plan import (
    FOOTER_BASELINE,
    HEADER_TOP,
    LINE,
    MARGIN_X,
    MARK_INSET,
    MARK_SIZE,
    MUTED,
    QUIET,
    SheetPlan,
    fit,
)
from app.report.sheet_rows import BASELINE, CELL, LEADING, SIZE, WRITE_BASELINE, WRITE_ROW

BOX_LINE = 0.8
"""The width of a tick box's outline."""
PEN_COLOURS = (colors.Color(0.05, 0.1, 0.45), colors.Color(0.08, 0.08, 0.12))
"""Dark blue and black ink."""
PEN_TEXT_SIZE = 8.0
DATE_TEXT = re.compile(r"^[0-9_]{2}\.[0-9_]{2}\.[0-9]{4}( [0-9]{2}:[0-9]{2})?$")
"""A written date as its digit cells take it ("_" for a cell left empty)."""


@dataclass(frozen=True)
class Prefill:
    """What a pre-filled sheet shows: the ticked boxes as (item id, choice), the written
    answers by (item id, part) as in the layout's writing areas, and the patient's name,
    date of birth and chart number in the page header."""

    ticked: frozenset[tuple[str, str]] = frozenset()
    written: Mapping[tuple[str, str], str] = field(default_factory=dict)
    patient: tuple[str, str, str] = ("", "", "")


def qr_drawing(text: str, size: float) -> Drawing:
    """A QR code of `text` (error correction M), its modules `size` points wide."""
    widget = QrCodeWidget(text, barLevel="M", barBorder=0)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    return drawing


class _Page:
    """Draws one page of a plan on a canvas (top-down geometry turned to the canvas')."""

    def __init__(self, canvas: Canvas, plan: SheetPlan, fonts: Fonts) -> None:
        self.canvas = canvas
        self.plan = plan
        self.fonts = fonts
        self.height = plan.layout.page_height
        self.width = plan.layout.page_width

    def y(self, top_down: float) -> float:
        """The canvas y of a top-down y."""
        return self.height - top_down

    def text(
        self, x: float, baseline: float, text: str, size: float = SIZE, bold: bool = False
    ) -> None:
        """`text` at top-down `baseline`."""
        self.canvas.setFont(self.fonts.bold if bold else self.fonts.regular, size)
        self.canvas.drawString(x, self.y(baseline), text)

    def line(self, x1: float, x2: float, top_down: float) -> None:
        """A writing line."""
        self.canvas.setStrokeColor(LINE)
        self.canvas.setLineWidth(0.5)
        self.canvas.line(x1, self.y(top_down), x2, self.y(top_down))

    def header(self, number: int, pages: int, patient: tuple[str, str, str]) -> None:
        """Page 1: title, workflow, clinic, fields and instructions; then a running title and
        a patient line. Every page: the footer with the page number. `patient` is written
        into the fields (pre-filled sheets)."""
        plan, canvas, fonts = self.plan, self.canvas, self.fonts
        data = plan.data
        canvas.saveState()
        if number == 1:
            for line in plan.first_header:
                canvas.setFillColor(MUTED if line.muted else colors.black)
                self.text(line.x, line.baseline, line.text, line.size, line.bold)
            canvas.setFillColor(colors.black)
            for index, (label_x, start, end, label) in enumerate(plan.first_fields):
                self.text(label_x, plan.fields_baseline, label)
                self.line(start, end, plan.fields_baseline + 1.5)
                self.pen_text(start + 2, end - 2, plan.fields_baseline - 1.0, patient[index])
        else:
            room = plan.layout.qr.x - QUIET - MARGIN_X
            title = f"{data.document_title} · {data.workflow_title}, {data.workflow_version}"
            top = HEADER_TOP
            canvas.setFillColor(colors.black)
            self.text(MARGIN_X, top + BASELINE, fit(fonts, title, room, bold=True), bold=True)
            label = data.labels["patient"] + ":"
            baseline = top + LEADING + WRITE_ROW - WRITE_BASELINE
            self.text(MARGIN_X, baseline, label)
            start = MARGIN_X + fonts.width(label, SIZE) + 4
            self.line(start, MARGIN_X + room, baseline + 1.5)
            self.pen_text(
                start + 2, MARGIN_X + room, baseline - 1.0, " · ".join(filter(None, patient))
            )
        left = MARK_INSET + MARK_SIZE + QUIET
        right = self.width - left
        page_label = data.page_label(number, pages)
        canvas.setFillColor(MUTED)
        baseline = self.height - FOOTER_BASELINE
        room = right - left - fonts.width(page_label, SIZE) - 12
        footer = f"{data.reference} · {data.workflow_title}, {data.workflow_version}"
        self.text(left, baseline, fit(fonts, footer, room))
        canvas.setFont(fonts.regular, SIZE)
        canvas.drawRightString(right, self.y(baseline), page_label)
        canvas.restoreState()

    def boxes(self, boxes: tuple[Box, ...]) -> None:
        """The tick boxes, where the layout has them."""
        canvas = self.canvas
        canvas.saveState()
        canvas.setStrokeColor(colors.black)
        canvas.setLineWidth(BOX_LINE)
        for box in boxes:
            rect = box.rect
            canvas.rect(rect.x, self.y(rect.y + rect.height), rect.width, rect.height, 1, 0)
        canvas.restoreState()

    def marks_and_code(self, layout: SheetLayout, number: int) -> None:
        """The registration marks and the page's QR code."""
        canvas = self.canvas
        canvas.saveState()
        canvas.setFillColor(colors.black)
        for mark in layout.marks:
            canvas.rect(mark.x, self.y(mark.y + mark.height), mark.width, mark.height, 0, 1)
        canvas.restoreState()
        qr = layout.qr
        drawing = qr_drawing(layout.code(number).text(), qr.width)
        renderPDF.draw(drawing, canvas, qr.x, self.y(qr.y + qr.height))

    def pen(self, boxes: tuple[Box, ...], areas: tuple[WritingArea, ...], prefill: Prefill) -> None:
        """The pre-filled answers: pen marks in the ticked boxes, written answers small."""
        canvas = self.canvas
        canvas.saveState()
        canvas.setLineCap(1)
        canvas.setLineJoin(1)
        for box in boxes:
            if (box.item_id, box.choice) in prefill.ticked:
                self.pen_mark(box, self.plan.layout.fingerprint())
        for area in areas:
            text = prefill.written.get((area.item_id, area.part))
            if text:
                self.written(area, text)
        canvas.restoreState()

    def pen_mark(self, box: Box, salt: str) -> None:
        """A tick or a cross in `box`, drawn as pen strokes varied by the box."""
        seed = hashlib.sha256(f"{salt}|{box.item_id}|{box.choice}".encode()).digest()
        rng = random.Random(int.from_bytes(seed[:8], "big"))
        canvas = self.canvas
        canvas.setStrokeColor(PEN_COLOURS[rng.random() < 0.3])
        canvas.setLineWidth(rng.uniform(0.8, 1.2))
        rect = box.rect
        size = rect.width

        scale = rng.uniform(0.9, 1.25)

        def point(u: float, v: float) -> tuple[float, float]:
            """A point at fractions (u, v) of the box, v from its top, the mark's size
            varied about the box's centre, with a little wobble."""
            u = 0.5 + (u - 0.5) * scale + rng.uniform(-0.04, 0.04)
            v = 0.5 + (v - 0.5) * scale + rng.uniform(-0.04, 0.04)
            return rect.x + size * u, self.y(rect.y + size * v)

        over = rng.uniform(0.05, 0.3) if rng.random() < 0.4 else 0.0
        if rng.random() < 0.7:
            # a tick: a short stroke down to the right, then a long one up past the top right
            start, low, end = point(0.15, 0.5), point(0.42, 0.85), point(0.95 + over, -over)
            path = canvas.beginPath()
            path.moveTo(*start)
            path.curveTo(*point(0.25, 0.62), *point(0.33, 0.75), *low)
            path.curveTo(*point(0.55, 0.55), *point(0.75, 0.2), *end)
            canvas.drawPath(path, stroke=1, fill=0)
            return
        for first, second in (((0.12, 0.12), (0.9, 0.9)), ((0.88, 0.1), (0.12, 0.9))):
            a = point(first[0] - over / 2, first[1] - over / 2)
            b = point(second[0] + over / 2, second[1] + over / 2)
            bend = point((first[0] + second[0]) / 2 + 0.05, (first[1] + second[1]) / 2)
            path = canvas.beginPath()
            path.moveTo(*a)
            path.curveTo(*bend, *bend, *b)
            canvas.drawPath(path, stroke=1, fill=0)

    def pen_text(self, left: float, right: float, baseline: float, text: str) -> None:
        """`text` written small in ink between `left` and `right` on top-down `baseline`."""
        if not text:
            return
        self.canvas.saveState()
        self.canvas.setFillColor(PEN_COLOURS[0])
        self.canvas.setFont(self.fonts.regular, PEN_TEXT_SIZE)
        fitted = fit(self.fonts, text, right - left, PEN_TEXT_SIZE)
        self.canvas.drawString(left, self.y(baseline), fitted)
        self.canvas.restoreState()

    def written(self, area: WritingArea, text: str) -> None:
        """A written answer, small, on the area's first line (dates in their cells)."""
        canvas = self.canvas
        canvas.setFillColor(PEN_COLOURS[0])
        canvas.setFont(self.fonts.regular, PEN_TEXT_SIZE)
        rect = area.rect
        if DATE_TEXT.match(text):
            cells = [char for char in text if char not in ". :"]
            baseline = rect.y + rect.height - WRITE_BASELINE - 0.5
            for position, char in zip(_cell_positions(len(cells) > 8), cells, strict=False):
                if char.isdigit():
                    x = rect.x + position + CELL / 2
                    canvas.drawCentredString(x, self.y(baseline), char)
            return
        baseline = rect.y + min(rect.height, 14.5) - WRITE_BASELINE - 2.0
        canvas.drawString(
            rect.x + 2, self.y(baseline), fit(self.fonts, text, rect.width - 4, PEN_TEXT_SIZE)
        )


def _cell_positions(time: bool) -> list[float]:
    """The left edges of the digit cells of a date (and a time), as the rows draw them."""
    positions: list[float] = []
    x = 0.0
    groups = [(2, 5.0), (2, 5.0), (4, 0.0)]
    if time:
        groups = [(2, 5.0), (2, 5.0), (4, 6.0), (2, 5.0), (2, 0.0)]
    for count, after in groups:
        for _ in range(count):
            positions.append(x)
            x += CELL
        x += after
    return positions


def draw_sheet(plan: SheetPlan, fonts: Fonts, prefill: Prefill | None = None) -> bytes:
    """The PDF of `plan`: every page's header, items, boxes, marks and QR code."""
    layout = plan.layout
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(layout.page_width, layout.page_height), invariant=1)
    canvas.setTitle(plan.data.document_title)
    canvas.setAuthor("")
    canvas.setSubject(plan.data.workflow_title)
    canvas.setCreator("Ejaculatory Disorder Workup")
    total = len(layout.pages)
    for page_layout, placed in zip(layout.pages, plan.placed, strict=True):
        page = _Page(canvas, plan, fonts)
        page.header(page_layout.number, total, prefill.patient if prefill else ("", "", ""))
        for block, frame, top in placed:
            block.draw(canvas, frame.x, top, frame.width)
        page.boxes(page_layout.boxes)
        page.marks_and_code(layout, page_layout.number)
        if prefill is not None:
            page.pen(page_layout.boxes, page_layout.writing, prefill)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
