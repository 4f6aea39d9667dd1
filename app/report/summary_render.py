"""Rendering an encounter summary (and its patient instruction pages) to PDF."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable

from app.domain.encounter import Encounter
from app.domain.workflow import Workflow
from app.report.fonts import Fonts, ensure_fonts
from app.report.pages import page_size, totals_canvas
from app.report.summary_data import (
    ClinicInfo,
    Field,
    OrderEntry,
    RecordedSection,
    SummaryData,
    build_summary_data,
)
from app.report.text import chunks, markup, wrap

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
"""Long text goes into paragraphs or rows of at most this many lines, so none outgrows a page."""
INK = colors.black
MUTED = colors.Color(0.3, 0.3, 0.3)
RULE = colors.Color(0.55, 0.55, 0.55)
SHADE = colors.Color(0.92, 0.92, 0.92)
WATERMARK = colors.Color(0.82, 0.82, 0.82)


def _no_top_pad(row: int) -> tuple[Any, ...]:
    return ("TOPPADDING", (0, row), (-1, row), 0)


def _glued(row: int) -> list[tuple[Any, ...]]:
    """Table commands that join `row` to the one above, as one continuous text."""
    return [_no_top_pad(row), ("BOTTOMPADDING", (0, row - 1), (-1, row - 1), 0)]


class _Styles:
    """Paragraph styles built on the registered fonts."""

    def __init__(self, fonts: Fonts) -> None:
        regular, bold = fonts.regular, fonts.bold
        self.body = ParagraphStyle(
            "body", fontName=regular, fontSize=BODY_SIZE, leading=BODY_LEADING, textColor=INK
        )
        self.bold = ParagraphStyle("bold", parent=self.body, fontName=bold)
        self.muted = ParagraphStyle("muted", parent=self.body, textColor=MUTED)
        self.clinic = ParagraphStyle(
            "clinic", parent=self.body, fontName=bold, fontSize=12, leading=15
        )
        self.title = ParagraphStyle(
            "title", parent=self.body, fontName=bold, fontSize=16, leading=20, alignment=TA_RIGHT
        )
        self.subtitle = ParagraphStyle("subtitle", parent=self.body, alignment=TA_RIGHT)
        self.heading = ParagraphStyle(
            "heading",
            parent=self.body,
            fontName=bold,
            fontSize=12,
            leading=15,
            spaceBefore=12,
            spaceAfter=5,
        )
        self.subheading = ParagraphStyle(
            "subheading", parent=self.bold, spaceBefore=6, spaceAfter=3, keepWithNext=True
        )
        self.banner = ParagraphStyle("banner", parent=self.bold, fontSize=11, leading=14)
        self.instruction_title = ParagraphStyle(
            "instruction_title",
            parent=self.body,
            fontName=bold,
            fontSize=16,
            leading=20,
            spaceAfter=4,
        )
        self.instruction = ParagraphStyle(
            "instruction",
            parent=self.body,
            fontSize=INSTRUCTION_SIZE,
            leading=INSTRUCTION_LEADING,
            spaceAfter=3,
        )
        self.instruction_field = ParagraphStyle(
            "instruction_field", parent=self.bold, fontSize=11, leading=14
        )
        self.step = ParagraphStyle(
            "step", parent=self.instruction, leftIndent=STEP_INDENT, firstLineIndent=-STEP_INDENT
        )


class _Renderer:
    """Turns SummaryData into flowables and page decorations."""

    def __init__(self, data: SummaryData, fonts: Fonts, pagesize: tuple[float, float]) -> None:
        self.data = data
        self.fonts = fonts
        self.styles = _Styles(fonts)
        self.width = pagesize[0] - 2 * MARGIN_X
        self.pagesize = pagesize

    # -- text helpers -------------------------------------------------------------------

    def heading(self, text: str) -> list[Flowable]:
        """A part heading that starts a new page when too little room is left below it.

        (keepWithNext would glue the heading to a table that may be pages long, and
        reportlab then moves both to a fresh page, leaving a gap.)
        """
        return [CondPageBreak(HEADING_ROOM), self.para(text, self.styles.heading)]

    def para(self, text: str, style: ParagraphStyle) -> Paragraph:
        """A paragraph showing `text` literally."""
        return Paragraph(markup(self.fonts.printable(text)), style)

    def text_lines(self, text: str, width: float, style: ParagraphStyle) -> list[str]:
        """`text` broken into printable lines that fit `width` in `style`."""
        printable = self.fonts.printable(text)
        bold = style.fontName == self.fonts.bold
        size = style.fontSize

        def measure(piece: str) -> float:
            return self.fonts.width(piece, size, bold)

        return wrap(printable, width, measure)

    def long_paragraphs(
        self, text: str, width: float, style: ParagraphStyle, prefix: str = ""
    ) -> list[Paragraph]:
        """`text` as paragraphs of at most CHUNK_LINES lines; `prefix` (bold) leads the first."""
        lead = f"{prefix}: " if prefix else ""
        lines = self.text_lines(lead + text, width, style)
        result: list[Paragraph] = []
        for index, group in enumerate(chunks(lines, CHUNK_LINES)):
            body = "<br/>".join(markup(line) for line in group)
            if index == 0 and lead:
                # The prefix was measured in the regular face; bold is barely wider, and the
                # paragraph may rewrap one word, which stays well inside the chunk limit.
                first, _, rest = body.partition(markup(lead.rstrip()))
                body = f"{first}<b>{markup(lead.rstrip())}</b>{rest}"
            result.append(Paragraph(body, style))
        return result

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

    def watermark(self, canvas: Canvas, _doc: Any) -> None:
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

    # -- story ----------------------------------------------------------------------------

    def story(self, include_instructions: bool) -> list[Flowable]:
        """Every flowable of the document, in order."""
        data = self.data
        story: list[Flowable] = [*self.header()]
        story += self.people()
        story += self.orders()
        story += self.not_ordered()
        story += self.recorded()
        story += self.signatures()
        if include_instructions:
            for page in data.instructions:
                story.append(PageBreak())
                story += self.instruction_page(page)
        return story

    def header(self) -> list[Flowable]:
        """Clinic on the left, document and workflow on the right, then the draft banner."""
        data, styles = self.data, self.styles
        left: list[Flowable] = []
        if data.clinic_name:
            left.append(self.para(data.clinic_name, styles.clinic))
        if data.clinic_address:
            left.append(self.para(data.clinic_address, styles.muted))
        right: list[Flowable] = [
            self.para(data.document_title, styles.title),
            self.para(f"{data.workflow_title}, {data.workflow_version}", styles.subtitle),
        ]
        table = Table([[left or "", right]], colWidths=[self.width * 0.5, self.width * 0.5])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (0, -1), 0),
                    ("RIGHTPADDING", (-1, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ]
            )
        )
        flowables: list[Flowable] = [
            table,
            HRFlowable(width="100%", thickness=1, color=INK, spaceBefore=2, spaceAfter=6),
        ]
        if data.is_draft:
            banner = Table([[self.para(data.draft_banner, styles.banner)]], colWidths=[self.width])
            banner.setStyle(
                TableStyle(
                    [
                        ("BOX", (0, 0), (-1, -1), 1.2, INK),
                        ("TOPPADDING", (0, 0), (-1, -1), 4),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                        ("LEFTPADDING", (0, 0), (-1, -1), 6),
                    ]
                )
            )
            flowables += [banner, Spacer(1, 8)]
        return flowables

    def people(self) -> list[Flowable]:
        """The patient block and the visit block side by side."""
        data, styles = self.data, self.styles
        rows: list[list[Any]] = [
            [
                self.para(data.labels["patient"], styles.bold),
                "",
                self.para(data.labels["encounter"], styles.bold),
                "",
            ]
        ]
        for index in range(max(len(data.patient), len(data.encounter))):
            row: list[Any] = []
            for block in (data.patient, data.encounter):
                if index < len(block):
                    row += [
                        self.para(block[index].label, styles.muted),
                        self.para(block[index].value, styles.body),
                    ]
                else:
                    row += ["", ""]
            rows.append(row)
        quarter = self.width / 4
        table = Table(rows, colWidths=[quarter * 0.85, quarter * 1.15] * 2)
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("SPAN", (0, 0), (1, 0)),
                    ("SPAN", (2, 0), (3, 0)),
                    ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                    ("BOX", (0, 0), (1, -1), 0.5, RULE),
                    ("BOX", (2, 0), (3, -1), 0.5, RULE),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                    ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
                    ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
                ]
            )
        )
        return [table]

    def _table(
        self, rows: list[list[Any]], widths: Sequence[float], commands: list[tuple[Any, ...]]
    ) -> Table:
        table = Table(rows, colWidths=list(widths), repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.75, INK),
                    ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
                    ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
                    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                    *commands,
                ]
            )
        )
        return table

    def span_rows(
        self, text: str, prefix: str, width: float, columns: int, start: int
    ) -> tuple[list[list[Any]], list[tuple[Any, ...]]]:
        """Rows spanning all columns holding `text` in chunks, with their SPAN commands."""
        rows: list[list[Any]] = []
        commands: list[tuple[Any, ...]] = []
        paragraphs = self.long_paragraphs(text, width - 2 * CELL_PAD, self.styles.body, prefix)
        for index, paragraph in enumerate(paragraphs):
            row_index = start + len(rows)
            rows.append([paragraph] + [""] * (columns - 1))
            commands.append(("SPAN", (0, row_index), (-1, row_index)))
            commands += _glued(row_index) if index else [_no_top_pad(row_index)]
        return rows, commands

    def orders(self) -> list[Flowable]:
        """The ordered items with codes, dates, details and notes."""
        data, styles = self.data, self.styles
        labels = data.labels
        flowables: list[Flowable] = self.heading(labels["orders"])
        if not data.orders:
            flowables.append(self.para(labels["orders_none"], styles.body))
            return flowables
        widths = [self.width * 0.38, self.width * 0.2, self.width * 0.42]
        rows: list[list[Any]] = [
            [
                self.para(labels["col_order"], styles.bold),
                self.para(labels["col_status_date"], styles.bold),
                self.para(labels["col_codes"], styles.bold),
            ]
        ]
        commands: list[tuple[Any, ...]] = []
        for entry in data.orders:
            first = len(rows)
            rows.append(self.order_row(entry, widths))
            for detail in entry.details:
                more, spans = self.span_rows(detail.value, detail.label, self.width, 3, len(rows))
                rows += more
                commands += spans
            if entry.note:
                more, spans = self.span_rows(
                    entry.note, labels["note_for_performer"], self.width, 3, len(rows)
                )
                rows += more
                commands += spans
            commands.append(("LINEBELOW", (0, len(rows) - 1), (-1, len(rows) - 1), 0.5, RULE))
            commands.append(("TOPPADDING", (0, first), (-1, first), 4))
        flowables.append(self._table(rows, widths, commands))
        return flowables

    def order_row(self, entry: OrderEntry, widths: Sequence[float]) -> list[Any]:
        """Label (with any specifying answer), status and date, and codes of one order."""
        styles = self.styles
        label: list[Flowable] = [self.para(entry.label, styles.bold)]
        if entry.answer:
            label += self.long_paragraphs(entry.answer, widths[0] - 2 * CELL_PAD, styles.body)
        status = self.para(
            "\n".join(part for part in (entry.status, entry.date) if part), styles.body
        )
        codes = [self.para(code.text(), styles.body) for code in entry.codes] or ""
        return [label, status, codes]

    def not_ordered(self) -> list[Flowable]:
        """Declined and not-indicated items with their status and note."""
        data, styles = self.data, self.styles
        if not data.not_ordered:
            return []
        labels = data.labels
        widths = [self.width * 0.38, self.width * 0.2, self.width * 0.42]
        rows: list[list[Any]] = [
            [
                self.para(labels["col_item"], styles.bold),
                self.para(labels["col_status"], styles.bold),
                self.para(labels["col_note"], styles.bold),
            ]
        ]
        commands: list[tuple[Any, ...]] = []
        for entry in data.not_ordered:
            notes = self.long_paragraphs(entry.note, widths[2] - 2 * CELL_PAD, styles.body)
            status = "\n".join(part for part in (entry.status, entry.date) if part)
            for index, note in enumerate(notes):
                if index == 0:
                    rows.append(
                        [self.para(entry.label, styles.body), self.para(status, styles.body), note]
                    )
                else:
                    rows.append(["", "", note])
                    commands += _glued(len(rows) - 1)
            commands.append(("LINEBELOW", (0, len(rows) - 1), (-1, len(rows) - 1), 0.5, RULE))
        return [*self.heading(labels["not_ordered"]), self._table(rows, widths, commands)]

    def recorded(self) -> list[Flowable]:
        """Answered history and examination items, one table per section."""
        data, styles = self.data, self.styles
        flowables: list[Flowable] = self.heading(data.labels["recorded"])
        if not data.recorded:
            flowables.append(self.para(data.labels["recorded_none"], styles.body))
            return flowables
        for section in data.recorded:
            flowables.append(CondPageBreak(3 * BODY_LEADING + 12))
            flowables.append(self.section_table(section))
            flowables.append(Spacer(1, 6))
        return flowables

    def section_table(self, section: RecordedSection) -> Table:
        """One section: its title as the (repeated) header row, then label and answer rows."""
        styles = self.styles
        widths = [self.width * 0.42, self.width * 0.58]
        title = f"{section.code}  {section.title}" if section.code else section.title
        rows: list[list[Any]] = [[self.para(title, styles.bold), ""]]
        commands: list[tuple[Any, ...]] = [("SPAN", (0, 0), (-1, 0))]
        for entry in section.entries:
            values = self.long_paragraphs(entry.value, widths[1] - 2 * CELL_PAD, styles.body)
            for index, value in enumerate(values):
                label = self.para(entry.label, styles.muted) if index == 0 else ""
                rows.append([label, value])
                if index:
                    commands += _glued(len(rows) - 1)
            commands.append(("LINEBELOW", (0, len(rows) - 1), (-1, len(rows) - 1), 0.25, RULE))
        return self._table(rows, widths, commands)

    def fields_table(
        self, fields: Sequence[Field], value_style: ParagraphStyle | None = None
    ) -> Table:
        """A small two-column table of labelled values."""
        styles = self.styles
        rows = [
            [
                self.para(field.label, styles.muted),
                self.para(field.value, value_style or styles.body),
            ]
            for field in fields
        ]
        table = Table(rows, colWidths=[self.width * 0.3, self.width * 0.7])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ]
            )
        )
        return table

    def signatures(self) -> list[Flowable]:
        """The finalizing signature and each addendum with its reason and signature."""
        data, styles = self.data, self.styles
        labels = data.labels
        block: list[Flowable] = [self.para(labels["signature"], styles.heading)]
        if data.signature:
            block.append(self.fields_table(data.signature))
        else:
            block.append(self.para(labels["not_signed"], styles.body))
        flowables: list[Flowable] = [KeepTogether(block)]
        if data.addenda:
            flowables += self.heading(labels["addenda"])
            for addendum in data.addenda:
                flowables.append(self.para(addendum.heading, styles.subheading))
                flowables += self.long_paragraphs(
                    addendum.reason, self.width, styles.body, labels["reason"]
                )
                flowables.append(Spacer(1, 2))
                flowables.append(self.fields_table(addendum.fields))
        return flowables

    def instruction_page(self, page: Any) -> list[Flowable]:
        """One patient instruction page: who, when, which test, then the steps."""
        data, styles = self.data, self.styles
        labels = data.labels
        flowables: list[Flowable] = []
        if data.clinic_name:
            flowables.append(self.para(data.clinic_name, styles.clinic))
        flowables.append(self.para(page.title, styles.instruction_title))
        flowables.append(
            self.fields_table(
                [
                    Field(labels["patient"], page.patient_name),
                    Field(labels["date"], page.date),
                    Field(labels["instructions_for"], page.order_label),
                ],
                styles.instruction_field,
            )
        )
        flowables.append(
            HRFlowable(width="100%", thickness=1, color=INK, spaceBefore=6, spaceAfter=8)
        )
        for line in page.text.split("\n"):
            line = line.strip()
            if not line:
                flowables.append(Spacer(1, 6))
            elif _STEP.match(line):
                flowables += self.long_paragraphs(line, self.width - STEP_INDENT, styles.step)
            else:
                flowables += self.long_paragraphs(line, self.width, styles.instruction)
        return flowables


def render_summary(
    data: SummaryData,
    paper: str = "A4",
    include_instructions: bool = True,
    *,
    fonts_dir: Path | None = None,
) -> bytes:
    """The summary PDF of `data` on `paper` ("A4" or "Letter")."""
    fonts = ensure_fonts(fonts_dir)
    pagesize = page_size(paper)
    renderer = _Renderer(data, fonts, pagesize)
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=data.document_title,
        author="",
        subject=data.workflow_title,
        creator="Ejaculatory Disorder Workup",
        invariant=True,
    )
    frame = Frame(
        MARGIN_X,
        MARGIN_BOTTOM,
        renderer.width,
        pagesize[1] - MARGIN_TOP - MARGIN_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    document.addPageTemplates([PageTemplate("page", [frame], onPage=renderer.watermark)])
    document.build(
        renderer.story(include_instructions), canvasmaker=totals_canvas(renderer.decorate)
    )
    return buffer.getvalue()


def summary_pdf(
    workflow: Workflow,
    encounter: Encounter,
    clinic: ClinicInfo,
    language: str,
    generated_at: datetime,
    paper: str = "A4",
    include_instructions: bool = True,
    *,
    fonts_dir: Path | None = None,
) -> bytes:
    """Build the summary data of `encounter` and render it."""
    data = build_summary_data(workflow, encounter, clinic, language, generated_at)
    return render_summary(data, paper, include_instructions, fonts_dir=fonts_dir)
