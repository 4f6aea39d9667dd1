"""Rendering an encounter summary (and its patient instruction pages) to PDF.

The document is laid out with app.report.layout straight on the canvas (see there why not
with reportlab's own flowable framework).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from reportlab.lib.colors import Color
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.domain.encounter import Encounter
from app.domain.vocabulary import Paper
from app.domain.workflow import Workflow
from app.report.fonts import Fonts, ensure_fonts
from app.report.layout import (
    Cell,
    Flow,
    Line,
    NeedRoom,
    NewPage,
    Row,
    Rule,
    Spacer,
    Table,
    Text,
    Together,
    draw_pages,
    paginate,
)
from app.report.pages import page_size
from app.report.summary_data import (
    ClinicInfo,
    Field,
    InstructionPage,
    OrderEntry,
    RecordedSection,
    SummaryData,
    build_summary_data,
)
from app.report.text import chunks, wrap

MARGIN_X: float = 18 * mm
MARGIN_TOP: float = 20 * mm
MARGIN_BOTTOM: float = 18 * mm
BODY_SIZE = 9.5
BODY_LEADING = 12.5
INSTRUCTION_SIZE = 11.5
INSTRUCTION_LEADING = 16
CELL_PAD = 4
HEADING_ROOM = 90
STEP_INDENT = 18
_STEP = re.compile(r"^\d{1,2}[.)]\s")
CHUNK_LINES = 10
"""Long text in a table goes into rows of at most this many lines, so none outgrows a page."""
INK = Color(0, 0, 0)
MUTED = Color(0.3, 0.3, 0.3)
RULE = Color(0.55, 0.55, 0.55)
SHADE = Color(0.92, 0.92, 0.92)
WATERMARK = Color(0.82, 0.82, 0.82)


class _Style(NamedTuple):
    """How a text is set: face, size, line spacing, colour, alignment and space around it."""

    bold: bool
    size: float
    leading: float
    color: Color
    right: bool = False
    space_before: float = 0.0
    space_after: float = 0.0


BODY = _Style(False, BODY_SIZE, BODY_LEADING, INK)
STRONG = BODY._replace(bold=True)
MUTED_BODY = BODY._replace(color=MUTED)
CLINIC = _Style(True, 12, 15, INK)
TITLE = _Style(True, 16, 20, INK, right=True)
SUBTITLE = BODY._replace(right=True)
HEADING = _Style(True, 12, 15, INK, space_before=12, space_after=5)
SUBHEADING = STRONG._replace(space_before=6, space_after=3)
BANNER = _Style(True, 11, 14, INK)
INSTRUCTION_TITLE = _Style(True, 16, 20, INK, space_after=4)
INSTRUCTION = _Style(False, INSTRUCTION_SIZE, INSTRUCTION_LEADING, INK, space_after=3)
INSTRUCTION_FIELD = _Style(True, 11, 14, INK)


class _Renderer:
    """Turns SummaryData into a flow of blocks and page decorations."""

    def __init__(self, data: SummaryData, fonts: Fonts, pagesize: tuple[float, float]) -> None:
        self.data = data
        self.fonts = fonts
        self.width = pagesize[0] - 2 * MARGIN_X
        self.pagesize = pagesize

    # -- text -----------------------------------------------------------------------------

    def font(self, style: _Style) -> str:
        return self.fonts.bold if style.bold else self.fonts.regular

    def lines(self, text: str, width: float, style: _Style, lead: str = "") -> list[Line]:
        """`text` broken into lines that fit `width`; `lead` (bold) starts the first one."""
        printable = self.fonts.printable(lead + text)
        size, bold = style.size, style.bold

        def measure(piece: str) -> float:
            return self.fonts.width(piece, size, bold)

        extra = 0.0
        if lead and not bold:
            extra = self.fonts.width(lead, size, True) - self.fonts.width(lead, size)
        broken = wrap(printable, width, measure, extra)
        face = self.font(style)
        if not lead or bold:
            return [((line, face),) for line in broken]
        return _lead_in_bold(broken, self.fonts.printable(lead), self.fonts.bold, face)

    def text(self, text: str, style: _Style, width: float | None = None, lead: str = "") -> Text:
        """`text` shown literally in `style`, wrapped to `width` (the full width by default)."""
        room = self.width if width is None else width
        return self.block(self.lines(text, room, style, lead), style)

    def block(self, lines: Sequence[Line], style: _Style) -> Text:
        return Text(
            tuple(lines),
            style.size,
            style.leading,
            style.color,
            right=style.right,
            space_before=style.space_before,
            space_after=style.space_after,
        )

    def cell_chunks(self, text: str, width: float, style: _Style, prefix: str = "") -> list[Text]:
        """`text` as blocks of at most CHUNK_LINES lines for table rows; `prefix` leads it."""
        lead = f"{prefix}: " if prefix else ""
        lines = self.lines(text, width, style, lead)
        return [self.block(group, style) for group in chunks(lines, CHUNK_LINES, ())]

    def heading(self, text: str) -> list[Flow]:
        """A part heading that starts a new page when too little room is left below it."""
        return [NeedRoom(HEADING_ROOM), self.text(text, HEADING)]

    # -- page decorations -----------------------------------------------------------------

    def decorate(self, canvas: Canvas, page: int, pages: int) -> None:
        """Footer (and the running header from page 2 on) of a finished page."""
        data = self.data
        width, _ = self.pagesize
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, MARGIN_BOTTOM - 5 * mm, width - MARGIN_X, MARGIN_BOTTOM - 5 * mm)
        canvas.setFillColor(MUTED)
        left_parts = [data.draft_mark] if data.is_draft else []
        left_parts += [data.footer_encounter, data.footer_generated]
        right = data.page_label(page, pages)
        room = self.width - self.fonts.width(right, 9) - 12
        canvas.setFont(self.fonts.regular, 9)
        canvas.drawString(
            MARGIN_X, MARGIN_BOTTOM - 9 * mm, self.fit(" · ".join(left_parts), room, 9)
        )
        canvas.drawRightString(width - MARGIN_X, MARGIN_BOTTOM - 9 * mm, right)
        if page > 1:
            self.running_header(canvas)
        canvas.restoreState()

    def fit(self, text: str, width: float, size: float, bold: bool = False) -> str:
        """`text` shortened with an ellipsis so that it fits `width`."""
        text = self.fonts.printable(text)
        if self.fonts.width(text, size, bold) <= width:
            return text
        while text and self.fonts.width(text + "…", size, bold) > width:
            text = text[: max(len(text) - max(len(text) // 8, 1), 0)]
        return text + "…"

    def running_header(self, canvas: Canvas) -> None:
        """Clinic and document on the left, patient and birth date on the right."""
        data = self.data
        width, height = self.pagesize
        y = height - MARGIN_TOP + 6 * mm
        patient = f"{data.patient_name} · {data.patient[1].value}"
        right = self.fit(patient, self.width * 0.5, 9, bold=True)
        left_text = " · ".join(part for part in (data.clinic_name, data.document_title) if part)
        left = self.fit(left_text, self.width - self.fonts.width(right, 9, True) - 12, 9)
        canvas.setFillColor(MUTED)
        canvas.setFont(self.fonts.regular, 9)
        canvas.drawString(MARGIN_X, y, left)
        canvas.setFillColor(INK)
        canvas.setFont(self.fonts.bold, 9)
        canvas.drawRightString(width - MARGIN_X, y, right)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, y - 2.5 * mm, width - MARGIN_X, y - 2.5 * mm)

    def watermark(self, canvas: Canvas, _page: int, _pages: int) -> None:
        """The diagonal DRAFT mark, drawn under the page content of a draft."""
        if not self.data.is_draft:
            return
        width, height = self.pagesize
        text = self.data.draft_mark
        diagonal = (width**2 + height**2) ** 0.5
        size = min(110.0, 0.6 * diagonal / max(self.fonts.width(text, 1, True), 1))
        canvas.saveState()
        canvas.setFillColor(WATERMARK)
        canvas.setFont(self.fonts.bold, size)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(54.7 if height > width else 35)
        canvas.drawCentredString(0, -size / 3, text)
        canvas.restoreState()

    # -- flow -----------------------------------------------------------------------------

    def flow(self, include_instructions: bool) -> list[Flow]:
        """Everything the document shows, in order."""
        flow: list[Flow] = [*self.header()]
        flow += self.people()
        flow += self.orders()
        if not self.data.patient_copy:
            flow += self.not_ordered()
            flow += self.recorded()
            flow += self.signatures()
        if include_instructions or self.data.patient_copy:
            for page in self.data.instructions:
                flow.append(NewPage())
                flow += self.instruction_page(page)
        return flow

    def pads(self, columns: int, pad: float = CELL_PAD) -> list[tuple[float, float]]:
        return [(pad, pad)] * columns

    def header(self) -> list[Flow]:
        """Clinic on the left, document and workflow on the right, then the draft banner."""
        data = self.data
        half = self.width * 0.5
        left: list[Text] = []
        if data.clinic_name:
            left.append(self.text(data.clinic_name, CLINIC, half - 6))
        if data.clinic_address:
            left.append(self.text(data.clinic_address, MUTED_BODY, half - 6))
        right = [
            self.text(data.document_title, TITLE, half - 6),
            self.text(f"{data.workflow_title}, {data.workflow_version}", SUBTITLE, half - 6),
        ]
        top = Table([half, half], [Row([left, right], top=3, bottom=6)], [(0, 6), (6, 0)])
        flow: list[Flow] = [top, Rule(1, INK, space_before=2, space_after=6)]
        if data.is_draft:
            banner = self.text(data.draft_banner, BANNER, self.width - 12)
            flow.append(
                Table(
                    [self.width],
                    [Row([[banner]], top=4, bottom=5)],
                    self.pads(1, 6),
                    boxes=[(0, 0, 1.2, INK)],
                    space_after=8,
                )
            )
        return flow

    def people(self) -> list[Flow]:
        """The patient block and the visit block side by side."""
        data = self.data
        quarter = self.width / 4
        widths = [quarter * 0.85, quarter * 1.15] * 2
        room = _rooms(widths)
        rows = [
            Row(
                [
                    [self.text(data.labels["patient"], STRONG, room[0] + room[1])],
                    [self.text(data.labels["encounter"], STRONG, room[2] + room[3])],
                ],
                spans=(2, 2),
                top=2,
                bottom=2,
                background=SHADE,
            )
        ]
        for index in range(max(len(data.patient), len(data.encounter))):
            cells: list[Cell] = []
            for column, block in ((0, data.patient), (2, data.encounter)):
                if index < len(block):
                    cells.append([self.text(block[index].label, MUTED_BODY, room[column])])
                    cells.append([self.text(block[index].value, BODY, room[column + 1])])
                else:
                    cells += [[], []]
            rows.append(Row(cells, top=2, bottom=2))
        boxes = [(0, 1, 0.5, RULE), (2, 3, 0.5, RULE)]
        return [Table(widths, rows, self.pads(4), boxes=boxes)]

    def header_row(self, cells: Sequence[Cell], spans: Sequence[int] = ()) -> Row:
        """A table's shaded first row, repeated on each page the table reaches."""
        return Row(cells, spans, background=SHADE, line_below=(0.75, INK))

    def table(
        self, widths: Sequence[float], header: Row, rows: Sequence[Row], space_after: float = 0.0
    ) -> Table:
        return Table(
            widths, [header, *rows], self.pads(len(widths)), header=1, space_after=space_after
        )

    def labels_row(self, widths: Sequence[float], *keys: str) -> Row:
        """A header row of column titles."""
        labels = self.data.labels
        return self.header_row(
            [
                [self.text(labels[key], STRONG, room)]
                for key, room in zip(keys, _rooms(widths), strict=True)
            ]
        )

    def span_rows(self, rows: list[Row], text: str, prefix: str, columns: int) -> None:
        """Add rows spanning all columns holding `text` (led by `prefix`) to `rows`."""
        for index, chunk in enumerate(
            self.cell_chunks(text, self.width - 2 * CELL_PAD, BODY, prefix)
        ):
            row = Row([[chunk]], spans=(columns,), top=0)
            if index:
                _glue(rows, row)
            else:
                rows.append(row)

    def orders(self) -> list[Flow]:
        """The ordered items with codes, dates, details and notes."""
        data = self.data
        labels = data.labels
        flow = self.heading(labels["orders"])
        if not data.orders:
            flow.append(self.text(labels["orders_none"], BODY))
            return flow
        # the patient copy leaves out the codes column (codes are for the performer's records)
        widths = (
            [self.width * 0.68, self.width * 0.32]
            if data.patient_copy
            else [self.width * 0.38, self.width * 0.2, self.width * 0.42]
        )
        columns = len(widths)
        rows: list[Row] = []
        for entry in data.orders:
            entry_rows = [self.order_row(entry, widths)]
            for detail in entry.details:
                self.span_rows(entry_rows, detail.value, detail.label, columns)
            if entry.note:
                self.span_rows(entry_rows, entry.note, labels["note_for_performer"], columns)
            entry_rows[-1] = entry_rows[-1]._replace(line_below=(0.5, RULE))
            rows += entry_rows
        keys = ("col_order", "col_status_date", "col_codes")[:columns]
        header = self.labels_row(widths, *keys)
        flow.append(self.table(widths, header, rows))
        return flow

    def order_row(self, entry: OrderEntry, widths: Sequence[float]) -> Row:
        """Label (with any specifying answer), status and date, and codes of one order."""
        room = _rooms(widths)
        label = [self.text(entry.label, STRONG, room[0])]
        if entry.answer:
            label += self.cell_chunks(entry.answer, room[0], BODY)
        joint = ", " if self.data.patient_copy else "\n"
        status = joint.join(part for part in (entry.status, entry.date) if part)
        cells = [label, [self.text(status, BODY, room[1])]]
        if len(widths) > 2:
            cells.append([self.text(code.text(), BODY, room[2]) for code in entry.codes])
        return Row(cells, top=4)

    def not_ordered(self) -> list[Flow]:
        """Declined and not-indicated items with their status and note."""
        data = self.data
        if not data.not_ordered:
            return []
        widths = [self.width * 0.38, self.width * 0.2, self.width * 0.42]
        room = _rooms(widths)
        rows: list[Row] = []
        for entry in data.not_ordered:
            status = "\n".join(part for part in (entry.status, entry.date) if part)
            for index, note in enumerate(self.cell_chunks(entry.note, room[2], BODY)):
                if index:
                    _glue(rows, Row([[], [], [note]]))
                else:
                    label = self.text(entry.label, BODY, room[0])
                    rows.append(Row([[label], [self.text(status, BODY, room[1])], [note]]))
            rows[-1] = rows[-1]._replace(line_below=(0.5, RULE))
        header = self.labels_row(widths, "col_item", "col_status", "col_note")
        return [*self.heading(data.labels["not_ordered"]), self.table(widths, header, rows)]

    def recorded(self) -> list[Flow]:
        """Answered history and examination items, one table per section."""
        data = self.data
        flow = self.heading(data.labels["recorded"])
        if not data.recorded:
            flow.append(self.text(data.labels["recorded_none"], BODY))
            return flow
        for section in data.recorded:
            flow.append(NeedRoom(3 * BODY_LEADING + 12))
            flow.append(self.section_table(section, space_after=6))
        return flow

    def section_table(self, section: RecordedSection, space_after: float = 0.0) -> Table:
        """One section: its title as the (repeated) header row, then label and answer rows."""
        widths = [self.width * 0.42, self.width * 0.58]
        room = _rooms(widths)
        title = f"{section.code}  {section.title}" if section.code else section.title
        header = self.header_row([[self.text(title, STRONG, self.width - 2 * CELL_PAD)]], (2,))
        rows: list[Row] = []
        for entry in section.entries:
            for index, value in enumerate(self.cell_chunks(entry.value, room[1], BODY)):
                if index:
                    _glue(rows, Row([[], [value]]))
                else:
                    rows.append(Row([[self.text(entry.label, MUTED_BODY, room[0])], [value]]))
            rows[-1] = rows[-1]._replace(line_below=(0.25, RULE))
        return self.table(widths, header, rows, space_after)

    def fields_table(self, fields: Sequence[Field], value_style: _Style = BODY) -> Table:
        """A small two-column table of labelled values."""
        widths = [self.width * 0.3, self.width * 0.7]
        rows = [
            Row(
                [
                    [self.text(field.label, MUTED_BODY, widths[0] - 6)],
                    [self.text(field.value, value_style, widths[1] - 6)],
                ],
                top=1,
                bottom=1,
            )
            for field in fields
        ]
        return Table(widths, rows, [(0, 6), (0, 6)])

    def signatures(self) -> list[Flow]:
        """The finalizing signature and each addendum with its reason and signature."""
        data = self.data
        labels = data.labels
        signed: Text | Table = (
            self.fields_table(data.signature)
            if data.signature
            else self.text(labels["not_signed"], BODY)
        )
        flow: list[Flow] = [Together([self.text(labels["signature"], HEADING), signed])]
        if data.addenda:
            flow += self.heading(labels["addenda"])
            for addendum in data.addenda:
                heading = self.text(addendum.heading, SUBHEADING)
                reason = self.text(addendum.reason, BODY, lead=f"{labels['reason']}: ")
                flow.append(Together([heading, reason]))
                flow.append(Spacer(2))
                flow.append(self.fields_table(addendum.fields))
        return flow

    def instruction_page(self, page: InstructionPage) -> list[Flow]:
        """One patient instruction page: who, when, which test, then the steps."""
        data = self.data
        labels = data.labels
        flow: list[Flow] = []
        if data.clinic_name:
            flow.append(self.text(data.clinic_name, CLINIC))
        flow.append(self.text(page.title, INSTRUCTION_TITLE))
        fields = [
            Field(labels["patient"], page.patient_name),
            Field(labels["date"], page.date),
            Field(page.heading, page.order_label),
        ]
        flow.append(self.fields_table(fields, INSTRUCTION_FIELD))
        flow.append(Rule(1, INK, space_before=6, space_after=8))
        for line in page.text.split("\n"):
            line = line.strip()
            if not line:
                flow.append(Spacer(6))
            elif _STEP.match(line):
                lines = self.lines(line, self.width - STEP_INDENT, INSTRUCTION)
                flow.append(self.block(lines, INSTRUCTION)._replace(indent=STEP_INDENT))
            else:
                flow.append(self.text(line, INSTRUCTION))
        return flow


