"""Helpers shared by the GUI tests (imported directly; fixtures stay in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from PySide6.QtWidgets import QMessageBox

from app.gui.application import apply_look
from tests.support import WORKFLOW_ID as WORKFLOW_ID

CLINICIAN = "Dr. Test"


class Clock:
    """A fixed clock for the service."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Messages:
    """Message boxes the code under test tried to show."""

    shown: list[tuple[str, str, str]] = field(default_factory=list)
    answer: QMessageBox.StandardButton = QMessageBox.StandardButton.Yes

    def kinds(self) -> list[str]:
        """The kinds shown, in order."""
        return [kind for kind, _title, _text in self.shown]


_LOOK: list[bool] = []


def apply_look_once() -> None:
    """Apply our style once per session (as the application does at start)."""
    from PySide6.QtWidgets import QApplication

    application = QApplication.instance()
    if not _LOOK and isinstance(application, QApplication):
        apply_look(application)
        _LOOK.append(True)
