"""The canvas layout: splitting text and tables, cutting a flow into pages, drawing it."""

from __future__ import annotations

import io

import pytest
from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

from app.report.fonts import ensure_fonts
from app.report.layout import (
    Block,
    Flow,
    Frame,
    NeedRoom,
    NewPage,
    Placed,
    Repeat,
    Row,
    Rule,
    Spacer,
    Table,
    Text,
    Together,
    draw_pages,
    line_width,
    paginate,
    paginate_frames,
)
from tests.support import pdf_pages

INK = Color(0, 0, 0)
TOP, BOTTOM = 700.0, 100.0  # a frame 600 points high


def _text(count: int, leading: float = 10, **extra: float) -> Text:
    font = ensure_fonts().regular
    lines = tuple(((f"line {index}", font),) for index in range(count))
    return Text(lines, 9, leading, INK, **extra)  # type: ignore[arg-type]


def _table(rows: int, row_lines: int = 1, header: int = 1) -> Table:
    head = Row([[_text(1)], [_text(1)]], top=2, bottom=3)
    body = [Row([[_text(row_lines)], []], top=2, bottom=3) for _ in range(rows)]
    return Table([100, 200], [head, *body], [(4, 4), (4, 4)], header=header)


def _tops(page: list[Placed]) -> list[float]:
    return [top for _, top in page]


def test_text_height_and_split() -> None:
    text = _text(10, leading=12, indent=18, space_before=5, space_after=7)
    assert text.height() == 120
    parts = text.split(40)
    assert parts is not None
    head, tail = parts
    assert isinstance(head, Text)
    assert isinstance(tail, Text)
    assert len(head.lines) == 3
    assert len(tail.lines) == 7
    assert (*head.lines, *tail.lines) == text.lines
    assert (head.space_before, head.space_after) == (5, 0)
    assert (tail.space_before, tail.space_after) == (0, 7)
    assert (head.first_indent, tail.first_indent, tail.indent) == (0, 18, 18)
    assert text.split(11) is None  # not one line fits
    assert text.split(500) is None  # everything fits: nothing to split


def test_table_rows_take_their_tallest_cell_and_padding() -> None:
    table = _table(3, row_lines=4)
    assert table.heights == [15, 45, 45, 45]
    assert table.height() == 150


def test_table_split_repeats_the_header_and_never_leaves_it_alone() -> None:
    table = _table(5, row_lines=4)
    parts = table.split(15 + 45 * 2 + 10)
    assert parts is not None
    head, tail = parts
    assert isinstance(head, Table)
    assert isinstance(tail, Table)
    assert list(head.rows) == list(table.rows[:3])
    assert list(tail.rows) == [table.rows[0], *table.rows[3:]]
    assert tail.heights == [15, 45, 45, 45]
    assert table.split(15 + 44) is None  # only the header would fit
    assert table.split(10_000) is None


def test_blocks_stack_with_the_space_between_them_except_at_a_page_top() -> None:
    first = _text(2, space_before=30, space_after=4)
    second = _text(3, space_before=6)
    (page,) = paginate([first, second], TOP, BOTTOM)
    assert _tops(page) == [TOP, TOP - 20 - 4 - 6]


def test_long_text_flows_over_pages() -> None:
    pages = paginate([_text(150)], TOP, BOTTOM)
    assert [len(block.lines) for page in pages for block, _ in page] == [60, 60, 30]  # type: ignore[attr-defined]
    assert all(_tops(page) == [TOP] for page in pages)


def test_a_long_table_goes_on_with_its_header_on_every_page() -> None:
    table = _table(40, row_lines=3)  # 40 rows of 35 points under a 15 point header
    pages = paginate([Spacer(100), table], TOP, BOTTOM)
    parts = [block for page in pages for block, _ in page if isinstance(block, Table)]
    assert len(pages) == len(parts) == 3
    assert all(part.rows[0] is table.rows[0] for part in parts)
    assert sum(len(part.rows) - 1 for part in parts) == 40
    assert all(part.height() <= TOP - BOTTOM for part in parts)


def test_need_room_starts_a_page_only_when_too_little_is_left() -> None:
    flow: list[Flow] = [Spacer(500), NeedRoom(150), _text(1), NeedRoom(5), _text(1)]
    pages = paginate(flow, TOP, BOTTOM)
    assert [len(page) for page in pages] == [1, 2]
    assert paginate([NeedRoom(10_000), _text(1)], TOP, BOTTOM)[0]  # never an empty first page


def test_new_page_never_leaves_an_empty_page() -> None:
    flow: list[Flow] = [NewPage(), _text(1), NewPage(), NewPage(), _text(1)]
    assert [len(page) for page in paginate(flow, TOP, BOTTOM)] == [1, 1]


