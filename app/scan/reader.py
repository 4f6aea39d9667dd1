"""Reading one scanned page: its QR code, its registration marks, and every tick box on it.

The page is found by its QR code (a `PageCode`); the layout it was printed with is computed
again and its fingerprint compared; the four registration marks give a perspective transform
from layout points to scan pixels, which corrects rotation, skew and scale; the page is then
resampled upright at `READ_DPI`, where every box and writing area is a plain rectangle.

A box is decided from the share of inked pixels inside it, the printed outline left out by
an inner margin, against this page's own paper and ink levels (the marks are solid ink):

- EMPTY: almost no ink;
- TICKED or CROSSED: a pen mark (both mean chosen; a cross has ink on both diagonals);
- FILLED: inked all over: a mark taken back (a box filled in over a tick is how a choice is
  struck out on paper, as SDAPS reads it), never a choice;
- UNCLEAR: anything between those bands (a speck, a faint stroke, a mark half filled),
  left for the clinician to decide and never decided here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp

from app.domain.sheet_layout import (
    CODE_PREFIX,
    Box,
    PageCode,
    PageLayout,
    Rect,
    SheetCodeError,
    SheetLayout,
    WritingArea,
)
from app.scan.errors import ScanError
from app.scan.images import Gray

READ_DPI = 200
"""Resolution the page is resampled at for reading (pixels per inch of the printed page)."""
SCALE = READ_DPI / 72.0
"""Pixels per point of the resampled page."""

INNER_MARGIN = 1.8
"""Points left out at each side of a box: the printed outline with blur and fitting error."""
SIDE_ZONE = (0.9, 2.0)
"""Depth and length in points of the zones at the middle of a box's sides (see `_sides`)."""
CROP_PADDING = 3.0
"""Points added around a writing area's crop: handwriting strays outside its line."""

INK_LEVEL = 0.2
"""A pixel is ink when darker than paper by this share of the paper-to-ink difference (low
enough for a light pencil or a dry pen)."""
SOLID_LEVEL = 0.5
"""A pixel is solid ink when darker than paper by this share of the paper-to-ink difference."""
EMPTY_BELOW = 0.02
"""Share of inked pixels under which a box is empty."""
MARK_FROM = 0.12
"""Share of inked pixels from which a box holds a mark."""
COVERED_FROM = 0.94
"""Share of inked pixels from which a box is covered all over: filled in when solid, else
(shaded lightly) unclear."""
MARK_SOLID_UNTIL = 0.82
"""Share of solid pixels from which a mark is more than a tick or a cross."""
FILLED_FROM = 0.9
"""Share of solid pixels from which a box is filled in."""
CROSS_DIAGONAL = 0.5
"""Share of ink along both diagonals from which a mark is a cross rather than a tick."""

MIN_CONTRAST = 60
"""Paper and ink levels closer than this (of 255) are a page too faint to read."""
MARK_SEARCH = 0.07
"""Half the side of the window a registration mark is looked for in, as a share of the page
width, around where the QR code says it should be."""
FIT_TOLERANCE = 0.012
"""How far (share of the page width) the QR code may lie from where the marks put it."""

BINARIZERS = (
    zxingcpp.Binarizer.LocalAverage,
    zxingcpp.Binarizer.FixedThreshold,
    zxingcpp.Binarizer.GlobalHistogram,
)
"""How the QR reader turns grey into black and white, tried in turn: each finds codes the
others miss on blurred, noisy or compressed scans."""

QR_CODES = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)

LayoutFor = Callable[[str, int, str, str], "SheetLayout | None"]
"""Computes a sheet's layout from (workflow id, version, language, paper); None, or a
ScanError saying why, when the workflow or that version of it is not known."""


class BoxState(StrEnum):
    """What is in a tick box."""

    EMPTY = "empty"
    TICKED = "ticked"
    CROSSED = "crossed"
    FILLED = "filled"
    UNCLEAR = "unclear"

    @property
    def chosen(self) -> bool:
        """Whether the box records its choice (a tick or a cross)."""
        return self in (BoxState.TICKED, BoxState.CROSSED)


PixelRect = tuple[int, int, int, int]
"""x, y, width and height in pixels of the upright page image."""


@dataclass(frozen=True)
class BoxReading:
    """One box as read: its state, where it is in the page image, and the shares of its
    inner pixels that are ink and solid ink."""

    box: Box
    state: BoxState
    pixels: PixelRect
    ink: float
    solid: float


