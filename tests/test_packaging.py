"""A non-editable install finds its workflows, fonts, translations and migrations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project installed (not editable) into a folder of its own."""
    target = tmp_path_factory.mktemp("installed")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    return target


def _run_installed(installed: Path, tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    environment = dict(
        os.environ,
        PYTHONPATH=str(installed),
        WORKUP_DATA_DIR=str(tmp_path / "data"),
        WORKUP_CONFIG_DIR=str(tmp_path / "config"),
    )
    return subprocess.run(
        [sys.executable, "-c", "import sys; from app.cli import main; main(sys.argv[1:])", *argv],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env=environment,
    )


def test_the_installed_package_holds_its_data(installed: Path) -> None:
    package = installed / "app"
    assert (package / "shipped_workflows" / "retrograde_ejaculation.toml").is_file()
    assert (package / "resources" / "fonts" / "DejaVuSans.ttf").is_file()
    assert (package / "resources" / "fonts" / "LICENSE-DejaVu.txt").is_file()
    assert (package / "resources" / "translations" / "workup_ru.qm").is_file()
    assert (package / "storage" / "migrations" / "env.py").is_file()
    assert list((package / "storage" / "migrations" / "versions").glob("0001_*.py"))


def test_the_installed_package_runs_from_elsewhere(installed: Path, tmp_path: Path) -> None:
    listed = _run_installed(installed, tmp_path, "workflows", "list")
    assert listed.returncode == 0, listed.stderr
    assert str(installed / "app" / "shipped_workflows") in listed.stdout
    upgraded = _run_installed(installed, tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    sheet = tmp_path / "sheet.pdf"
    made = _run_installed(
        installed, tmp_path, "sheet", "retrograde_ejaculation", "--out", str(sheet)
    )
    assert made.returncode == 0, made.stderr
    assert sheet.read_bytes().startswith(b"%PDF")
