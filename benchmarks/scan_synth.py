"""Synthetic scans of filled workup sheets, for the scan benchmark and the scan tests.

A page image is made from a sheet layout (boxes, writing areas, registration marks and QR
code place): either a blank page drawn here from the layout, or a page of the real sheet PDF
rasterised; then pen marks are drawn into its boxes (ticks, crosses, filled boxes, a tick
struck out by filling the box, light and heavy strokes), and the page goes through what a
scanner does to it: rotation, scale, blur, noise and JPEG compression. Every mark drawn is
recorded, so a reading can be scored box by box.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp

from app.domain.encounter import Encounter, EncounterStatus, OrderState, OrderStatus, Patient
from app.domain.sheet_layout import Box, PageLayout, Rect, SheetLayout, WritingArea
from app.domain.values import AnswerValue, YnuDetails
from app.domain.workflow import YNU_VALUES, Item, ItemKind, Workflow

Gray = npt.NDArray[np.uint8]
PAPER_SIZES = {"A4": (595.28, 841.89), "Letter": (612.0, 792.0)}
MM = 72 / 25.4
BOX = 3 * MM
BOX_LINE = 0.8
MARK = 5 * MM
MARGIN = 8 * MM
QR = 22 * MM


class Pen(StrEnum):
    """What the pen did in a box (the truth a reading is scored against)."""

    NONE = "none"
    TICK = "tick"
    CROSS = "cross"
    FILL = "fill"
    STRUCK_TICK = "struck_tick"

    @property
    def chosen(self) -> bool:
        """Whether the mark records the box's choice."""
        return self in (Pen.TICK, Pen.CROSS)


# -- random encounters on the real sheet ------------------------------------------------------


def random_encounter(workflow: Workflow, rng: random.Random, answered: float = 0.75) -> Encounter:
    """An encounter of `workflow` with a random answer for a share `answered` of the items
    that have boxes on paper (the rest left blank), as a draft would hold them."""
    answers: dict[str, AnswerValue] = {}
    orders: dict[str, OrderState] = {}
    for item in workflow.items():
        if rng.random() >= answered:
            continue
        if item.is_order:
            orders[item.id] = OrderState(rng.choice(list(OrderStatus)))
        elif item.kind is ItemKind.CHECK:
            answers[item.id] = True
        elif item.kind is ItemKind.YNU:
            answers[item.id] = rng.choice(YNU_VALUES)
        elif item.kind is ItemKind.YNU_DETAILS:
            answers[item.id] = YnuDetails(rng.choice(YNU_VALUES))
        elif item.kind is ItemKind.SINGLE:
            answers[item.id] = rng.choice(item.options).value
        elif item.kind is ItemKind.MULTI:
            chosen = tuple(option.value for option in item.options if rng.random() < 0.35)
            if chosen:
                answers[item.id] = chosen
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    return Encounter(
        id=1,
        uid="00000000-0000-4000-8000-000000000001",
        patient=Patient(1, "Test", "Patient", date(1980, 1, 1), "SCAN-1"),
        workflow_id=workflow.id,
        workflow_version=workflow.version,
        workflow_hash=workflow.content_hash,
        status=EncounterStatus.DRAFT,
        language="en",
        clinician="Dr. Test",
        created_at=now,
        updated_at=now,
        answers=answers,
        orders=orders,
    )


def ticked_marks(layout: SheetLayout, encounter: Encounter) -> dict[tuple[int, str, str], Pen]:
    """The truth for a pre-filled sheet of `encounter`: a tick in each box its answers
    choose, every other box empty."""
    chosen: set[tuple[str, str]] = set()
    for item_id, state in encounter.orders.items():
        chosen.add((item_id, state.status.value))
    for item_id, value in encounter.answers.items():
        for choice in _choices_of(value):
            chosen.add((item_id, choice))
    return {
        (page.number, box.item_id, box.choice): (
            Pen.TICK if (box.item_id, box.choice) in chosen else Pen.NONE
        )
        for page in layout.pages
        for box in page.boxes
    }


def _choices_of(value: AnswerValue) -> tuple[str, ...]:
    if value is True:
        return ("checked",)
    if isinstance(value, YnuDetails):
        return (value.choice,)
    if isinstance(value, tuple):
        return value
    return (value,) if isinstance(value, str) else ()


def sheet_pages(
    workflow: Workflow,
    language: str,
    dpi: int,
    encounter: Encounter | None = None,
    paper: str = "A4",
) -> list[Gray]:
    """The real sheet of `workflow` (pre-filled with `encounter` when given) rasterised at
    `dpi` with pdftoppm, as a scanner's PDF would be."""
    from app.report.sheet import sheet_pdf
    from app.report.summary_data import ClinicInfo
    from app.scan import load_pages

    data = sheet_pdf(workflow, ClinicInfo(), language, paper, encounter=encounter)
    with tempfile.TemporaryDirectory(prefix="workup-synth-") as folder:
        path = Path(folder) / "sheet.pdf"
        path.write_bytes(data)
        return [page.pixels for page in load_pages(path, dpi)]


