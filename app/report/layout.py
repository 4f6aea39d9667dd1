"""The one page layout engine of the PDFs: blocks stacked into pages, or into columns.

Both documents are laid out with this rather than with reportlab's flowable framework,
whose loading alone takes longer than the rest of an export (its paragraph module compiles
large Unicode patterns at import). Text arrives already broken into lines (see
app.report.text.wrap), so layout is only stacking boxes: every height is known before
anything is drawn, the pages are cut first, and each page is then drawn knowing the page
count.

Scope: the engine places blocks (`Block`: text, spacers, rules, tables, or a document's own
blocks such as the sheet's items) top to bottom, splits a block that offers a split when it
does not fit, keeps groups together (`Together`) and starts pages on request (`NewPage`,
`NeedRoom`). `paginate` fills one full-width frame per page (the summary); `paginate_frames`
fills the frames a page has, left to right (the sheet's two columns, the first page's frames
lower than the others), and can repeat a block at the top of each frame (`Repeat`: column
captions over rows that go on in the next column). It knows nothing of what a page carries
around its frames: headers, footers, QR codes and registration marks are drawn by the
document itself. Text is never reflowed here: it is wrapped before it becomes a block.

Coordinates follow the canvas: points, origin at the bottom left, y growing upwards. A box
is drawn from its top edge down.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol

from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

Span = tuple[str, str]
"""A piece of one line: its text and the registered font it is printed in."""

Line = tuple[Span, ...]


def line_width(line: Line, size: float) -> float:
    """The printed width of `line` at `size` points."""
    return sum(float(stringWidth(text, font, size)) for text, font in line)


class Block(Protocol):
    """Something placed in the page's flow, full width, top to bottom."""

    @property
    def space_before(self) -> float:
        """Room left above the block, unless it starts a page."""
        ...

    @property
    def space_after(self) -> float:
        """Room left below the block."""
        ...

    def height(self) -> float:
        """The height the block takes, without the space around it."""
        ...

    def split(self, room: float) -> tuple[Block, Block] | None:
        """A part that fits `room` and the rest, or None when no useful part fits."""
        ...

    def draw(self, canvas: Canvas, x: float, top: float, width: float) -> None:
        """Draw the block with its top left corner at (`x`, `top`)."""
        ...


