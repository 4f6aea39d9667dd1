"""Every shared library the Qt plugins we use need is installed (ldd finds each one)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import PySide6
import pytest

PLUGINS = Path(PySide6.__file__).resolve().parent / "Qt" / "plugins"

USED_PLUGIN_FOLDERS = (
    "platforms",  # xcb (X11), wayland, offscreen and the rest Qt may be asked for
    "xcbglintegrations",
    "wayland-decoration-client",
    "wayland-graphics-integration-client",
    "wayland-shell-integration",
    "platformthemes",
    "platforminputcontexts",
    "imageformats",
    "iconengines",
    "printsupport",
)
NOT_USED = {
    # Qt PDF is not part of PySide6-Essentials; the application renders PDFs with poppler.
    "imageformats/libqpdf.so",
    # GTK's own theme: loaded only on a GTK desktop, and Qt falls back to its own look
    # when GTK is absent; the application sets the Fusion style regardless.
    "platformthemes/libqgtk3.so",
    # The on-screen keyboard needs Qt Virtual Keyboard (PySide6-Addons), which is not used.
    "platforminputcontexts/libqtvirtualkeyboardplugin.so",
}


def _plugins() -> list[Path]:
    return [
        path
        for folder in USED_PLUGIN_FOLDERS
        for path in sorted((PLUGINS / folder).glob("*.so"))
        if f"{folder}/{path.name}" not in NOT_USED
    ]


def test_the_plugins_we_use_are_there() -> None:
    names = {path.name for path in _plugins()}
    assert {"libqxcb.so", "libqwayland.so", "libqoffscreen.so", "libqsvg.so"} <= names


@pytest.mark.parametrize("plugin", _plugins(), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_library_of_the_plugin_is_found(plugin: Path) -> None:
    ldd = shutil.which("ldd")
    assert ldd is not None
    completed = subprocess.run(
        [ldd, str(plugin)], capture_output=True, text=True, check=False, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    missing = [line.strip() for line in completed.stdout.splitlines() if "not found" in line]
    assert missing == [], "run tools/install-system-deps.sh"