@dataclass(frozen=True)
class AreaCrop:
    """A writing area cut out of the page image (handwriting is never read as text)."""

    area: WritingArea
    pixels: PixelRect
    png: bytes

    @property
    def sha256(self) -> str:
        """The crop's hash, as a reading document names it."""
        return hashlib.sha256(self.png).hexdigest()


@dataclass(frozen=True)
class PageReading:
    """A page read: its code, the upright page image at `READ_DPI`, every box and every
    writing area."""

    source: str
    code: PageCode
    layout: SheetLayout
    image: Gray
    boxes: tuple[BoxReading, ...]
    crops: tuple[AreaCrop, ...]
    turned: int
    """Degrees the scan was turned by to stand upright (0, 90, 180 or 270)."""

    def png(self) -> bytes:
        """The upright page image as PNG bytes."""
        return _png(self.image)


def _png(image: Gray) -> bytes:
    ok, encoded = cv2.imencode(".png", image)
    if not ok:  # pragma: no cover - encoding an 8-bit grey image does not fail
        raise ScanError("cannot encode an image as PNG")
    return encoded.tobytes()


@dataclass(frozen=True)
class _Code:
    code: PageCode
    centre: tuple[float, float]
    turned: int


Point = tuple[float, float]


def find_code(pixels: Gray, source: str) -> tuple[PageCode, Gray, list[Point], int]:
    """The page's code, the page turned upright, the QR code's corners in it (top left, top
    right, bottom right, bottom left of the symbol) and the turn.

    ScanError when no QR code is found or it is not that of a workup sheet page.
    """
    found = _decode(pixels)
    if found is None:
        raise ScanError(
            f"{source}: no sheet code found: not a page of a workup sheet, or scanned too "
            "faintly or too blurred"
        )
    text, orientation, corners = found
    try:
        code = PageCode.parse(text)
    except SheetCodeError as error:
        raise ScanError(f"{source}: {error}") from error
    turned = round(orientation / 90.0) % 4 * 90
    height, width = pixels.shape
    if turned == 90:
        upright = _uint8(cv2.rotate(pixels, cv2.ROTATE_90_COUNTERCLOCKWISE))
        corners = [(y, width - 1 - x) for x, y in corners]
    elif turned == 180:
        upright = _uint8(cv2.rotate(pixels, cv2.ROTATE_180))
        corners = [(width - 1 - x, height - 1 - y) for x, y in corners]
    elif turned == 270:
        upright = _uint8(cv2.rotate(pixels, cv2.ROTATE_90_CLOCKWISE))
        corners = [(height - 1 - y, x) for x, y in corners]
    else:
        upright = pixels
    return code, upright, corners, turned


def _uint8(pixels: object) -> Gray:
    """An OpenCV result as contiguous 8-bit pixels (its stubs type every array loosely)."""
    return np.ascontiguousarray(pixels, dtype=np.uint8)


def _decode(pixels: Gray) -> tuple[str, int, list[Point]] | None:
    """The text, orientation (degrees) and corners of the page's workup QR code, else of any
    QR code (which then is not a sheet's); None when there is none."""
    attempts: list[tuple[Gray, float]] = [(pixels, 1.0)]
    longest = max(pixels.shape)
    if longest > 2400:  # a fine scan: the code is often found faster and surer smaller
        factor = 2000 / longest
        attempts.insert(0, (_resize(pixels, factor), factor))
    elif longest < 2000:  # a coarse scan: modules of two or three pixels read better larger
        attempts.append((_resize(pixels, 1.5), 1.5))
    other: tuple[str, int, list[Point]] | None = None
    for image, factor in attempts:
        for binarizer in BINARIZERS:
            codes = zxingcpp.read_barcodes(image, formats=QR_CODES, binarizer=binarizer)
            for barcode in codes:
                position = barcode.position
                corners = [
                    (point.x / factor, point.y / factor)
                    for point in (
                        position.top_left,
                        position.top_right,
                        position.bottom_right,
                        position.bottom_left,
                    )
                ]
                found = (barcode.text, int(barcode.orientation), corners)
                if barcode.text.startswith(CODE_PREFIX + ";"):
                    return found
                other = other or found
    return other


def _resize(pixels: Gray, factor: float) -> Gray:
    height, width = pixels.shape
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    method = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    return np.asarray(cv2.resize(pixels, size, interpolation=method), dtype=np.uint8)


