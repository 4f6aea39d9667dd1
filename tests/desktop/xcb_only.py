"""A pytest plugin for GUI tests run on a real display: every test checks Qt is on xcb."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication


@pytest.fixture(autouse=True)
def _on_xcb(qapp: QApplication) -> None:
    """The test's QApplication draws on the X server, not offscreen."""
    assert QGuiApplication.platformName() == "xcb"
