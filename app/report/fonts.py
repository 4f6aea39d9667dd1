"""The shipped DejaVu Sans fonts: locating them and registering them once per process."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from app.fileio import package_dir
from app.report.errors import ReportError
from app.report.text import REPLACEMENT

REGULAR_FILE = "DejaVuSans.ttf"
BOLD_FILE = "DejaVuSans-Bold.ttf"
REGULAR = "WorkupSans"
BOLD = "WorkupSans-Bold"


class Fonts(NamedTuple):
    """The registered font names and the characters each face maps to a glyph."""

    regular: str
    bold: str
    glyphs: tuple[Mapping[int, int], ...]

    def can_draw(self, code: int) -> bool:
        """Whether every face draws the character `code` (within the Basic Multilingual
        Plane: reportlab writes a malformed text map for characters beyond it)."""
        return 0 < code <= 0xFFFF and all(code in faces for faces in self.glyphs)

    def printable(self, text: str) -> str:
        """`text` with characters the fonts cannot draw (or encode) replaced by U+FFFD."""
        can_draw = self.can_draw
        if all(can_draw(ord(char)) for char in text):
            return text
        return "".join(
            char if char == "\n" or can_draw(ord(char)) else REPLACEMENT for char in text
        )

    def width(self, text: str, size: float, bold: bool = False) -> float:
        """The printed width of `text` in points."""
        name = self.bold if bold else self.regular
        return float(pdfmetrics.stringWidth(text, name, size))


def default_fonts_dir() -> Path:
    """The installed `app.resources/fonts` folder, or the source tree's `resources/fonts`."""
    source_tree = Path(__file__).resolve().parents[2] / "resources"
    return package_dir("app.resources", source_tree) / "fonts"


_lock = threading.Lock()
_registered: list[Fonts] = []


def ensure_fonts(fonts_dir: Path | None = None) -> Fonts:
    """Register the fonts with reportlab (first call only) and return their names."""
    with _lock:
        if _registered:
            return _registered[0]
        folder = fonts_dir or default_fonts_dir()
        try:
            regular = TTFont(REGULAR, str(folder / REGULAR_FILE))
            bold = TTFont(BOLD, str(folder / BOLD_FILE))
        except (OSError, TTFError) as error:
            raise ReportError(
                f"cannot load the report fonts from {folder}: {error}; reinstall the application"
            ) from error
        pdfmetrics.registerFont(regular)
        pdfmetrics.registerFont(bold)
        addMapping(REGULAR, 0, 0, REGULAR)
        addMapping(REGULAR, 1, 0, BOLD)
        addMapping(REGULAR, 0, 1, REGULAR)
        addMapping(REGULAR, 1, 1, BOLD)
        fonts = Fonts(REGULAR, BOLD, (regular.face.charToGlyph, bold.face.charToGlyph))
        _registered.append(fonts)
        return fonts
