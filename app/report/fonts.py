"""The shipped DejaVu Sans fonts: locating them and registering them once per process."""

from __future__ import annotations

import threading
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
    """The registered font names and the characters the regular face can draw."""

    regular: str
    bold: str
    covered: frozenset[int]

    def printable(self, text: str) -> str:
        """`text` with characters the font cannot draw (or encode) replaced by U+FFFD.

        Characters beyond the Basic Multilingual Plane are replaced too: reportlab writes
        a malformed text map for them, which breaks copying text out of the PDF.
        """
        covered = self.covered
        if all(ord(char) in covered for char in text):
            return text
        return "".join(
            char if ord(char) in covered or char == "\n" else REPLACEMENT for char in text
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
        covered = _coverage(regular, bold)
        fonts = Fonts(REGULAR, BOLD, covered)
        _registered.append(fonts)
        return fonts


def _coverage(*faces: TTFont) -> frozenset[int]:
    """Code points every face maps to a glyph, limited to the Basic Multilingual Plane."""
    sets = [set(face.face.charToGlyph) for face in faces]
    common = set.intersection(*sets)
    return frozenset(code for code in common if code <= 0xFFFF and code != 0)
