"""Entry point of the window application: the one place that wires settings, database and GUI."""

from __future__ import annotations

import sys


def run_gui(database_url: str | None = None) -> int:
    """Start the application window; return the process exit code."""
    from app.gui.application import run

    return run(sys.argv[:1], database_url)