class Text(NamedTuple):
    """Lines of text in one size, the first set in by `first_indent`, the others by `indent`."""

    lines: Sequence[Line]
    size: float
    leading: float
    color: Color
    right: bool = False
    first_indent: float = 0.0
    indent: float = 0.0
    space_before: float = 0.0
    space_after: float = 0.0

    def height(self) -> float:
        return len(self.lines) * self.leading

    def split(self, room: float) -> tuple[Block, Block] | None:
        fitting = int(room // self.leading)
        if fitting < 1 or fitting >= len(self.lines):
            return None
        head = self._replace(lines=self.lines[:fitting], space_after=0.0)
        tail = self._replace(lines=self.lines[fitting:], space_before=0.0, first_indent=self.indent)
        return head, tail

    def draw(self, canvas: Canvas, x: float, top: float, width: float) -> None:
        if not self.lines:
            return
        text = canvas.beginText()
        text.setFillColor(self.color)
        baseline = top - self.size
        for index, line in enumerate(self.lines):
            left = x + (self.indent if index else self.first_indent)
            if self.right:
                left = x + width - line_width(line, self.size)
            text.setTextOrigin(left, baseline)
            for piece, font in line:
                if piece:
                    text.setFont(font, self.size, self.leading)
                    text.textOut(piece)
            baseline -= self.leading
        canvas.drawText(text)


class Spacer(NamedTuple):
    """Empty room of a fixed height."""

    size: float
    space_before: float = 0.0
    space_after: float = 0.0

    def height(self) -> float:
        return self.size

    def split(self, room: float) -> tuple[Block, Block] | None:
        return None

    def draw(self, canvas: Canvas, x: float, top: float, width: float) -> None:
        return None


class Rule(NamedTuple):
    """A horizontal line across the full width."""

    thickness: float
    color: Color
    space_before: float = 0.0
    space_after: float = 0.0

    def height(self) -> float:
        return self.thickness

    def split(self, room: float) -> tuple[Block, Block] | None:
        return None

    def draw(self, canvas: Canvas, x: float, top: float, width: float) -> None:
        canvas.saveState()
        canvas.setStrokeColor(self.color)
        canvas.setLineWidth(self.thickness)
        y = top - self.thickness / 2
        canvas.line(x, y, x + width, y)
        canvas.restoreState()


Cell = Sequence[Text]
"""The texts stacked in one table cell, top to bottom, spaced as blocks in the flow are."""


class Row(NamedTuple):
    """One table row: its cells (each spanning `spans[i]` columns) and how it is drawn."""

    cells: Sequence[Cell]
    spans: Sequence[int] = ()
    top: float = 2.5
    bottom: float = 2.5
    background: Color | None = None
    line_below: tuple[float, Color] | None = None

    def column_spans(self) -> Sequence[int]:
        """How many columns each cell covers (one each unless `spans` says otherwise)."""
        return self.spans or (1,) * len(self.cells)


class Table:
    """Rows over fixed column widths; `header` rows are repeated on every page it reaches.

    `padding` gives each column's (left, right) inner room; a cell spanning columns takes
    the left room of its first column and the right room of its last. `boxes` are column
    ranges (first, last, line width, colour) outlined over the rows of each page. Rows are
    never cut: long text comes in rows of a few lines each.
    """

    __slots__ = (
        "boxes",
        "header",
        "heights",
        "padding",
        "rows",
        "space_after",
        "space_before",
        "widths",
    )

    def __init__(
        self,
        widths: Sequence[float],
        rows: Sequence[Row],
        padding: Sequence[tuple[float, float]],
        header: int = 0,
        boxes: Sequence[tuple[int, int, float, Color]] = (),
        space_before: float = 0.0,
        space_after: float = 0.0,
    ) -> None:
        self.widths = widths
        self.rows = rows
        self.padding = padding
        self.header = header
        self.boxes = boxes
        self.space_before = space_before
        self.space_after = space_after
        self.heights = [
            row.top + row.bottom + max((_stacked_height(cell) for cell in row.cells), default=0.0)
            for row in rows
        ]

    def _with_rows(self, rows: Sequence[Row], space_before: float, space_after: float) -> Table:
        return Table(
            self.widths, rows, self.padding, self.header, self.boxes, space_before, space_after
        )

    def height(self) -> float:
        return sum(self.heights)

    def split(self, room: float) -> tuple[Block, Block] | None:
        heights = self.heights
        used = sum(heights[: self.header])
        fitting = self.header
        while fitting < len(self.rows) and used + heights[fitting] <= room:
            used += heights[fitting]
            fitting += 1
        if fitting == self.header or fitting == len(self.rows):
            return None
        head = self._with_rows(self.rows[:fitting], self.space_before, 0.0)
        rest = [*self.rows[: self.header], *self.rows[fitting:]]
        return head, self._with_rows(rest, 0.0, self.space_after)

    def draw(self, canvas: Canvas, x: float, top: float, width: float) -> None:
        edges = [x]
        for column_width in self.widths:
            edges.append(edges[-1] + column_width)
        canvas.saveState()
        y = top
        for row, height in zip(self.rows, self.heights, strict=True):
            if row.background is not None:
                canvas.setFillColor(row.background)
                canvas.rect(edges[0], y - height, edges[-1] - edges[0], height, stroke=0, fill=1)
            column = 0
            for cell, span in zip(row.cells, row.column_spans(), strict=True):
                left = edges[column] + self.padding[column][0]
                right = edges[column + span] - self.padding[column + span - 1][1]
                cell_top = y - row.top
                for index, text in enumerate(cell):
                    if index:
                        cell_top -= cell[index - 1].space_after + text.space_before
                    text.draw(canvas, left, cell_top, right - left)
                    cell_top -= text.height()
                column += span
            y -= height
            if row.line_below is not None:
                thickness, color = row.line_below
                canvas.setStrokeColor(color)
                canvas.setLineWidth(thickness)
                canvas.line(edges[0], y, edges[-1], y)
        for first, last, thickness, color in self.boxes:
            canvas.setStrokeColor(color)
            canvas.setLineWidth(thickness)
            canvas.rect(edges[first], y, edges[last + 1] - edges[first], top - y, stroke=1, fill=0)
        canvas.restoreState()


class NeedRoom(NamedTuple):
    """Start a new page unless at least `room` points are left on this one."""

    room: float


class NewPage:
    """Start a new page."""

    __slots__ = ()


class Together(NamedTuple):
    """Blocks kept on one page when they fit on one (moved to a new page otherwise)."""

    blocks: Sequence[Block]


class Repeat(NamedTuple):
    """From here on, `block` is put at the top of every frame the flow goes on in (column
    captions over rows that continue there); `Repeat(None)` stops it."""

    block: Block | None


Flow = Block | NeedRoom | NewPage | Together | Repeat
Placed = tuple[Block, float]
"""A block and the y of its top edge on its page."""


class Frame(NamedTuple):
    """A region of a page that blocks are stacked into: left edge, width, top and bottom y."""

    x: float
    width: float
    top: float
    bottom: float


FramePlaced = tuple[Block, Frame, float]
"""A block, the frame it is in and the y of its top edge on its page."""

Frames = Callable[[int], Sequence[Frame]]
"""The frames of page `index` (from 0), in the order they are filled."""


class _Pages:
    """Cuts a flow into pages whose frames `frames(page)` gives."""

    def __init__(self, frames: Frames) -> None:
        self.frames = frames
        self.pages: list[list[FramePlaced]] = []
        self.page_frames: Sequence[Frame] = ()
        self.frame_index = 0
        self.frame = Frame(0.0, 0.0, 0.0, 0.0)
        self.y = 0.0
        self.spacing = 0.0
        self.started = False
        self.repeat: Block | None = None
        self.new_page()

    def new_page(self) -> None:
        self.pages.append([])
        self.page_frames = self.frames(len(self.pages) - 1)
        if not self.page_frames:
            raise ValueError("a page needs at least one frame")
        self._enter(0)

    def _enter(self, index: int) -> None:
        self.frame_index = index
        self.frame = self.page_frames[index]
        self.y = self.frame.top
        self.spacing = 0.0
        self.started = False
        if self.repeat is not None:
            self.pages[-1].append((self.repeat, self.frame, self.y))
            self.y -= self.repeat.height()
            self.spacing = self.repeat.space_after

    def next_frame(self) -> None:
        """Go on in the page's next frame, or on a new page after its last one."""
        if self.frame_index + 1 < len(self.page_frames):
            self._enter(self.frame_index + 1)
        else:
            self.new_page()

    @property
    def at_top(self) -> bool:
        """Nothing is placed in the current frame yet (but a repeated block)."""
        return not self.started

    @property
    def page_empty(self) -> bool:
        """Nothing is placed on the current page yet."""
        return not self.pages[-1]

    def room(self) -> float:
        return self.y - self.frame.bottom

    def frame_height(self) -> float:
        return self.frame.top - self.frame.bottom

    def gap(self, block: Block) -> float:
        """The space between the last block and `block` (none at the top of a frame)."""
        if self.at_top:
            return self.spacing if self.repeat is not None else 0.0
        return self.spacing + block.space_before

    def place(self, block: Block) -> None:
        """Put `block` in this frame and the frames it needs after it."""
        while True:
            gap = self.gap(block)
            if gap + block.height() <= self.room():
                self._put(block, gap)
                return
            parts = block.split(self.room() - gap)
            if parts is not None:
                head, block = parts
                self._put(head, gap)
                self.next_frame()
            elif self.at_top:
                self._put(block, 0.0)  # taller than a frame and unsplittable: let it run over
                return
            else:
                self.next_frame()

    def _put(self, block: Block, gap: float) -> None:
        self.y -= gap
        self.pages[-1].append((block, self.frame, self.y))
        self.y -= block.height()
        self.spacing = block.space_after
        self.started = True


def paginate(flow: Sequence[Flow], top: float, bottom: float) -> list[list[Placed]]:
    """The blocks of `flow` placed on pages whose frame runs from `top` down to `bottom`."""
    frame = (Frame(0.0, 0.0, top, bottom),)
    pages = paginate_frames(flow, lambda _index: frame)
    return [[(block, y) for block, _frame, y in page] for page in pages]


def paginate_frames(flow: Sequence[Flow], frames: Frames) -> list[list[FramePlaced]]:
    """The blocks of `flow` placed in the frames of as many pages as they need.

    `NewPage` and `NeedRoom` act on pages (a `NeedRoom` that the current frame cannot give
    goes on in the next frame); `Together` keeps its blocks in one frame when they fit in one;
    `Repeat` puts a block at the top of every frame entered until the next `Repeat`.
    """
    pages = _Pages(frames)
    for item in flow:
        if isinstance(item, NewPage):
            if not pages.page_empty:
                pages.new_page()
        elif isinstance(item, NeedRoom):
            if not pages.at_top and pages.room() < item.room:
                pages.next_frame()
        elif isinstance(item, Together):
            blocks = item.blocks
            if not pages.at_top and blocks:
                total = _stacked_height(blocks, pages.gap(blocks[0]))
                if total > pages.room() and _stacked_height(blocks, 0.0) <= pages.frame_height():
                    pages.next_frame()
            for block in blocks:
                pages.place(block)
        elif isinstance(item, Repeat):
            pages.repeat = item.block
        else:
            pages.place(item)
    return pages.pages


def _stacked_height(blocks: Sequence[Block], first_gap: float = 0.0) -> float:
    """The height of `blocks` one below the other, with the space between them."""
    total = first_gap
    for index, block in enumerate(blocks):
        if index:
            total += blocks[index - 1].space_after + block.space_before
        total += block.height()
    return total


PageDrawer = Callable[[Canvas, int, int], None]
"""Draws on page `page` of `pages` (a watermark beneath, or a header and footer above)."""


def draw_pages(
    canvas: Canvas,
    pages: Sequence[Sequence[Placed]],
    x: float,
    width: float,
    beneath: PageDrawer,
    above: PageDrawer,
) -> None:
    """Draw every placed page on `canvas`, between `beneath` and `above`, and finish it."""
    total = len(pages)
    for number, placed in enumerate(pages, start=1):
        beneath(canvas, number, total)
        for block, top in placed:
            block.draw(canvas, x, top, width)
        above(canvas, number, total)
        canvas.showPage()