def add_specials(
    layout: SheetLayout,
    marks: dict[tuple[int, str, str], Pen],
    rng: random.Random,
    share: float = 0.05,
) -> dict[tuple[int, str, str], Pen]:
    """Extra pen work on a share of the empty boxes: a box filled in, a tick struck out by
    filling the box, a cross; returns only the boxes to draw (the others are printed)."""
    extra: dict[tuple[int, str, str], Pen] = {}
    for key, pen in marks.items():
        if pen is Pen.NONE and rng.random() < share:
            extra[key] = rng.choice((Pen.FILL, Pen.STRUCK_TICK, Pen.CROSS))
            marks[key] = extra[key]
    return extra


# -- a layout drawn from a workflow (stands in for the printed sheet's in unit tests) ------


def box_choices(item: Item) -> tuple[str, ...]:
    """The choices an item has boxes for on paper (none for a written item)."""
    if item.is_order:
        return ("ordered", "done_elsewhere", "not_indicated", "declined")
    if item.kind in (ItemKind.YNU, ItemKind.YNU_DETAILS):
        return YNU_VALUES
    if item.kind is ItemKind.CHECK:
        return ("checked",)
    if item.kind in (ItemKind.SINGLE, ItemKind.MULTI):
        return tuple(option.value for option in item.options)
    return ()


def synthetic_layout(
    workflow: Workflow, language: str = "en", paper: str = "A4", rows_per_page: int = 40
) -> SheetLayout:
    """A sheet layout of `workflow`: one row per item, its boxes in a row or a writing area,
    marks in the corners and the QR code at the top right."""
    width, height = PAPER_SIZES[paper]
    marks = (
        Rect(MARGIN, MARGIN, MARK, MARK),
        Rect(width - MARGIN - MARK, MARGIN, MARK, MARK),
        Rect(MARGIN, height - MARGIN - MARK, MARK, MARK),
        Rect(width - MARGIN - MARK, height - MARGIN - MARK, MARK, MARK),
    )
    qr = Rect(width - MARGIN - MARK - 3 * MM - QR, MARGIN, QR, QR)
    top, step = 110.0, (height - 110.0 - 60.0) / rows_per_page
    pages: list[PageLayout] = []
    boxes: list[Box] = []
    writing: list[WritingArea] = []
    row = 0
    for item in workflow.items():
        choices = box_choices(item)
        if row == rows_per_page:
            pages.append(PageLayout(len(pages) + 1, tuple(boxes), tuple(writing)))
            boxes, writing, row = [], [], 0
        y = top + row * step
        if choices:
            across = max(1, min(len(choices), 8))
            room = width - 2 * MARGIN - (330 if item.kind is ItemKind.YNU_DETAILS else 200)
            spacing = room / across
            for index, choice in enumerate(choices):
                x = 220 + (index % across) * spacing
                y_box = y + (index // across) * 0.0
                boxes.append(Box(item.id, choice, Rect(x, y_box, BOX, BOX)))
        if not choices or item.kind is ItemKind.YNU_DETAILS:
            x = 220 if not choices else width - MARGIN - 120
            writing.append(
                WritingArea(
                    item.id,
                    "value" if not choices else "details",
                    Rect(x, y - 4, 110 if choices else 300, 12),
                )
            )
        row += 1
    pages.append(PageLayout(len(pages) + 1, tuple(boxes), tuple(writing)))
    return SheetLayout(
        workflow.id, workflow.version, language, paper, width, height, marks, qr, tuple(pages)
    )


def draw_blank(layout: SheetLayout, number: int, dpi: int, code_text: str | None = None) -> Gray:
    """A blank page of `layout` drawn at `dpi`: marks, QR code, box outlines, writing lines."""
    scale = dpi / 72.0
    width, height = round(layout.page_width * scale), round(layout.page_height * scale)
    image = np.full((height, width), 255, dtype=np.uint8)
    for mark in layout.marks:
        x, y, w, h = _px(mark, scale)
        image[y : y + h, x : x + w] = 0
    text = code_text if code_text is not None else layout.code(number).text()
    symbol = np.asarray(
        zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode).to_image(
            scale=1, add_quiet_zones=False
        ),
        dtype=np.uint8,
    )
    x, y, w, h = _px(layout.qr, scale)
    image[y : y + h, x : x + w] = cv2.resize(symbol, (w, h), interpolation=cv2.INTER_NEAREST)
    page = layout.pages[number - 1]
    half = BOX_LINE / 2
    for box in page.boxes:
        # the outline centred on the box's edge, as a PDF stroke is
        rect = box.rect
        x, y, w, h = _px(
            Rect(rect.x - half, rect.y - half, rect.width + 2 * half, rect.height + 2 * half), scale
        )
        inside = round(BOX_LINE * scale)
        image[y : y + h, x : x + w] = 0
        image[y + inside : y + h - inside, x + inside : x + w - inside] = 255
    for area in page.writing:
        x, y, w, h = _px(area.rect, scale)
        cv2.line(image, (x, y + h), (x + w, y + h), 120, max(1, round(0.4 * scale)))
    return image


