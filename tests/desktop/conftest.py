"""A real X display (Xvfb) for the tests that run the application on the xcb platform."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.desktop.xdisplay import XDisplay, xvfb


@pytest.fixture(scope="session")
def x_display() -> Iterator[XDisplay]:
    """An Xvfb server of the test session's own."""
    with xvfb() as display:
        yield display