def read_page(pixels: Gray, source: str, layout_for: LayoutFor) -> PageReading:
    """Read one scanned page; ScanError with one line when it cannot be read."""
    code, upright, qr_corners, turned = find_code(pixels, source)
    try:
        layout = layout_for(code.workflow_id, code.version, code.language, code.paper)
    except ScanError as error:
        raise ScanError(f"{source}: {error}") from error
    if layout is None:
        raise ScanError(
            f"{source}: the page belongs to workflow {code.workflow_id} version {code.version}, "
            "which this installation does not have"
        )
    if layout.fingerprint() != code.fingerprint or len(layout.pages) != code.pages:
        raise ScanError(
            f"{source}: the page was printed from another layout of {code.workflow_id} version "
            f"{code.version} ({code.language}, {code.paper}) than this program makes; "
            "print the sheet again and scan that"
        )
    page_layout = layout.pages[code.page - 1]
    transform = _fit(upright, layout, qr_corners, source)
    size = (round(layout.page_width * SCALE), round(layout.page_height * SCALE))
    to_page = np.diag([SCALE, SCALE, 1.0]) @ np.linalg.inv(transform)
    image = np.asarray(
        cv2.warpPerspective(
            upright,
            to_page,
            size,
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=255,
        ),
        dtype=np.uint8,
    )
    paper, ink = _levels(image, layout)
    if paper - ink < MIN_CONTRAST:
        raise ScanError(f"{source}: the page is scanned too faintly to read the boxes")
    levels = (paper - INK_LEVEL * (paper - ink), paper - SOLID_LEVEL * (paper - ink))
    boxes = tuple(_read_box(image, box, levels) for box in page_layout.boxes)
    crops = tuple(_crop(image, area) for area in page_layout.writing)
    return PageReading(source, code, layout, image, boxes, crops, turned)


def _fit(
    upright: Gray, layout: SheetLayout, qr_corners: list[Point], source: str
) -> npt.NDArray[np.float64]:
    """The transform from layout points to pixels of `upright`: a perspective one fitted to
    the four registration marks; when corners are cut off (a skewed page on a scanner's
    glass), an affine one fitted to three marks, or rotation and scale alone from two (a
    scanner scales both ways alike). ScanError when fewer marks are found where the sheet
    has them. (The QR code's corners, as the reader gives them, are a few pixels off: too
    far for 3 mm boxes, so they only serve to check the fit.)"""
    if len(layout.marks) != 4:
        raise ScanError(f"{source}: the sheet's layout does not have four registration marks")
    width = upright.shape[1]
    scale = width / layout.page_width
    qr_centre = (
        sum(x for x, _y in qr_corners) / 4,
        sum(y for _x, y in qr_corners) / 4,
    )
    # where the marks should be: from the QR code's centre, turned and scaled as its top edge
    (x0, y0), (x1, y1) = qr_corners[0], qr_corners[1]
    turn = complex(x1 - x0, y1 - y0) / layout.qr.width
    if not 0.5 * scale < abs(turn) < 2 * scale:
        turn = complex(scale)
    qr_layout_centre = complex(*layout.qr.centre)
    dark = _dark_mask(upright)
    found: list[tuple[Point, Point]] = []
    for mark in layout.marks:
        offset = (complex(*mark.centre) - qr_layout_centre) * turn
        expected = (qr_centre[0] + offset.real, qr_centre[1] + offset.imag)
        point = _find_mark(dark, expected, mark, scale, width)
        if point is not None:
            found.append((mark.centre, point))
    if len(found) < 2:
        raise ScanError(
            f"{source}: the registration marks are not found (corners of the page are cut "
            "off, covered or written over)"
        )
    if len(found) == 4:
        source_points = np.array([layout_point for layout_point, _ in found], np.float32)
        target = np.array([point for _, point in found], np.float32)
        transform = np.asarray(cv2.getPerspectiveTransform(source_points, target), np.float64)
    elif len(found) == 3:
        transform = _affine(found)
    else:
        transform = _similarity(found)
    if not _plausible(transform, layout, qr_centre, scale, width):
        raise ScanError(
            f"{source}: the registration marks do not fit the sheet (the page is folded, "
            "photographed at an angle, or not this sheet)"
        )
    return transform


def _similarity(pairs: list[tuple[Point, Point]]) -> npt.NDArray[np.float64]:
    """The rotation, uniform scale and shift taking two points to two others, as a 3 × 3
    matrix."""
    (w1, p1), (w2, p2) = ((complex(*a), complex(*b)) for a, b in pairs)
    turn = (p2 - p1) / (w2 - w1)
    shift = p1 - turn * w1
    return np.array(
        [
            [turn.real, -turn.imag, shift.real],
            [turn.imag, turn.real, shift.imag],
            [0.0, 0.0, 1.0],
        ]
    )


