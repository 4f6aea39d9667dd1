"""The Debian package, unpacked into a scratch root and run from an empty environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.desktop.xdisplay import XDisplay

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "ejaculatory-disorder-workup"
APP_ID = "org.ejaculatory_disorder_workup.Workup"
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def bare_environment(home: Path, **extra: str) -> dict[str, str]:
    """What `env -i` leaves, plus a home and the system's PATH (no virtual environment)."""
    return {"HOME": str(home), "PATH": "/usr/bin:/bin", **extra}


def _run(
    command: Path | str, home: Path, *argv: str, display: str | None = None
) -> subprocess.CompletedProcess[str]:
    extra = {"DISPLAY": display} if display else {}
    return subprocess.run(
        [str(command), *argv],
        capture_output=True,
        text=True,
        env=bare_environment(home, **extra),
        cwd=home,
        timeout=300,
        check=False,
    )


def _workup(root: Path) -> Path:
    command = root / "usr" / "bin" / "workup"
    assert command.is_symlink()
    assert command.resolve() == root / "opt" / PACKAGE / "workup"
    return command


def _pages(pdf: Path) -> int:
    return len(PdfReader(pdf).pages)


def test_the_package_declares_itself(deb_file: Path) -> None:
    fields = subprocess.run(
        ["dpkg-deb", "-f", str(deb_file), "Package", "Architecture", "Depends"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"Package: {PACKAGE}" in fields
    assert "Depends: libc6" in fields


def test_the_desktop_entry_icons_and_metadata_are_installed_and_valid(scratch_root: Path) -> None:
    share = scratch_root / "usr" / "share"
    desktop = share / "applications" / f"{APP_ID}.desktop"
    metainfo = share / "metainfo" / f"{APP_ID}.metainfo.xml"
    assert subprocess.run(["desktop-file-validate", str(desktop)], check=False).returncode == 0
    validated = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(metainfo)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert validated.returncode == 0, validated.stdout
    entry = desktop.read_text(encoding="utf-8")
    assert "Exec=workup gui" in entry
    assert f"Icon={APP_ID}" in entry
    for size in ICON_SIZES:
        assert (share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()


def test_workflows_list_reads_the_bundled_workflow(scratch_root: Path, tmp_path: Path) -> None:
    completed = _run(_workup(scratch_root), tmp_path, "workflows", "list")
    assert completed.returncode == 0, completed.stderr
    workflow_id, _version, _title, source = completed.stdout.splitlines()[0].split("\t")
    assert workflow_id == "retrograde_ejaculation"
    assert Path(source).is_relative_to(scratch_root / "opt" / PACKAGE)
    assert completed.stderr == ""


def test_the_blank_sheet_has_the_pages_of_the_source_build(
    scratch_root: Path, tmp_path: Path
) -> None:
    completed = _run(
        _workup(scratch_root), tmp_path, "sheet", "retrograde_ejaculation", "--out", "sheet.pdf"
    )
    assert completed.returncode == 0, completed.stderr
    reference = tmp_path / "reference.pdf"
    subprocess.run(
        [sys.executable, "-m", "app", "sheet", "retrograde_ejaculation", "--out", str(reference)],
        check=True,
        capture_output=True,
        env=dict(os.environ, WORKUP_DATA_DIR=str(tmp_path / "reference-data")),
    )
    assert _pages(tmp_path / "sheet.pdf") == _pages(reference) >= 2


def test_an_imported_encounter_exports_from_the_package(scratch_root: Path, tmp_path: Path) -> None:
    made = tmp_path / "made"
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "demo.py"), str(made)],
        check=True,
        capture_output=True,
        env=dict(os.environ, WORKUP_DATA_DIR=str(tmp_path / "demo-data")),
    )
    home = tmp_path / "home"
    home.mkdir()
    workup = _workup(scratch_root)
    imported = _run(workup, home, "encounters", "import", str(made / "demo-encounter.json"))
    assert imported.returncode == 0, imported.stderr
    encounter_id = imported.stdout.strip()
    exported = _run(workup, home, "export", encounter_id, "--out", "summary.pdf")
    assert exported.returncode == 0, exported.stderr
    assert _pages(home / "summary.pdf") == _pages(made / "demo-summary.pdf")
    text = "".join(page.extract_text() for page in PdfReader(home / "summary.pdf").pages)
    assert "Hardly any fluid at orgasm for a year." in text
    database = home / ".local" / "share" / PACKAGE / "workup.sqlite3"
    assert database.is_file()
    checked = _run(workup, home, "db", "check")
    assert checked.returncode == 0, checked.stderr


def test_the_window_opens_on_xcb_and_closes_cleanly(
    scratch_root: Path, tmp_path: Path, x_display: XDisplay
) -> None:
    process = subprocess.Popen(
        [str(_workup(scratch_root))],
        env=bare_environment(tmp_path, DISPLAY=x_display.name),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        welcome = x_display.wait_window("^Welcome$")
        x_display.focus(welcome)
        x_display.keys("Escape")
        x_display.wait_gone(welcome)
        main = x_display.wait_window("^Ejaculatory Disorder Workup$")
        x_display.screenshot(tmp_path / "installed-window.png")
        x_display.close(main)
        _out, errors = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, errors
    assert errors == ""
    assert (tmp_path / ".config" / PACKAGE / "settings.json").is_file()


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("apt-get") is None,
    reason="installing a package system-wide needs root and apt",
)
def test_apt_installs_and_removes_it_and_the_user_data_stays(
    deb_file: Path, tmp_path: Path
) -> None:
    environment = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", str(deb_file.resolve())],
        check=True,
        capture_output=True,
        env=environment,
        timeout=600,
    )
    try:
        assert shutil.which("workup", path="/usr/bin") == "/usr/bin/workup"
        assert Path(f"/usr/share/applications/{APP_ID}.desktop").is_file()
        created = _run("/usr/bin/workup", tmp_path, "db", "upgrade")
        assert created.returncode == 0, created.stderr
    finally:
        subprocess.run(
            ["apt-get", "remove", "-y", "-qq", PACKAGE],
            check=True,
            capture_output=True,
            env=environment,
            timeout=600,
        )
    assert not Path("/usr/bin/workup").exists()
    assert not Path(f"/opt/{PACKAGE}").exists()
    assert (tmp_path / ".local" / "share" / PACKAGE / "workup.sqlite3").is_file()
