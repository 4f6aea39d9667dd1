"""Helpers shared by tests (imported directly; fixtures stay in the conftest files)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.gui.autosave import AutoSaver


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