def _affine(pairs: list[tuple[Point, Point]]) -> npt.NDArray[np.float64]:
    """The least-squares affine transform taking each pair's first point to its second, as
    a 3 × 3 matrix."""
    source = np.array([[x, y, 1.0] for (x, y), _ in pairs], dtype=np.float64)
    target = np.array([point for _, point in pairs], dtype=np.float64)
    solution, *_rest = np.linalg.lstsq(source, target, rcond=None)
    return np.vstack([solution.T, [0.0, 0.0, 1.0]])


def _dark_mask(pixels: Gray) -> npt.NDArray[np.uint8]:
    """Pixels of solid ink (Otsu's threshold over the page, never above mid-grey)."""
    level, _mask = cv2.threshold(pixels, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    _level, mask = cv2.threshold(pixels, min(level, 128), 255, cv2.THRESH_BINARY_INV)
    return np.asarray(mask, dtype=np.uint8)


def _find_mark(
    dark: npt.NDArray[np.uint8],
    expected: tuple[float, float],
    mark: Rect,
    scale: float,
    page_width: int,
) -> tuple[float, float] | None:
    """The centre of the registration mark nearest `expected`: a solid blob of the mark's
    size in a window around it; None when there is none."""
    height, width = dark.shape
    reach = MARK_SEARCH * page_width + max(mark.width, mark.height) * scale
    x0, y0 = max(0, int(expected[0] - reach)), max(0, int(expected[1] - reach))
    x1, y1 = min(width, int(expected[0] + reach)), min(height, int(expected[1] + reach))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    want_w, want_h = mark.width * scale, mark.height * scale
    # an opening removes text and lines touching the mark, which would pull its centre
    side = max(3, int(min(want_w, want_h) * 0.4))
    kernel = np.ones((side, side), dtype=np.uint8)
    window = cv2.morphologyEx(dark[y0:y1, x0:x1], cv2.MORPH_OPEN, kernel)
    count, _labels, stats, centroids = cv2.connectedComponentsWithStats(window, connectivity=8)
    best: tuple[float, tuple[float, float]] | None = None
    for index in range(1, count):
        left, top, w, h, area = (int(value) for value in stats[index][:5])
        if left == 0 or top == 0 or left + w == x1 - x0 or top + h == y1 - y0:
            continue  # cut by the window's or the image's edge: its centre is not the mark's
        if not (0.75 * want_w <= w <= 1.3 * want_w and 0.75 * want_h <= h <= 1.3 * want_h):
            continue
        if area < 0.6 * w * h:
            continue
        cx, cy = float(centroids[index][0]) + x0, float(centroids[index][1]) + y0
        distance = (cx - expected[0]) ** 2 + (cy - expected[1]) ** 2
        if best is None or distance < best[0]:
            best = (distance, (cx, cy))
    return None if best is None else best[1]


def _plausible(
    transform: npt.NDArray[np.float64],
    layout: SheetLayout,
    qr_centre: tuple[float, float],
    scale: float,
    width: int,
) -> bool:
    """Whether the fitted transform is that of a flat page (nearly the same scale along both
    axes, little perspective) and puts the QR code where it was found."""
    points = np.array(
        [[[0.0, 0.0]], [[layout.page_width, 0.0]], [[0.0, layout.page_height]]], dtype=np.float64
    )
    mapped = cv2.perspectiveTransform(points, transform).reshape(3, 2)
    across = float(np.linalg.norm(mapped[1] - mapped[0])) / layout.page_width
    down = float(np.linalg.norm(mapped[2] - mapped[0])) / layout.page_height
    if not (0.5 * scale < across < 2.0 * scale) or abs(across / down - 1.0) > 0.06:
        return False
    centre = np.array([[list(layout.qr.centre)]], dtype=np.float64)
    qx, qy = cv2.perspectiveTransform(centre, transform).reshape(2)
    miss = ((qx - qr_centre[0]) ** 2 + (qy - qr_centre[1]) ** 2) ** 0.5
    return bool(miss <= FIT_TOLERANCE * width)


def _pixels(rect: Rect, inset: float = 0.0) -> PixelRect:
    x0 = round((rect.x + inset) * SCALE)
    y0 = round((rect.y + inset) * SCALE)
    x1 = round((rect.x + rect.width - inset) * SCALE)
    y1 = round((rect.y + rect.height - inset) * SCALE)
    return (x0, y0, max(1, x1 - x0), max(1, y1 - y0))


def _levels(image: Gray, layout: SheetLayout) -> tuple[float, float]:
    """The page's paper level (bright percentile) and ink level (inside the solid marks: the
    lightest of those on the scan)."""
    paper = float(np.percentile(image[::4, ::4], 90))
    inks = []
    for mark in layout.marks:
        inset = min(mark.width, mark.height) * 0.25
        x, y, w, h = _pixels(mark, inset)
        inks.append(float(np.median(image[y : y + h, x : x + w])))
    # a mark cut off the scan is paper here; the others are the page's ink
    dark = [ink for ink in inks if ink < paper - MIN_CONTRAST]
    return paper, max(dark) if dark else min(inks)


def _read_box(image: Gray, box: Box, levels: tuple[float, float]) -> BoxReading:
    outer = _pixels(box.rect)
    x, y, w, h = _pixels(box.rect, INNER_MARGIN)
    inner = image[y : y + h, x : x + w]
    inked = inner < levels[0]
    share = float(inked.mean()) if inked.size else 0.0
    solid = float((inner < levels[1]).mean()) if inked.size else 0.0
    sides = [image[sy : sy + sh, sx : sx + sw] for sx, sy, sw, sh in _sides(box.rect)]
    sides_solid = sum(1 for side in sides if side.size and (side < levels[1]).mean() >= 0.5)
    sides_clear = sum(1 for side in sides if side.size and (side < levels[0]).mean() < 0.25)
    state = box_state(share, solid, sides_solid, sides_clear, inked)
    return BoxReading(box, state, outer, round(share, 4), round(solid, 4))


def _sides(rect: Rect) -> list[PixelRect]:
    """Small zones inside the outline at the middle of each side of a box: a filled box is
    ink there, a tick or a cross (drawn corner to corner) leaves most of them paper."""
    depth, length = SIDE_ZONE
    near = INNER_MARGIN / 2
    mid_x, mid_y = rect.centre
    zones = (
        Rect(mid_x - length / 2, rect.y + near, length, depth),
        Rect(mid_x - length / 2, rect.y + rect.height - near - depth, length, depth),
        Rect(rect.x + near, mid_y - length / 2, depth, length),
        Rect(rect.x + rect.width - near - depth, mid_y - length / 2, depth, length),
    )
    return [_pixels(zone) for zone in zones]


def box_state(
    share: float,
    solid: float,
    sides_solid: int,
    sides_clear: int,
    inked: npt.NDArray[np.bool_],
) -> BoxState:
    """The state of a box: `share` of its inner pixels inked and `solid` of them solid ink,
    `sides_solid` of the four side zones solid and `sides_clear` paper; `inked` says which
    inner pixels are ink."""
    if share < EMPTY_BELOW:
        return BoxState.EMPTY
    if share >= COVERED_FROM and solid >= FILLED_FROM and sides_solid == 4:
        return BoxState.FILLED
    if share < MARK_FROM:
        return BoxState.UNCLEAR
    if solid < MARK_SOLID_UNTIL and share < COVERED_FROM:
        return _mark(inked)
    if sides_clear >= 2 and sides_solid == 0:
        # dense in the middle but open at two sides or more: a heavy tick or cross
        return _mark(inked)
    return BoxState.UNCLEAR


def _mark(inked: npt.NDArray[np.bool_]) -> BoxState:
    return BoxState.CROSSED if _is_cross(inked) else BoxState.TICKED


def _is_cross(inked: npt.NDArray[np.bool_]) -> bool:
    """Whether ink runs along both diagonals of the box (a cross; a tick follows one)."""
    height, width = inked.shape
    side = min(height, width)
    if side < 4:
        return False
    steps = np.arange(side)
    rows = steps * height // side
    cols = steps * width // side
    band = np.zeros(side, dtype=bool)
    back = np.zeros(side, dtype=bool)
    for offset in (-1, 0, 1):
        shifted = np.clip(cols + offset, 0, width - 1)
        band |= inked[rows, shifted]
        back |= inked[rows, width - 1 - shifted]
    return bool(band.mean() >= CROSS_DIAGONAL and back.mean() >= CROSS_DIAGONAL)


def _crop(image: Gray, area: WritingArea) -> AreaCrop:
    height, width = image.shape
    x, y, w, h = _pixels(area.rect, -CROP_PADDING)
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(width, x + w), min(height, y + h)
    crop = np.ascontiguousarray(image[y0:y1, x0:x1])
    return AreaCrop(area, (x0, y0, x1 - x0, y1 - y0), _png(crop))


def page_layouts(layout: SheetLayout) -> dict[int, PageLayout]:
    """The layout's pages by number."""
    return {page.number: page for page in layout.pages}
