"""The workup sheet's items as rows of drawing steps, for a column of a given width.

A row is a horizontal band: its height, the offset of its text baseline from its top, and
what is drawn in it (text, tick boxes, writing lines, dotted leaders, date cells). Tick
boxes name the item and the choice they record, and writing lines the item and the part of
the answer written there, so the page layout that a scanner reads is taken from the very
rows that are drawn. Geometry is in points, x from the column's left edge, y from the row's
top edge growing downwards.
"""

from __future__ import annotations

from typing import NamedTuple

from app.report.fonts import Fonts
from app.report.sheet_data import SheetData, SheetItem, SheetKind
from app.report.text import wrap

SIZE = 8.0
"""Every piece of text on the sheet's items is this size (headings and the title larger)."""
LEADING = 9.6
"""The height of a row of text."""
BOX_LEADING = 10.5
"""The height of a row of text with tick boxes: 2 points between boxes one above the other."""
BASELINE = 7.6
"""The baseline of a text row, below the row's top."""
BOX = 8.5
"""The side of a tick box (3 mm)."""
BOX_DROP = 0.8
"""How far a box's bottom edge sits below the text baseline."""
BOX_GAP = 3.0
"""Between a box and its option text."""
CHIP_GAP = 8.0
"""Between an option's text and the next option's box."""
WRITE_ROW = 14.0
"""The height of a row with a writing line at its foot."""
WRITE_BASELINE = 4.3
"""The baseline of a writing row, above the row's bottom edge."""
INDENT = 10.0
CELL = 9.0
"""Width of one digit cell of a date."""
CELL_HEIGHT = 11.0
GRID_STEP = BOX + 6.0
"""Distance between the box columns of the order grid."""
ORDER_CHOICES = ("ordered", "done_elsewhere", "not_indicated", "declined")
"""The order statuses, in the order of the grid's box columns."""
YNU_CHOICES = ("yes", "no", "unknown")


class TextOp(NamedTuple):
    """Text with its left end at `x`."""

    x: float
    text: str
    bold: bool = False


class BoxOp(NamedTuple):
    """A tick box with its left edge at `x`: ticking it records `choice` for `item_id`."""

    x: float
    item_id: str
    choice: str


class LineOp(NamedTuple):
    """A writing line from `x` to `x2` just under the baseline."""

    x: float
    x2: float


class LeaderOp(NamedTuple):
    """A dotted leader from `x` to `x2` on the baseline, joining a label to its boxes."""

    x: float
    x2: float


class CellsOp(NamedTuple):
    """`cells` digit cells starting at `x`."""

    x: float
    cells: int


class AreaOp(NamedTuple):
    """Where part `part` of item `item_id`'s answer is written: from `x` to `x2`, the
    row's full height. Nothing is drawn for it (the line or cells are drawn by their op)."""

    x: float
    x2: float
    item_id: str
    part: str


Op = TextOp | BoxOp | LineOp | LeaderOp | CellsOp | AreaOp


class Row(NamedTuple):
    """A horizontal band of an item: its height, its baseline below its top, its steps."""

    height: float
    baseline: float
    ops: tuple[Op, ...]


def text_row(*ops: Op) -> Row:
    """A row of text height (a little higher when it has tick boxes)."""
    if any(isinstance(op, BoxOp) for op in ops):
        # the boxes in the middle of the row: 1 point above and below them
        return Row(BOX_LEADING, (BOX_LEADING - BOX) / 2 + BOX - BOX_DROP, ops)
    return Row(LEADING, BASELINE, ops)


def write_row(*ops: Op, height: float = WRITE_ROW) -> Row:
    """A row whose text sits on a writing line at its foot."""
    return Row(height, height - WRITE_BASELINE, ops)


def shift(op: Op, dx: float) -> Op:
    """`op` moved right by `dx`."""
    if isinstance(op, (LineOp, LeaderOp, AreaOp)):
        return op._replace(x=op.x + dx, x2=op.x2 + dx)
    return op._replace(x=op.x + dx)


def with_ops(row: Row, *ops: Op) -> Row:
    """`row` with `ops` added."""
    if row.height in (LEADING, BOX_LEADING):
        return text_row(*row.ops, *ops)
    return row._replace(ops=(*row.ops, *ops))