def _rooms(widths: Sequence[float]) -> list[float]:
    """The text width inside each column of a table padded by CELL_PAD on both sides."""
    return [width - 2 * CELL_PAD for width in widths]


def _glue(rows: list[Row], row: Row) -> None:
    """Add `row` to `rows` joined to the row above it, as one continuous text."""
    rows[-1] = rows[-1]._replace(bottom=0)
    rows.append(row._replace(top=0))


def _lead_in_bold(lines: Sequence[str], lead: str, bold: str, face: str) -> list[Line]:
    """`lines` in `face`, except the `lead` they start with, in `bold`."""
    result: list[Line] = []
    remaining = lead.rstrip()
    for line in lines:
        if remaining and line.startswith(remaining):
            rest = line[len(remaining) :]
            result.append(((remaining, bold), (rest, face)))
            remaining = ""
        elif remaining and remaining.startswith(line):
            result.append(((line, bold),))
            remaining = remaining[len(line) :].lstrip(" ")
        else:
            result.append(((line, face),))
            remaining = ""
    return result


def render_summary(
    data: SummaryData,
    paper: str = Paper.A4,
    include_instructions: bool = True,
    *,
    fonts_dir: Path | None = None,
) -> bytes:
    """The summary PDF of `data` on `paper` ("A4" or "Letter")."""
    fonts = ensure_fonts(fonts_dir)
    pagesize = page_size(paper)
    renderer = _Renderer(data, fonts, pagesize)
    pages = paginate(renderer.flow(include_instructions), pagesize[1] - MARGIN_TOP, MARGIN_BOTTOM)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=pagesize, invariant=1)
    canvas.setTitle(data.document_title)
    canvas.setAuthor("")
    canvas.setSubject(data.workflow_title)
    canvas.setCreator("Ejaculatory Disorder Workup")
    draw_pages(canvas, pages, MARGIN_X, renderer.width, renderer.watermark, renderer.decorate)
    canvas.save()
    return buffer.getvalue()


def summary_pdf(
    workflow: Workflow,
    encounter: Encounter,
    clinic: ClinicInfo,
    language: str,
    generated_at: datetime,
    paper: str = Paper.A4,
    include_instructions: bool = True,
    *,
    patient_copy: bool = False,
    fonts_dir: Path | None = None,
) -> bytes:
    """Build the summary data of `encounter` (or of its patient copy) and render it.

    This is how a summary is made from outside app.report (the services call it in one
    place); `build_summary_data` and `render_summary` are its parts, internal to the package
    (tests/report/test_entry_points.py checks both)."""
    data = build_summary_data(
        workflow, encounter, clinic, language, generated_at, patient_copy=patient_copy
    )
    return render_summary(data, paper, include_instructions, fonts_dir=fonts_dir)
