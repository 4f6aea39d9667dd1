"""A start-up probe for measuring: `WORKUP_STARTUP_PROBE=1` makes the window print one line
and leave at the first paint of the encounter table holding rows.

The benchmarks time the installed bundle and the virtual environment with it alike (a
bundle cannot be instrumented from outside); nothing else sets the variable.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QTableView

ENVIRONMENT_VARIABLE = "WORKUP_STARTUP_PROBE"


def wanted() -> bool:
    """Whether the probe was asked for."""
    return os.environ.get(ENVIRONMENT_VARIABLE) == "1"


class _FirstPaint(QObject):
    """Reports once, at the first paint after which the table has rows."""

    def __init__(self, table: QTableView) -> None:
        super().__init__(table)
        self._table = table
        self._done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """On a paint with rows shown: print them and leave at once (teardown is not start-up)."""
        if not self._done and event.type() == QEvent.Type.Paint and self._table.model().rowCount():
            self._done = True
            QTimer.singleShot(0, self._report)
        return False

    def _report(self) -> None:
        sys.stdout.write(f"startup-probe rows={self._table.model().rowCount()}\n")
        sys.stdout.flush()
        os._exit(0)


def watch(table: QTableView) -> None:
    """Report the first paint of `table` holding rows."""
    table.viewport().installEventFilter(_FirstPaint(table))
