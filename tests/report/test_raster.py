"""Page images for printing: one PNG per PDF page, in order."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from app.report import raster
from app.report.errors import ReportError
from app.report.raster import render_pages


def test_every_page_becomes_an_image() -> None:
    from io import BytesIO

    from reportlab.pdfgen.canvas import Canvas

    buffer = BytesIO()
    canvas = Canvas(buffer)
    for number in range(3):
        canvas.drawString(100, 700, f"page {number + 1}")
        canvas.showPage()
    canvas.save()
    data = buffer.getvalue()
    pages = render_pages(data, dpi=30)
    assert len(pages) == len(PdfReader(BytesIO(data)).pages) == 3
    assert all(page.startswith(b"\x89PNG") for page in pages)


def test_a_missing_renderer_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(raster, "RENDERER", "no-such-renderer-program")
    with pytest.raises(ReportError, match="poppler-utils"):
        render_pages(b"%PDF-1.4")


def test_a_broken_pdf_is_a_clear_error() -> None:
    with pytest.raises(ReportError, match="cannot prepare pages for printing"):
        render_pages(b"not a pdf at all")
