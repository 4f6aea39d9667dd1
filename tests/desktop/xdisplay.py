"""Driving windows on an X display from outside the application, as a person and a desktop do.

xdotool finds windows and types (through the XTEST extension, like a keyboard); ImageMagick's
`import` reads what the X server shows; closing sends WM_DELETE_WINDOW, as a window manager's
close button does.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

_CLIENT_MESSAGE = 33
_NO_EVENT_MASK = 0


class _ClientMessage(ctypes.Structure):
    _fields_ = (
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", ctypes.c_ulong),
        ("message_type", ctypes.c_ulong),
        ("format", ctypes.c_int),
        ("data", ctypes.c_long * 5),
    )


class _Event(ctypes.Union):
    _fields_ = (("client", _ClientMessage), ("pad", ctypes.c_long * 24))


class XDisplay:
    """One X display, addressed by name (":99")."""

    def __init__(self, name: str) -> None:
        self.name = name

    def environment(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """`base` (default: this process's) on this display, with no Qt platform forced."""
        environment = dict(os.environ if base is None else base)
        environment.pop("QT_QPA_PLATFORM", None)
        environment["DISPLAY"] = self.name
        return environment

    def xdotool(self, *arguments: str) -> str:
        """Run one xdotool command on this display; its output."""
        completed = subprocess.run(
            ["xdotool", *arguments],
            capture_output=True,
            text=True,
            env=self.environment(),
            timeout=30,
            check=False,
        )
        return completed.stdout

    def windows(self, name: str) -> list[int]:
        """The visible windows whose title matches the regular expression `name`."""
        found = self.xdotool("search", "--onlyvisible", "--name", name)
        return [int(line) for line in found.split()]

    def wait_window(self, name: str, timeout: float = 60) -> int:
        """The first visible window titled `name`, waiting for it to appear."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.windows(name)
            if found:
                return found[0]
            time.sleep(0.1)
        raise AssertionError(f"no window titled {name!r} appeared within {timeout:.0f} s")

    def wait_gone(self, window: int, timeout: float = 30) -> None:
        """Wait until `window` is no longer shown."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if window not in self.windows("."):
                return
            time.sleep(0.1)
        raise AssertionError(f"window {window} still shown after {timeout:.0f} s")

    def focus(self, window: int) -> None:
        """Give `window` the keyboard focus."""
        self.xdotool("windowfocus", "--sync", str(window))

    def keys(self, *keys: str) -> None:
        """Press keys as a keyboard would ("ctrl+n", "Escape")."""
        self.xdotool("key", "--delay", "50", *keys)

    def type(self, text: str) -> None:
        """Type text as a keyboard would."""
        self.xdotool("type", "--delay", "30", text)

    def properties(self, window: int) -> str:
        """The X properties of `window` as xprop prints them (title, class, icon, app id)."""
        completed = subprocess.run(
            ["xprop", "-id", str(window)],
            capture_output=True,
            text=True,
            env=self.environment(),
            timeout=30,
            check=True,
        )
        return completed.stdout

    def pixels(self, window: int) -> bytes:
        """What the X server shows of `window`, as raw RGB bytes."""
        completed = subprocess.run(
            ["import", "-window", str(window), "-depth", "8", "rgb:-"],
            capture_output=True,
            env=self.environment(),
            timeout=60,
            check=True,
        )
        return completed.stdout

    def screenshot(self, path: Path, window: str = "root") -> Path:
        """The screen (or one window) as a PNG file, read from the X server."""
        subprocess.run(
            ["import", "-window", window, str(path)],
            capture_output=True,
            env=self.environment(),
            timeout=60,
            check=True,
        )
        return path

    def close(self, window: int) -> None:
        """Ask `window` to close, as a window manager's close button does (WM_DELETE_WINDOW)."""
        library = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
        library.XOpenDisplay.restype = ctypes.c_void_p
        library.XOpenDisplay.argtypes = (ctypes.c_char_p,)
        library.XInternAtom.restype = ctypes.c_ulong
        library.XInternAtom.argtypes = (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int)
        library.XSendEvent.argtypes = (
            ctypes.c_void_p,
            ctypes.c_ulong,
            ctypes.c_int,
            ctypes.c_long,
            ctypes.POINTER(_Event),
        )
        library.XFlush.argtypes = (ctypes.c_void_p,)
        library.XCloseDisplay.argtypes = (ctypes.c_void_p,)
        display = library.XOpenDisplay(self.name.encode())
        if not display:
            raise AssertionError(f"cannot open X display {self.name}")
        try:
            event = _Event()
            event.client.type = _CLIENT_MESSAGE
            event.client.window = window
            event.client.message_type = library.XInternAtom(display, b"WM_PROTOCOLS", 0)
            event.client.format = 32
            event.client.data[0] = library.XInternAtom(display, b"WM_DELETE_WINDOW", 0)
            event.client.data[1] = 0  # CurrentTime
            if not library.XSendEvent(display, window, 0, _NO_EVENT_MASK, ctypes.byref(event)):
                raise AssertionError("the close request could not be sent")
            library.XFlush(display)
        finally:
            library.XCloseDisplay(display)


@contextmanager
def xvfb() -> Iterator[XDisplay]:
    """An Xvfb server of our own, 1280x900, 24-bit, not listening on TCP; stopped afterwards.

    Xvfb and xdotool are installed by tools/install-system-deps.sh; without them this fails
    (these tests are the only check that the application opens on a real display).
    """
    if shutil.which("Xvfb") is None or shutil.which("xdotool") is None:
        raise AssertionError("Xvfb and xdotool are needed; run tools/install-system-deps.sh")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        yield XDisplay(f":{_display_number(read_end, server)}")
    finally:
        os.close(read_end)
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _display_number(read_end: int, server: subprocess.Popen[bytes]) -> int:
    """The display number Xvfb writes to its -displayfd pipe once it accepts clients."""
    deadline = time.monotonic() + 30
    text = b""
    os.set_blocking(read_end, False)
    while time.monotonic() < deadline:
        with suppress(BlockingIOError):
            text += os.read(read_end, 64)
        if text.endswith(b"\n"):
            return int(text)
        if server.poll() is not None:
            raise AssertionError(f"Xvfb stopped at start-up with status {server.returncode}")
        time.sleep(0.05)
    raise AssertionError("Xvfb did not report its display within 30 s")
