"""The workup sheet laid out: its pages, where every block stands, and the layout a scanner reads.

`plan_sheet` cuts the sheet's items into two columns per page with the report layout engine
(app.report.layout) and derives from the placed rows the `SheetLayout` of the domain: every
tick box and writing area of every page, the registration marks and the QR code's place.
The PDF is drawn from this plan (app.report.sheet_draw), its tick boxes from the layout
itself, so what is printed and what a scanner reads cannot disagree.

The layout depends only on the workflow, its version, the language and the paper: the
clinic's name and address are printed in lines of their own that are there (and cut to
fit) whatever they hold. Geometry is in points; the layout has its origin at the top left
of the page with y growing downwards, the canvas at the bottom left with y growing upwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.domain.sheet_layout import Box, PageLayout, Rect, SheetLayout, WritingArea
from app.report.fonts import Fonts
from app.report.layout import (
    Block,
    Flow,
    Frame,
    FramePlaced,
    Repeat,
    Together,
    paginate_frames,
)
from app.report.pages import page_size
from app.report.sheet_data import SheetData, SheetItem, SheetKind, SheetSection
from app.report.sheet_rows import (
    BASELINE,
    BOX,
    BOX_DROP,
    CELL,
    CELL_HEIGHT,
    LEADING,
    SIZE,
    WRITE_ROW,
    AreaOp,
    BoxOp,
    CellsOp,
    LeaderOp,
    LineOp,
    Row,
    RowMaker,
    TextOp,
    text_row,
)
from app.report.text import wrap

TITLE_SIZE = 15.0
HEADING_SIZE = 9.5
HEADING_LEADING = 11.5
ITEM_GAP = 1.0
MARGIN_X: float = 11 * mm
GUTTER: float = 5 * mm
MARK_INSET: float = 8 * mm
"""The registration marks' outer edges are this far from the paper's edges."""
MARK_SIZE: float = 5 * mm
"""The side of a registration mark (a filled square)."""
QR_SIZE: float = 22 * mm
"""The side of the QR code's modules (a quiet zone of at least 3 mm is kept around it)."""
QUIET: float = 3 * mm
"""Clear room around the QR code and beside the marks."""
HEADER_TOP: float = MARK_INSET + MARK_SIZE + 1.5 * mm
"""Where the page's own text starts, below the top marks."""
BODY_BOTTOM: float = MARK_INSET + MARK_SIZE + 2 * mm
"""The columns end this far above the paper's bottom edge, above the bottom marks."""
FOOTER_BASELINE: float = MARK_INSET + 2 * mm
"""The footer's baseline above the paper's bottom edge, between the bottom marks."""
MUTED = colors.Color(0.3, 0.3, 0.3)
LINE = colors.Color(0.45, 0.45, 0.45)
LEADER = colors.Color(0.7, 0.7, 0.7)
SHADE = colors.Color(0.9, 0.9, 0.9)


class ItemBlock:
    """Rows of one sheet item (or a note), in a column; splits between rows only when it
    is too tall to move whole."""

    __slots__ = ("fonts", "muted", "rows", "space_after", "space_before")

    def __init__(
        self, fonts: Fonts, rows: Sequence[Row], muted: bool = False, space_after: float = ITEM_GAP
    ) -> None:
        self.fonts = fonts
        self.rows = tuple(rows)
        self.muted = muted
        self.space_before = 0.0
        self.space_after = space_after

    def height(self) -> float:
        return sum(row.height for row in self.rows)

    def split(self, room: float) -> tuple[Block, Block] | None:
        if self.height() < 50:
            return None
        used = 0.0
        for index, row in enumerate(self.rows):
            if used + row.height > room:
                if index < 2:
                    return None
                head = ItemBlock(self.fonts, self.rows[:index], self.muted, 0.0)
                return head, ItemBlock(self.fonts, self.rows[index:], self.muted, self.space_after)
            used += row.height
        return None

    def draw(self, canvas: Canvas, x: float, top: float, width: float) -> None:
        """Draw everything but the tick boxes, which are drawn from the sheet's layout."""
        draw_rows(canvas, self.fonts, self.rows, x, top, MUTED if self.muted else colors.black)