def _px(rect: Rect, scale: float) -> tuple[int, int, int, int]:
    x, y = round(rect.x * scale), round(rect.y * scale)
    return x, y, round((rect.x + rect.width) * scale) - x, round((rect.y + rect.height) * scale) - y


# -- random encounters and their marks --------------------------------------------------------


def random_marks(
    layout: SheetLayout, rng: random.Random, specials: float = 0.04
) -> dict[tuple[int, str, str], Pen]:
    """What a clinician's pen does on every box of the sheet: one random answer per item
    (some left blank; a few crosses instead of ticks), and, on a share `specials` of items, a
    box filled in or a tick struck out. Keyed by (page, item id, choice)."""
    marks: dict[tuple[int, str, str], Pen] = {}
    by_item: dict[str, list[tuple[int, Box]]] = {}
    for page in layout.pages:
        for box in page.boxes:
            by_item.setdefault(box.item_id, []).append((page.number, box))
    for item_id, boxes in by_item.items():
        for number, box in boxes:
            marks[(number, item_id, box.choice)] = Pen.NONE
        if rng.random() < 0.25:
            continue  # left unanswered
        multiple = len(boxes) > 1 and rng.random() < 0.0
        picked = [rng.choice(boxes)]
        if multiple:
            picked.append(rng.choice(boxes))
        for number, box in picked:
            marks[(number, item_id, box.choice)] = Pen.CROSS if rng.random() < 0.2 else Pen.TICK
        if rng.random() < specials and len(boxes) > 1:
            # a choice taken back: the ticked box filled in and another box ticked, or an
            # empty box filled in by mistake
            number, box = picked[0]
            others = [entry for entry in boxes if entry[1] is not box]
            other_number, other = rng.choice(others)
            if rng.random() < 0.5:
                marks[(number, item_id, box.choice)] = Pen.STRUCK_TICK
                marks[(other_number, item_id, other.choice)] = Pen.TICK
            else:
                marks[(other_number, item_id, other.choice)] = Pen.FILL
    return marks


@dataclass(frozen=True)
class Stroke:
    """How the pen writes: its darkness (0 black .. 255 paper) and width in points."""

    level: int
    width: float


HEAVY = Stroke(25, 1.1)
NORMAL = Stroke(45, 0.7)
LIGHT = Stroke(130, 0.6)


def draw_marks(
    image: Gray,
    page: PageLayout,
    marks: Mapping[tuple[int, str, str], Pen],
    dpi: int,
    rng: random.Random,
    strokes: Iterable[Stroke] = (HEAVY, NORMAL, NORMAL, LIGHT),
) -> None:
    """Draw the pen marks of `page` into `image` (a page at `dpi`), each with a random
    stroke, size and slant, as a hand does."""
    scale = dpi / 72.0
    choices = list(strokes)
    for box in page.boxes:
        pen = marks.get((page.number, box.item_id, box.choice), Pen.NONE)
        if pen is Pen.NONE:
            continue
        stroke = rng.choice(choices)
        x, y, w, h = (
            value * scale for value in (box.rect.x, box.rect.y, box.rect.width, box.rect.height)
        )
        thickness = max(1, round(stroke.width * scale))
        if pen in (Pen.TICK, Pen.STRUCK_TICK):
            _tick(image, x, y, w, h, stroke.level, thickness, rng)
        if pen is Pen.CROSS:
            _cross(image, x, y, w, h, stroke.level, thickness, rng)
        if pen in (Pen.FILL, Pen.STRUCK_TICK):
            _fill(image, x, y, w, h, min(stroke.level, 60), rng)


def _jitter(rng: random.Random, size: float, share: float = 0.08) -> float:
    return rng.uniform(-share, share) * size


def _poly(image: Gray, points: list[tuple[float, float]], level: int, thickness: int) -> None:
    array = np.array([[round(px * 8), round(py * 8)] for px, py in points], dtype=np.int32)
    cv2.polylines(image, [array], False, level, thickness, cv2.LINE_AA, shift=3)


