"""Page machinery shared by both documents: paper sizes and a canvas that knows page totals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfgen.canvas import Canvas

from app.domain.vocabulary import Paper
from app.report.errors import ReportError

PAPER_SIZES: dict[str, tuple[float, float]] = {Paper.A4.lower(): A4, Paper.LETTER.lower(): LETTER}

PageDecorator = Callable[[Canvas, int, int], None]
"""Draws what needs the page number and total (footer) on a finished page."""


def page_size(paper: str) -> tuple[float, float]:
    """The size in points of paper "A4" or "Letter" (any letter case)."""
    try:
        return PAPER_SIZES[paper.strip().lower()]
    except KeyError:
        raise ReportError(f"unknown paper size {paper!r}; use A4 or Letter") from None


def totals_canvas(decorate: PageDecorator) -> Callable[..., Canvas]:
    """A canvas factory whose pages are finished only at save, once the total is known.

    Each page's drawing is kept until `save`; `decorate(canvas, page, pages)` then adds
    the footer to every page before it is written.
    """

    class _TotalsCanvas(Canvas):  # type: ignore[misc]  # reportlab is untyped
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            held = self._held_pages
            for number, state in enumerate(held, start=1):
                self.__dict__.update(state)
                decorate(self, number, len(held))
                Canvas.showPage(self)
            Canvas.save(self)

    return _TotalsCanvas
