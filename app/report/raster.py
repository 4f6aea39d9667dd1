"""Rendering the pages of a finished PDF to images, so printing shows exactly those pages."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from app.report.errors import ReportError

RENDERER = "pdftoppm"


def render_pages(data: bytes, dpi: int = 300, timeout: float = 120.0) -> list[bytes]:
    """Every page of the PDF `data` as PNG bytes at `dpi`, in page order."""
    program = shutil.which(RENDERER)
    if program is None:
        raise ReportError(
            f"cannot prepare pages for printing: {RENDERER} (Debian package poppler-utils) "
            "is not installed; export the PDF and print it instead"
        )
    with tempfile.TemporaryDirectory(prefix="workup-print-") as folder:
        source = Path(folder) / "document.pdf"
        source.write_bytes(data)
        try:
            subprocess.run(
                [program, "-r", str(dpi), "-png", str(source), str(Path(folder) / "page")],
                check=True,
                capture_output=True,
                timeout=timeout,
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise ReportError(f"cannot prepare pages for printing: {error}") from error
        pages = sorted(
            Path(folder).glob("page-*.png"), key=lambda page: int(page.stem.rsplit("-", 1)[1])
        )
        return [page.read_bytes() for page in pages]