class HeadingBlock:
    """A shaded band with a section's code and title."""

    __slots__ = ("fonts", "lines", "space_after", "space_before")

    def __init__(self, fonts: Fonts, lines: Sequence[str]) -> None:
        self.fonts = fonts
        self.lines = tuple(lines)
        self.space_before = 3.0
        self.space_after = 2.0

    def height(self) -> float:
        return len(self.lines) * HEADING_LEADING + 4.0

    def split(self, room: float) -> tuple[Block, Block] | None:
        return None

    def draw(self, canvas: Canvas, x: float, top: float, width: float) -> None:
        canvas.saveState()
        canvas.setFillColor(SHADE)
        canvas.rect(x, top - self.height(), width, self.height(), stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        canvas.setFont(self.fonts.bold, HEADING_SIZE)
        y = top - 2.0 - HEADING_SIZE
        for line in self.lines:
            canvas.drawString(x + 4, y, line)
            y -= HEADING_LEADING
        canvas.restoreState()


def draw_rows(
    canvas: Canvas, fonts: Fonts, rows: Sequence[Row], x: float, top: float, ink: colors.Color
) -> None:
    """Draw `rows` from canvas y `top` downwards at `x`: text, lines, leaders and date cells
    (tick boxes are drawn from the layout, see app.report.sheet_draw)."""
    canvas.saveState()
    for row in rows:
        baseline = top - row.baseline
        for op in row.ops:
            if isinstance(op, TextOp):
                canvas.setFillColor(ink)
                canvas.setFont(fonts.bold if op.bold else fonts.regular, SIZE)
                canvas.drawString(x + op.x, baseline, op.text)
            elif isinstance(op, LineOp):
                canvas.setStrokeColor(LINE)
                canvas.setLineWidth(0.5)
                canvas.line(x + op.x, baseline - 1.5, x + op.x2, baseline - 1.5)
            elif isinstance(op, LeaderOp) and op.x2 - op.x > 6:
                canvas.setStrokeColor(LEADER)
                canvas.setLineWidth(0.6)
                canvas.setDash(0.6, 2.4)
                canvas.line(x + op.x, baseline, x + op.x2, baseline)
                canvas.setDash()
            elif isinstance(op, CellsOp):
                canvas.setStrokeColor(LINE)
                canvas.setLineWidth(0.5)
                for index in range(op.cells):
                    left = x + op.x + index * CELL
                    canvas.rect(left + 0.5, baseline - 2.5, CELL - 1, CELL_HEIGHT, stroke=1, fill=0)
        top -= row.height
    canvas.restoreState()


@dataclass(frozen=True)
class HeaderLine:
    """One line of the page header: text, size, bold, muted, top-down baseline."""

    x: float
    baseline: float
    text: str
    size: float = SIZE
    bold: bool = False
    muted: bool = False


@dataclass(frozen=True)
class SheetPlan:
    """A laid-out sheet: the layout a scanner reads, and the blocks the PDF draws."""

    layout: SheetLayout
    data: SheetData
    placed: tuple[tuple[FramePlaced, ...], ...]
    first_header: tuple[HeaderLine, ...]
    first_fields: tuple[tuple[float, float, float, str], ...]
    """The patient fields of page 1: label x, line start, line end, label (top-down y is
    `fields_baseline`)."""
    fields_baseline: float
    column_width: float


def fit(fonts: Fonts, text: str, width: float, size: float = SIZE, bold: bool = False) -> str:
    """`text` on one line, shortened with an ellipsis to fit `width`."""
    text = fonts.printable(" ".join(text.split()))
    if fonts.width(text, size, bold) <= width:
        return text
    while text and fonts.width(text + "…", size, bold) > width:
        text = text[: len(text) - max(len(text) // 8, 1)]
    return text + "…"


def marks(page_width: float, page_height: float) -> tuple[Rect, ...]:
    """The four registration marks: top left, top right, bottom left, bottom right."""
    near, far_x, far_y = MARK_INSET, page_width - MARK_INSET - MARK_SIZE, 0.0
    far_y = page_height - MARK_INSET - MARK_SIZE
    return (
        Rect(near, near, MARK_SIZE, MARK_SIZE),
        Rect(far_x, near, MARK_SIZE, MARK_SIZE),
        Rect(near, far_y, MARK_SIZE, MARK_SIZE),
        Rect(far_x, far_y, MARK_SIZE, MARK_SIZE),
    )


def qr_rect(page_width: float) -> Rect:
    """The QR code's place: at the top, left of the top-right mark."""
    return Rect(page_width - MARK_INSET - MARK_SIZE - QUIET - QR_SIZE, MARK_INSET, QR_SIZE, QR_SIZE)


GRIDS = (SheetKind.ORDER_GRID, SheetKind.YNU_GRID)
YNU_KINDS = (SheetKind.YNU, SheetKind.YNU_DETAILS)


class _Step(NamedTuple):
    """A block of the flow: whether it stays with the next one, and what it starts or ends
    repeating at the top of columns (None: nothing)."""

    block: Block
    glued: bool
    before: Repeat | None = None
    after: Repeat | None = None


def _section_steps(maker: RowMaker, section: SheetSection, width: float) -> list[_Step]:
    """A section as steps: its heading kept with its note and first item, a grid's
    captions kept with the row under them and repeated at the top of every column the
    grid goes on in."""
    fonts = maker.fonts
    text = f"{section.code}  {section.title}" if section.code else section.title
    heading = wrap(fonts.printable(text), width - 8, lambda s: fonts.width(s, HEADING_SIZE, True))
    steps = [_Step(HeadingBlock(fonts, heading), True)]
    if section.note:
        note = [text_row(TextOp(0.0, line)) for line in maker.lines(section.note, width)]
        steps.append(_Step(ItemBlock(fonts, note, muted=True, space_after=3.0), True))
    repeating: SheetKind | None = None
    for item in section.items:
        rows = maker.item_rows(item, width)
        block = ItemBlock(fonts, rows)
        before = None
        # Yes/No captions stand over Yes/No questions only; the order grid's numbers over
        # the whole section (its order details are indented under their orders)
        if repeating is SheetKind.YNU_GRID and item.kind not in (*YNU_KINDS, *GRIDS):
            before, repeating = Repeat(None), None
        if item.kind in GRIDS:
            repeating = item.kind
            captions = ItemBlock(fonts, rows[-1:])
            steps.append(_Step(block, True, before, Repeat(captions)))
            continue
        steps.append(_Step(block, False, before))
    if repeating is not None:
        last = steps[-1]
        steps[-1] = last._replace(after=Repeat(None))
    return steps


def _flow(maker: RowMaker, data: SheetData, width: float) -> list[Flow]:
    """The sections as blocks, ending with the signature lines."""
    flow: list[Flow] = []
    group: list[Block] = []
    afters: list[Repeat] = []
    for section in data.sections:
        for step in _section_steps(maker, section, width):
            if step.before is not None:
                flow.append(step.before)
            group.append(step.block)
            if step.after is not None:
                afters.append(step.after)
            if not step.glued:
                flow.append(group[0] if len(group) == 1 else Together(tuple(group)))
                flow.extend(afters)
                group, afters = [], []
    signature = SheetItem("", SheetKind.SIGNATURE, "")
    flow.append(ItemBlock(maker.fonts, maker.item_rows(signature, width)))
    return flow


def plan_sheet(data: SheetData, paper: str, fonts: Fonts) -> SheetPlan:
    """Lay the sheet of `data` out on `paper` ("A4" or "Letter")."""
    page_width, page_height = page_size(paper)
    paper_name = "A4" if paper.strip().lower() == "a4" else "Letter"
    maker = RowMaker(fonts, data)
    content = page_width - 2 * MARGIN_X
    column = (content - GUTTER) / 2
    qr = qr_rect(page_width)
    beside_qr = qr.x - QUIET - MARGIN_X

    # page 1: title, workflow, clinic and address beside the QR code; patient fields and the
    # instructions across the page
    header: list[HeaderLine] = []
    y = HEADER_TOP
    for line in wrap(
        fonts.printable(data.document_title), beside_qr, lambda s: fonts.width(s, TITLE_SIZE, True)
    )[:1]:
        # the baseline low enough to keep 2 mm of white under the top-left mark
        header.append(HeaderLine(MARGIN_X, y + TITLE_SIZE - 0.5, line, TITLE_SIZE, True))
        y += TITLE_SIZE + 3.5
    title = f"{data.workflow_title}, {data.workflow_version}"
    for line in maker.lines(title, beside_qr, True)[:3]:
        header.append(HeaderLine(MARGIN_X, y + BASELINE, line, SIZE, True))
        y += LEADING
    for text in (data.clinic_name, data.clinic_address):
        header.append(HeaderLine(MARGIN_X, y + BASELINE, fit(fonts, text, beside_qr)))
        y += LEADING
    y = max(y, qr.y + qr.height + QUIET)
    fields: list[tuple[float, float, float, str]] = []
    name, birth, chart = data.patient_fields
    x = MARGIN_X
    for label, share in zip((name, birth, chart), (0.46, 0.28, 0.26), strict=True):
        cell = content * share
        label = label + ":"
        fields.append((x, x + fonts.width(label, SIZE) + 4, x + cell - 10, label))
        x += cell
    fields_baseline = y + 12.0
    y += 17.0
    for line in maker.lines(data.instructions, content):
        header.append(HeaderLine(MARGIN_X, y + BASELINE, line, muted=True))
        y += LEADING
    first_top = y + 6.0
    # later pages: a running title and a patient line beside the QR code; the left column
    # starts under them, the right one under the QR code
    left_top = HEADER_TOP + LEADING + WRITE_ROW + 6.0
    right_top = qr.y + qr.height + QUIET

    def frames(index: int) -> tuple[Frame, ...]:
        tops = (first_top, first_top) if index == 0 else (left_top, right_top)
        return tuple(
            Frame(MARGIN_X + number * (column + GUTTER), column, page_height - top, BODY_BOTTOM)
            for number, top in enumerate(tops)
        )

    placed = paginate_frames(_flow(maker, data, column), frames)
    layout = SheetLayout(
        workflow_id=data.workflow_id,
        version=data.version,
        language=data.language,
        paper=paper_name,
        page_width=page_width,
        page_height=page_height,
        marks=marks(page_width, page_height),
        qr=qr,
        pages=tuple(
            _page_layout(number, page, page_height) for number, page in enumerate(placed, start=1)
        ),
    )
    return SheetPlan(
        layout,
        data,
        tuple(tuple(page) for page in placed),
        tuple(header),
        tuple(fields),
        fields_baseline,
        column,
    )


def _page_layout(number: int, placed: Sequence[FramePlaced], page_height: float) -> PageLayout:
    """The tick boxes and writing areas of one page, from its placed rows."""
    boxes: list[Box] = []
    areas: list[WritingArea] = []
    for block, frame, canvas_top in placed:
        if not isinstance(block, ItemBlock):
            continue
        top = page_height - canvas_top
        for row in block.rows:
            baseline = top + row.baseline
            for op in row.ops:
                if isinstance(op, BoxOp):
                    rect = Rect(frame.x + op.x, baseline + BOX_DROP - BOX, BOX, BOX)
                    boxes.append(Box(op.item_id, op.choice, rect))
                elif isinstance(op, AreaOp):
                    rect = Rect(frame.x + op.x, top, op.x2 - op.x, row.height)
                    _add_area(areas, WritingArea(op.item_id, op.part, rect))
            top += row.height
    return PageLayout(number, tuple(boxes), tuple(areas))


def _add_area(areas: list[WritingArea], area: WritingArea) -> None:
    """Add `area`, joined to the previous one when it continues it (the next line of the
    same answer, right under it)."""
    if areas:
        last = areas[-1]
        joined = (
            last.item_id == area.item_id
            and last.part == area.part
            and abs(last.rect.x - area.rect.x) < 0.01
            and abs(last.rect.width - area.rect.width) < 0.01
            and abs(last.rect.y + last.rect.height - area.rect.y) < 0.01
        )
        if joined:
            rect = last.rect
            areas[-1] = last.__class__(
                last.item_id,
                last.part,
                Rect(rect.x, rect.y, rect.width, rect.height + area.rect.height),
            )
            return
    areas.append(area)