Trailer = tuple[float, tuple[Op, ...]]
"""The answer part drawn after a label: its width and its steps from x = 0."""


class RowMaker:
    """Measures text and lays the sheet's items out as rows for a given column width."""

    def __init__(self, fonts: Fonts, data: SheetData) -> None:
        self.fonts = fonts
        self.data = data

    def width(self, text: str, bold: bool = False, size: float = SIZE) -> float:
        """Printed width of `text`."""
        return self.fonts.width(text, size, bold)

    def lines(self, text: str, width: float, bold: bool = False) -> list[str]:
        """`text` wrapped to `width`."""
        return wrap(self.fonts.printable(text), max(width, 20.0), lambda s: self.width(s, bold))

    def chip_width(self, text: str) -> float:
        """Width of a box with its option text."""
        return BOX + BOX_GAP + self.width(text)

    def chips(self, item: SheetItem, x0: float, width: float) -> list[Row]:
        """Option boxes flowing left to right, wrapping; an over-long option wraps itself."""
        rows: list[list[Op]] = [[]]
        x = x0
        for option, value in zip(item.options, item.values, strict=True):
            chip = self.chip_width(option)
            if x > x0 and x + chip > x0 + width:
                rows.append([])
                x = x0
            box = BoxOp(x, item.item_id, value)
            if chip <= width:
                rows[-1] += [box, TextOp(x + BOX + BOX_GAP, option)]
                x += chip + CHIP_GAP
                continue
            parts = self.lines(option, width - BOX - BOX_GAP)
            rows[-1] += [box, TextOp(x + BOX + BOX_GAP, parts[0])]
            for part in parts[1:]:
                rows.append([TextOp(x + BOX + BOX_GAP, part)])
            rows.append([])
            x = x0
        return [text_row(*ops) for ops in rows if ops]

    def date_cells(self, x: float, item_id: str, part: str, time: bool = False) -> Trailer:
        """Digit cells for a date (and a time), the area they cover, from `x`."""
        start = x
        ops: list[Op] = []
        for count, separator in ((2, "."), (2, "."), (4, "")):
            ops.append(CellsOp(x, count))
            x += count * CELL
            if separator:
                ops.append(TextOp(x + 1, separator))
                x += 5
        if time:
            x += 6
            ops.append(CellsOp(x, 2))
            x += 2 * CELL
            ops.append(TextOp(x + 1, ":"))
            x += 5
            ops.append(CellsOp(x, 2))
            x += 2 * CELL
        if item_id:
            ops.append(AreaOp(start, x, item_id, part))
        return x - start, tuple(ops)

    def trailer(self, item: SheetItem) -> Trailer:
        """The answer part drawn after a label (a line with unit, date cells)."""
        if item.kind is SheetKind.NUMBER:
            ops: tuple[Op, ...] = (LineOp(0.0, 62.0), AreaOp(0.0, 62.0, item.item_id, "value"))
            if item.unit:
                return 66.0 + self.width(item.unit), (*ops, TextOp(66.0, item.unit))
            return 62.0, ops
        if item.kind in (SheetKind.DATE, SheetKind.DATETIME):
            return self.date_cells(0.0, item.item_id, "value", item.kind is SheetKind.DATETIME)
        return 0.0, ()

    def inline_chips(self, item: SheetItem) -> Trailer:
        """Option boxes on one line, as a trailer."""
        ops: list[Op] = []
        x = 0.0
        for option, value in zip(item.options, item.values, strict=True):
            ops += [BoxOp(x, item.item_id, value), TextOp(x + BOX + BOX_GAP, option)]
            x += self.chip_width(option) + CHIP_GAP
        return max(x - CHIP_GAP, 0.0), tuple(ops)

    def labelled(
        self,
        item: SheetItem,
        x0: float,
        width: float,
        bold: bool = False,
        trailer: Trailer | None = None,
    ) -> list[Row]:
        """The label, with the trailer on its last line when that costs no extra line."""
        trailer_width, trailer_ops = trailer or self.trailer(item)
        full = self.lines(item.label, width, bold)
        if not trailer_ops:
            return [text_row(TextOp(x0, line, bold)) for line in full]
        narrow = self.lines(item.label, width - trailer_width - 10, bold)
        start = x0 + width - trailer_width
        if self.width(full[-1], bold) + trailer_width + 10 <= width:
            narrow = full  # the last line leaves room for the trailer
        if len(narrow) <= len(full):
            rows = [text_row(TextOp(x0, line, bold)) for line in narrow]
            last_end = x0 + self.width(narrow[-1], bold)
            rows[-1] = with_ops(rows[-1], LeaderOp(last_end + 3, start - 4))
        else:
            rows = [text_row(TextOp(x0, line, bold)) for line in full]
            rows.append(text_row(LeaderOp(x0 + INDENT, start - 4)))
        last = with_ops(rows[-1], *(shift(op, start) for op in trailer_ops))
        if item.kind in (SheetKind.NUMBER, SheetKind.DATE, SheetKind.DATETIME):
            last = write_row(*last.ops, height=WRITE_ROW - 2.5)
        rows[-1] = last
        return rows

    def writing(self, prefix: str, x0: float, width: float, item_id: str, part: str) -> Row:
        """A writing line across the column, led by `prefix`, for `part` of `item_id`."""
        ops: list[Op] = []
        x = x0
        if prefix:
            ops.append(TextOp(x0, prefix))
            x += self.width(prefix) + 4
        ops.append(LineOp(x, x0 + width))
        if item_id:
            ops.append(AreaOp(x, x0 + width, item_id, part))
        return write_row(*ops)

    def item_rows(self, item: SheetItem, width: float) -> list[Row]:
        """Every row of `item` in a column `width` wide."""
        labels = self.data.labels
        x0 = INDENT if item.indent else 0.0
        usable = width - x0
        if item.kind is SheetKind.CHECK:
            lines = self.lines(item.label, usable - BOX - BOX_GAP)
            rows = [text_row(TextOp(x0 + BOX + BOX_GAP, line)) for line in lines]
            rows[0] = with_ops(rows[0], BoxOp(x0, item.item_id, "checked"))
            return rows
        if item.kind is SheetKind.YNU:
            return self.labelled(item, x0, usable, trailer=self.ynu_boxes(item.item_id))
        if item.kind in (SheetKind.NUMBER, SheetKind.DATE, SheetKind.DATETIME):
            return self.labelled(item, x0, usable)
        if item.kind is SheetKind.YNU_DETAILS:
            inline = self.details_inline(item, x0, usable)
            if inline is not None:
                return inline
            rows = self.labelled(item, x0, usable, trailer=self.ynu_boxes(item.item_id))
            details = labels["details"] + ":"
            line = self.writing(details, x0 + INDENT, usable - INDENT, item.item_id, "details")
            return [*rows, line]
        if item.kind is SheetKind.YNU_GRID:
            return [self.captions(self.data.ynu_captions, self.ynu_step(), width)]
        if item.kind is SheetKind.CHOICE:
            return self.choice_rows(item, x0, usable)
        if item.kind is SheetKind.TEXT:
            rows = self.labelled(item, x0, usable)
            rows += [self.writing("", x0, usable, item.item_id, "value") for _ in range(item.lines)]
            return rows
        if item.kind is SheetKind.ORDER_GRID:
            return self.grid_header(item, x0, usable)
        if item.kind is SheetKind.SIGNATURE:
            return self.signature_rows(width)
        rows = self.labelled(item, x0, usable, bold=True, trailer=self.grid_boxes(item.item_id))
        if item.specify:
            specify = labels["specify"] + ":"
            rows.append(self.writing(specify, x0 + INDENT, usable - INDENT, item.item_id, "value"))
        rows.append(self.dated_note(item.item_id, x0 + INDENT, usable - INDENT))
        return rows

    def choice_rows(self, item: SheetItem, x0: float, usable: float) -> list[Row]:
        """A single or multiple choice: options under the label, or beside it when short."""
        rows = self.labelled(item, x0, usable)
        rows += self.chips(item, x0 + INDENT, usable - INDENT)
        chips = self.inline_chips(item)
        if chips[0] <= usable * 0.7:
            inline = self.labelled(item, x0, usable, trailer=chips)
            if len(inline) < len(rows):
                rows = inline
        if item.other_line:
            specify = self.data.labels["specify"] + ":"
            rows.append(self.writing(specify, x0 + INDENT, usable - INDENT, item.item_id, "other"))
        return rows

    def details_inline(self, item: SheetItem, x0: float, width: float) -> list[Row] | None:
        """The question with its details line and boxes on the label's last row (None when
        that row leaves too little room for the details)."""
        trailer_width, trailer_ops = self.ynu_boxes(item.item_id)
        start = x0 + width - trailer_width
        prefix = self.data.labels["details"] + ":"
        lines = self.lines(item.label, width - trailer_width - 10)
        line_start = x0 + self.width(lines[-1]) + 8 + self.width(prefix) + 4
        if start - 6 - line_start < 50:
            return None
        rows = [text_row(TextOp(x0, line)) for line in lines[:-1]]
        ops: list[Op] = [
            TextOp(x0, lines[-1]),
            TextOp(line_start - self.width(prefix) - 4, prefix),
            LineOp(line_start, start - 6),
            AreaOp(line_start, start - 6, item.item_id, "details"),
        ]
        rows.append(write_row(*ops, *(shift(op, start) for op in trailer_ops)))
        return rows

    def ynu_step(self) -> float:
        """Distance between the Yes / No / not-known box columns (their captions fit)."""
        widest = max(self.width(caption, True) for caption in self.data.ynu_captions)
        return max(BOX, widest) + 6.0

    def ynu_boxes(self, item_id: str) -> Trailer:
        """The Yes / No / not-known boxes of a question, as a trailer under the captions."""
        step = self.ynu_step()
        ops = tuple(BoxOp(index * step, item_id, value) for index, value in enumerate(YNU_CHOICES))
        return (len(ops) - 1) * step + BOX, ops

    def captions(self, captions: tuple[str, ...], step: float, width: float) -> Row:
        """Bold captions centred over box columns that end at the right edge of `width`."""
        trailer = (len(captions) - 1) * step + BOX
        start = width - trailer
        ops: list[Op] = []
        for index, caption in enumerate(captions):
            offset = (BOX - self.width(caption, True)) / 2
            ops.append(TextOp(start + index * step + offset, caption, True))
        return text_row(*ops)

    def grid_boxes(self, item_id: str) -> Trailer:
        """The four order-state boxes of an order row, as a trailer."""
        ops = tuple(
            BoxOp(index * GRID_STEP, item_id, status) for index, status in enumerate(ORDER_CHOICES)
        )
        return (len(ops) - 1) * GRID_STEP + BOX, ops

    def grid_header(self, item: SheetItem, x0: float, width: float) -> list[Row]:
        """The legend of the order grid, then the numbers above its box columns."""
        rows = [
            text_row(TextOp(x0, line))
            for line in (self.lines(item.label, width) if item.label else [])
        ]
        digits = tuple(str(index + 1) for index in range(len(ORDER_CHOICES)))
        rows.append(self.captions(digits, GRID_STEP, x0 + width))
        return rows

    def dated_note(self, item_id: str, x0: float, width: float) -> Row:
        """The date cells and the note line under an order."""
        labels = self.data.labels
        date_label = labels["date"] + ":"
        x = x0 + self.width(date_label) + 4
        cells_width, cells = self.date_cells(x, item_id, "date")
        x += cells_width + 8
        note_label = labels["note"] + ":"
        line_start = x + self.width(note_label) + 4
        return write_row(
            TextOp(x0, date_label),
            *cells,
            TextOp(x, note_label),
            LineOp(line_start, x0 + width),
            AreaOp(line_start, x0 + width, item_id, "note"),
            height=WRITE_ROW - 1.0,
        )

    def signature_rows(self, width: float) -> list[Row]:
        """The clinician's signature line and the date cells, at the end of the sheet."""
        signature, date_label = self.data.signature_fields
        rows = [self.writing(signature + ":", 0.0, width, "", "")]
        x = self.width(date_label + ":") + 4
        _width, cells = self.date_cells(x, "", "")
        rows.append(write_row(TextOp(0.0, date_label + ":"), *cells))
        return rows