def _tick(
    image: Gray,
    x: float,
    y: float,
    w: float,
    h: float,
    level: int,
    thickness: int,
    rng: random.Random,
) -> None:
    start = (x + 0.1 * w + _jitter(rng, w), y + 0.5 * h + _jitter(rng, h))
    bottom = (x + 0.42 * w + _jitter(rng, w), y + 0.9 * h + _jitter(rng, h))
    end = (x + 1.05 * w + _jitter(rng, w, 0.2), y - 0.1 * h + _jitter(rng, h, 0.2))
    _poly(image, [start, bottom, end], level, thickness)


def _cross(
    image: Gray,
    x: float,
    y: float,
    w: float,
    h: float,
    level: int,
    thickness: int,
    rng: random.Random,
) -> None:
    _poly(
        image,
        [
            (x + _jitter(rng, w), y + _jitter(rng, h)),
            (x + w + _jitter(rng, w), y + h + _jitter(rng, h)),
        ],
        level,
        thickness,
    )
    _poly(
        image,
        [
            (x + w + _jitter(rng, w), y + _jitter(rng, h)),
            (x + _jitter(rng, w), y + h + _jitter(rng, h)),
        ],
        level,
        thickness,
    )


def _fill(
    image: Gray, x: float, y: float, w: float, h: float, level: int, rng: random.Random
) -> None:
    """A box inked over as a pen fills one in: dense zigzag strokes, a little past its edges."""
    thickness = max(2, round(w / 4))
    grow = rng.uniform(0.0, 0.15)
    x0, x1 = x - grow * w, x + w * (1 + grow)
    top, bottom = y - grow * h, y + h * (1 + grow)
    points = []
    row, step = top, thickness * rng.uniform(0.6, 0.85)
    left = True
    while row <= bottom:
        points.append((x0 + _jitter(rng, w, 0.05) if left else x1 + _jitter(rng, w, 0.05), row))
        left = not left
        row += step
    _poly(image, points, level, thickness)


# -- what a scanner does ----------------------------------------------------------------------


@dataclass(frozen=True)
class Distortion:
    """A scan's defects."""

    angle: float = 0.0
    scale: float = 1.0
    blur: float = 0.0
    noise: float = 0.0
    jpeg: int | None = None
    upside_down: bool = False


def random_distortion(rng: random.Random) -> Distortion:
    """Rotation up to ±3°, scale ±3 %, some blur and noise, JPEG half of the time."""
    return Distortion(
        angle=rng.uniform(-3.0, 3.0),
        scale=rng.uniform(0.97, 1.03),
        blur=rng.choice((0.0, 0.6, 1.0)),
        noise=rng.uniform(2.0, 8.0),
        jpeg=rng.choice((None, 85, 70)),
        upside_down=rng.random() < 0.1,
    )


def distort(image: Gray, distortion: Distortion, rng: random.Random) -> Gray:
    """The page as a scanner gives it back."""
    height, width = image.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), distortion.angle, distortion.scale)
    # the scanner's glass is larger than the sheet: the image holds the whole turned page
    # (scaled with it, as a scan at a slightly other resolution is) and a little more
    radians = np.deg2rad(abs(distortion.angle))
    cos, sin = np.cos(radians) * distortion.scale, np.sin(radians) * distortion.scale
    margin = round(0.01 * width)
    width = round(width * cos + height * sin) + 2 * margin
    height = round(image.shape[1] * sin + image.shape[0] * cos) + 2 * margin
    matrix[0, 2] += width / 2 - image.shape[1] / 2
    matrix[1, 2] += height / 2 - image.shape[0] / 2
    out = cv2.warpAffine(
        image,
        matrix,
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=250,
    )
    if distortion.blur:
        out = cv2.GaussianBlur(out, (0, 0), distortion.blur)
    if distortion.noise:
        noise = np.random.default_rng(rng.getrandbits(32)).normal(0, distortion.noise, out.shape)
        out = np.clip(out.astype(np.float32) * 0.94 + 8 + noise, 0, 255).astype(np.uint8)
    if distortion.upside_down:
        out = cv2.rotate(out, cv2.ROTATE_180)
    if distortion.jpeg is not None:
        ok, data = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, distortion.jpeg])
        assert ok
        decoded = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
        assert decoded is not None
        out = decoded
    return np.ascontiguousarray(out, dtype=np.uint8)


def encode(image: Gray, suffix: str = ".png") -> bytes:
    """The image as the bytes of a file with `suffix`."""
    ok, data = cv2.imencode(suffix, image)
    assert ok
    return bytes(data.tobytes())
