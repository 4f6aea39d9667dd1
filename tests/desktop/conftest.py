"""A real X display (Xvfb) for the tests that run the application on the xcb platform."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.desktop.xdisplay import XDisplay


@pytest.fixture(scope="session")
def x_display() -> Iterator[XDisplay]:
    """An Xvfb server of our own, 1280x900, 24-bit, not listening on TCP.

    Xvfb is installed by tools/install-system-deps.sh; without it the tests fail (they are
    the only check that the application opens on a real display).
    """
    if shutil.which("Xvfb") is None or shutil.which("xdotool") is None:
        pytest.fail("Xvfb and xdotool are needed; run tools/install-system-deps.sh")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        number = _read_display_number(read_end, server)
        yield XDisplay(f":{number}")
    finally:
        os.close(read_end)
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _read_display_number(read_end: int, server: subprocess.Popen[bytes]) -> int:
    """The display number Xvfb writes to its -displayfd pipe once it accepts clients."""
    deadline = time.monotonic() + 30
    text = b""
    os.set_blocking(read_end, False)
    while time.monotonic() < deadline:
        try:
            chunk = os.read(read_end, 64)
        except BlockingIOError:
            chunk = b""
        text += chunk
        if text.endswith(b"\n"):
            return int(text)
        if server.poll() is not None:
            pytest.fail(f"Xvfb stopped at start-up with status {server.returncode}")
        time.sleep(0.05)
    pytest.fail("Xvfb did not report its display within 30 s")