def test_together_moves_to_a_new_page_only_when_it_fits_on_one() -> None:
    heading, body = _text(1), _text(10)
    pages = paginate([Spacer(520), Together([heading, body])], TOP, BOTTOM)
    assert [[block for block, _ in page] for page in pages] == [[Spacer(520)], [heading, body]]
    huge = Together([heading, _text(100)])
    pages = paginate([Spacer(520), huge], TOP, BOTTOM)
    assert pages[0][1][0] is heading  # too tall for any page: it simply flows on


def test_an_unsplittable_block_taller_than_a_page_is_placed_once() -> None:
    tall: Block = Rule(900, INK)
    pages = paginate([_text(1), tall, _text(1)], TOP, BOTTOM)
    assert [[block for block, _ in page] for page in pages][1] == [tall]
    assert len(pages) == 3


def test_drawn_pages_hold_the_text_in_order_between_their_decorations() -> None:
    fonts = ensure_fonts()
    bold = ((("Heading", fonts.bold),),)
    mixed = ((("Lead: ", fonts.bold), ("rest of the line", fonts.regular)),)
    flow: list[Flow] = [
        Text(bold, 12, 15, INK),
        Text(mixed, 9, 12, INK, right=True),
        _table(60),
    ]
    pages = paginate(flow, TOP, BOTTOM)
    calls: list[tuple[str, int, int]] = []

    def beneath(canvas: Canvas, page: int, total: int) -> None:
        calls.append(("beneath", page, total))

    def above(canvas: Canvas, page: int, total: int) -> None:
        canvas.setFont(fonts.regular, 9)
        canvas.drawString(50, 50, f"page {page} of {total}")
        calls.append(("above", page, total))

    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    draw_pages(canvas, pages, 50, 400, beneath, above)
    canvas.save()
    text = pdf_pages(buffer.getvalue())
    assert len(text) == len(pages) == 2
    assert calls == [("beneath", 1, 2), ("above", 1, 2), ("beneath", 2, 2), ("above", 2, 2)]
    assert text[0].index("Heading") < text[0].index("Lead: rest of the line")
    assert "page 2 of 2" in text[1]
    assert line_width(mixed[0], 9) == pytest.approx(
        fonts.width("Lead: ", 9, bold=True) + fonts.width("rest of the line", 9)
    )


# -- frames: columns --------------------------------------------------------------------------

LEFT = Frame(0.0, 100.0, 300.0, 100.0)
RIGHT = Frame(150.0, 100.0, 250.0, 100.0)


def _columns(index: int) -> tuple[Frame, ...]:
    """Two columns a page; the first page's are 100 points lower."""
    if index == 0:
        return (LEFT._replace(top=200.0), RIGHT._replace(top=200.0))
    return (LEFT, RIGHT)


def test_frames_fill_left_to_right_then_the_next_page() -> None:
    blocks = [Spacer(60) for _ in range(7)]
    pages = paginate_frames(blocks, _columns)
    # page 1: 100 points a column (one block each); page 2: 200 and 150 (three and two)
    assert [[(frame.x, top) for _block, frame, top in page] for page in pages] == [
        [(0.0, 200.0), (150.0, 200.0)],
        [(0.0, 300.0), (0.0, 240.0), (0.0, 180.0), (150.0, 250.0), (150.0, 190.0)],
    ]


def test_a_split_block_goes_on_in_the_next_column() -> None:
    pages = paginate_frames([_text(15)], _columns)
    (page,) = pages
    (head, left, _), (tail, right, _) = page
    assert (left, right) == _columns(0)
    assert isinstance(head, Text)
    assert isinstance(tail, Text)
    assert (len(head.lines), len(tail.lines)) == (10, 5)


def test_together_moves_to_the_next_column_not_page() -> None:
    flow: list[Flow] = [Spacer(70), Together((Spacer(20), Spacer(20)))]
    (page,) = paginate_frames(flow, _columns)
    assert [frame.x for _block, frame, _top in page] == [0.0, 150.0, 150.0]


def test_repeat_heads_every_column_entered_until_stopped() -> None:
    caption = Spacer(10, space_after=2)
    flow: list[Flow] = [
        Spacer(80),
        Repeat(caption),
        Spacer(30),
        Spacer(30),
        Repeat(None),
        Spacer(190),
    ]
    pages = paginate_frames(flow, _columns)
    placed = [(block, frame.x, top) for page in pages for block, frame, top in page]
    # the first page's left column holds 80 + 30 of 100 points: the first row under the
    # caption goes to the right column, headed by the caption
    assert placed[1] == (caption, 150.0, 200.0)
    assert placed[2:] == [
        (Spacer(30), 150.0, 188.0),
        (Spacer(30), 150.0, 158.0),
        (Spacer(190), 0.0, 300.0),  # stopped: the next page's column has no caption
    ]


def test_paginate_is_one_frame_a_page() -> None:
    flow = [Spacer(250) for _ in range(3)]
    assert paginate(flow, TOP, BOTTOM) == [
        [(Spacer(250), TOP), (Spacer(250), TOP - 250)],
        [(Spacer(250), TOP)],
    ]
