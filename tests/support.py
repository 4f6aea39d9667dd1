"""Helpers shared by tests (imported directly; fixtures stay in the conftest files)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.gui.autosave import AutoSaver

WORKFLOW_ID = "retrograde_ejaculation"


class FixedClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def pdf_pages(data: bytes) -> list[str]:
    """The extracted text of every page of a PDF."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return [page.extract_text() or "" for page in reader.pages]


def flat(text: str) -> str:
    """`text` with every run of whitespace turned into one space."""
    return " ".join(text.split())


def wait_until_saved(saver: AutoSaver, rounds: int = 20) -> None:
    """Wait until the autosaver's worker thread has stored everything it was given and its
    reports were delivered (a flush asked for while another ran starts after it)."""
    from PySide6.QtCore import QCoreApplication

    for _ in range(rounds):
        saver.wait_idle()
        QCoreApplication.processEvents()
        if not saver.busy:
            return
    raise AssertionError("the autosaver did not come to rest")
