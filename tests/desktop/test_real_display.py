"""The application on a real X display (Xvfb, Qt's xcb platform), driven from outside.

The rest of the GUI suite runs offscreen in this process; these tests start new processes on
the display, so that nothing but the X server stands between the application and the test.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.config import load_settings, log_path, settings_path
from app.gui.application import DESKTOP_FILE_NAME
from tests.desktop.xdisplay import XDisplay

ROOT = Path(__file__).resolve().parents[2]
MAIN_TITLE = "^Ejaculatory Disorder Workup$"


def _workup_command() -> Path:
    command = Path(sys.executable).parent / "workup"
    assert command.is_file(), "the console script is installed with the project (pip install)"
    return command


def test_the_workup_command_shows_its_window_takes_keys_and_closes_cleanly(
    x_display: XDisplay, tmp_path: Path
) -> None:
    stdout, stderr = tmp_path / "stdout", tmp_path / "stderr"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [str(_workup_command())], env=x_display.environment(), stdout=out, stderr=err
        )
    try:
        # A first start asks for the clinic; Escape skips it, and it is not asked again.
        welcome = x_display.wait_window("^Welcome$")
        x_display.focus(welcome)
        x_display.keys("Escape")
        x_display.wait_gone(welcome)
        assert settings_path().exists()

        main = x_display.wait_window(MAIN_TITLE)
        properties = x_display.properties(main)
        assert "_NET_WM_ICON(CARDINAL) = \tIcon (16 x 16)" in properties
        assert f'_GTK_APPLICATION_ID(UTF8_STRING) = "{DESKTOP_FILE_NAME}"' in properties
        x_display.focus(main)
        x_display.keys("ctrl+n")
        dialog = x_display.wait_window("^New workup$")
        x_display.focus(dialog)
        before = x_display.pixels(dialog)
        x_display.type("Ivanov")
        assert x_display.pixels(dialog) != before, "the typed name did not reach the dialog"
        x_display.keys("Escape")
        x_display.wait_gone(dialog)
        assert process.poll() is None

        x_display.close(main)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    errors = stderr.read_text(encoding="utf-8", errors="replace")
    assert "Could not load the Qt platform plugin" not in errors
    assert "Traceback" not in errors
    assert load_settings().clinic_name == ""
    log = log_path().read_text(encoding="utf-8") if log_path().exists() else ""
    assert " ERROR " not in log


def test_a_second_start_goes_straight_to_the_window(x_display: XDisplay) -> None:
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text('{"clinic_name": "Clinic"}', encoding="utf-8")
    process = subprocess.Popen(
        [str(_workup_command())],
        env=x_display.environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        main = x_display.wait_window(MAIN_TITLE)
        assert x_display.windows("^Welcome$") == []
        x_display.close(main)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_end_to_end_workup_passes_on_xcb(x_display: XDisplay) -> None:
    """New patient to finalized (tests/gui/test_workup.py) with Qt drawing on the X server."""
    environment = x_display.environment()
    environment["QT_QPA_PLATFORM"] = "xcb"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.desktop.xcb_only",
            "-p",
            "no:cacheprovider",
            "-q",
            "tests/gui/test_workup.py::test_complete_workup_from_new_patient_to_finalized",
            "tests/gui/test_workup.py::test_finalized_encounter_cannot_be_edited_until_amended",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]
    assert "2 passed" in completed.stdout


def test_the_start_up_probe_reports_the_populated_list_on_xcb(
    x_display: XDisplay, tmp_path: Path
) -> None:
    """The benchmarks' probe (WORKUP_STARTUP_PROBE=1) prints the rows shown, then leaves."""
    url = f"sqlite:///{tmp_path / 'probe.sqlite3'}"
    made = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "demo.py"), str(tmp_path / "demo")],
        capture_output=True,
        check=True,
    )
    assert made.returncode == 0
    imported = subprocess.run(
        [
            str(_workup_command()),
            "--database-url",
            url,
            "encounters",
            "import",
            str(tmp_path / "demo" / "demo-encounter.json"),
        ],
        capture_output=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text("{}", encoding="utf-8")
    environment = x_display.environment()
    environment["WORKUP_STARTUP_PROBE"] = "1"
    completed = subprocess.run(
        [str(_workup_command()), "gui", "--database-url", url],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "startup-probe rows=1\n"
