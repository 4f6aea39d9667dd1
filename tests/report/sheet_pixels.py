"""Looking at a rendered sheet page where its layout says things are: boxes, marks, ink."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from app.domain.sheet_layout import Rect
from app.report.raster import render_pages

DPI = 150
SCALE = DPI / 72


def page_images(pdf: bytes, dpi: int = DPI) -> list[Any]:
    """Every page of `pdf` as a grey-scale image's pixel access, at `dpi`."""
    return [Image.open(io.BytesIO(png)).convert("L").load() for png in render_pages(pdf, dpi=dpi)]


def _px(value: float) -> int:
    return round(value * SCALE)


def outline_and_empty(pixels: Any, rect: Rect) -> bool:
    """Whether the page shows a dark outline on every side of `rect` and nothing inside."""
    left, top = _px(rect.x), _px(rect.y)
    right, bottom = _px(rect.x + rect.width), _px(rect.y + rect.height)
    span_x = range(left + 3, right - 2)
    span_y = range(top + 3, bottom - 2)
    sides = (
        [min(pixels[x, y] for y in range(top - 1, top + 2)) for x in span_x],
        [min(pixels[x, y] for y in range(bottom - 1, bottom + 2)) for x in span_x],
        [min(pixels[x, y] for x in range(left - 1, left + 2)) for y in span_y],
        [min(pixels[x, y] for x in range(right - 1, right + 2)) for y in span_y],
    )
    if any(max(side) > 140 for side in sides):
        return False
    return ink(pixels, rect, inset=2, threshold=200) == 0


def ink(pixels: Any, rect: Rect, inset: int = 3, threshold: int = 128) -> int:
    """How many pixels inside `rect` (`inset` pixels in from its edges) are dark."""
    left, top = _px(rect.x) + inset, _px(rect.y) + inset
    right, bottom = _px(rect.x + rect.width) - inset, _px(rect.y + rect.height) - inset
    return sum(
        1
        for x in range(left, right + 1)
        for y in range(top, bottom + 1)
        if pixels[x, y] < threshold
    )


def solid(pixels: Any, rect: Rect) -> bool:
    """Whether `rect` is filled dark (a registration mark)."""
    left, top = _px(rect.x) + 1, _px(rect.y) + 1
    right = max(_px(rect.x + rect.width) - 2, left)
    bottom = max(_px(rect.y + rect.height) - 2, top)
    return all(pixels[x, y] < 60 for x in range(left, right + 1) for y in range(top, bottom + 1))


def clear_around(pixels: Any, rect: Rect, margin: float) -> bool:
    """Whether the ring `margin` points wide around `rect` is white."""
    outer = Rect(
        rect.x - margin, rect.y - margin, rect.width + 2 * margin, rect.height + 2 * margin
    )
    left, top = _px(outer.x), _px(outer.y)
    right, bottom = _px(outer.x + outer.width), _px(outer.y + outer.height)
    inner_left, inner_top = _px(rect.x) - 2, _px(rect.y) - 2
    inner_right, inner_bottom = _px(rect.x + rect.width) + 2, _px(rect.y + rect.height) + 2
    for x in range(left, right + 1):
        for y in range(top, bottom + 1):
            inside = inner_left <= x <= inner_right and inner_top <= y <= inner_bottom
            if not inside and pixels[x, y] < 200:
                return False
    return True


def ink_around(pixels: Any, rect: Rect, near: int = 2, far: int = 3) -> int:
    """How many pixels of the ring `near` to `far` pixels outside `rect` are dark."""
    left, top = _px(rect.x), _px(rect.y)
    right, bottom = _px(rect.x + rect.width), _px(rect.y + rect.height)
    count = 0
    for x in range(left - far, right + far + 1):
        for y in range(top - far, bottom + far + 1):
            inner = left - near < x < right + near and top - near < y < bottom + near
            if not inner and pixels[x, y] < 128:
                count += 1
    return count
