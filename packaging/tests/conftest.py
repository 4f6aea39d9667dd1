"""Fixtures for the package tests: the built .deb, unpacked into a scratch root, and a display."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.desktop.xdisplay import XDisplay, xvfb

DIST = Path(__file__).resolve().parents[2] / "dist"


@pytest.fixture(scope="session")
def deb_file() -> Path:
    """The package `make deb` built (WORKUP_DEB names another)."""
    named = os.environ.get("WORKUP_DEB")
    if named:
        return Path(named)
    built = sorted(DIST.glob("ejaculatory-disorder-workup_*.deb"), key=lambda p: p.stat().st_mtime)
    if not built:
        pytest.fail("no package in dist/; run 'make deb'")
    return built[-1]


@pytest.fixture(scope="session")
def scratch_root(deb_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package's files unpacked (`dpkg -x`) into an empty folder."""
    root = tmp_path_factory.mktemp("root")
    subprocess.run(["dpkg", "-x", str(deb_file), str(root)], check=True, timeout=300)
    return root


@pytest.fixture(scope="session")
def x_display() -> Iterator[XDisplay]:
    """An Xvfb server of the test session's own."""
    with xvfb() as display:
        yield display
