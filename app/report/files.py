"""Writing a finished PDF to disk without ever leaving a partial file behind."""

from __future__ import annotations

from pathlib import Path

from app.fileio import FileWriteError, write_atomically
from app.report.errors import ReportWriteError


def write_pdf_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temporary file in the same folder and `os.replace`.

    Either the complete file appears under `path` or nothing changes there; on failure
    `ReportWriteError` names the path and what to do.
    """
    try:
        write_atomically(Path(path), data)
    except FileWriteError as error:
        raise ReportWriteError(str(error)) from error
