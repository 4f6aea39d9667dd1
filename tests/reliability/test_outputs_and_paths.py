"""Outputs never replace what is not a writable file, stop cleanly on SIGTERM, and stay private;
odd paths and dates give one line, never an internal error."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.catalog.loader import Catalog
from app.config import Settings, setup_logging
from app.services import WorkupService
from tests.support import FixedClock

WORKFLOW_ID = "retrograde_ejaculation"


def _workup(
    url: str, *argv: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "--database-url", url, *argv],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env,
        timeout=300,
    )


@pytest.fixture
def recorded(tmp_path: Path, shipped_catalog: Catalog, clock: FixedClock) -> str:
    """A database with one finalized encounter (id 1); its URL."""
    url = f"sqlite:///{tmp_path / 'workup.sqlite3'}"
    service = WorkupService.open(Settings(), url, clock=clock, catalog=shipped_catalog)
    patient = service.create_patient("Ivanov", "Pavel", date(1980, 5, 1), "C-1")
    assert patient.id is not None
    encounter = service.start_encounter(patient.id, WORKFLOW_ID, "Dr. A")
    assert encounter.id == 1
    service.set_answer(1, "visit_main_complaint", "Dry orgasm", "Dr. A")
    service.finalize(1, "Dr. A")
    service.close()
    return url


@pytest.mark.parametrize("command", [["export", "1"], ["encounters", "export", "1"]])
def test_out_refuses_a_pipe_a_device_and_a_read_only_file(
    recorded: str, tmp_path: Path, command: list[str]
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    device = tmp_path / "device"
    device.symlink_to("/dev/null")
    read_only = tmp_path / "kept.pdf"
    read_only.write_bytes(b"the clinic's own file")
    read_only.chmod(0o444)
    for target, words in (
        (fifo, "device, pipe or socket"),
        (device, "device, pipe or socket"),
        (read_only, "read-only"),
    ):
        completed = _workup(recorded, *command, "--out", str(target))
        assert completed.returncode == 1
        assert completed.stderr.count("\n") == 1
        assert words in completed.stderr
        assert str(target) in completed.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert device.is_symlink()
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)
    assert read_only.read_bytes() == b"the clinic's own file"


def test_sigterm_during_a_batch_export_leaves_only_complete_files(
    tmp_path: Path, shipped_catalog: Catalog, clock: FixedClock
) -> None:
    url = f"sqlite:///{tmp_path / 'many.sqlite3'}"
    service = WorkupService.open(Settings(), url, clock=clock, catalog=shipped_catalog)
    for number in range(60):
        patient = service.create_patient(f"F{number}", "G", date(1980, 1, 1), f"C{number}")
        assert patient.id is not None
        service.start_encounter(patient.id, WORKFLOW_ID, "Dr. A")
    service.close()
    out = tmp_path / "pdfs"
    out.mkdir()
    command = ["export", "--all", "--jobs", "2", "--out", str(out)]
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "--database-url", url, *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a service manager would stop it
    )
    deadline = time.monotonic() + 120
    while not list(out.glob("*.pdf")) and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGTERM)
    _out, errors = process.communicate(timeout=120)
    assert process.returncode == 143, errors
    assert "stopped (SIGTERM)" in errors
    leftovers = [path.name for path in out.iterdir() if not path.name.endswith(".pdf")]
    assert leftovers == []
    written = list(out.glob("*.pdf"))
    assert 1 <= len(written) < 60
    for pdf in written:
        assert len(PdfReader(pdf).pages) >= 1


def test_a_damaged_database_gets_no_wal_files(tmp_path: Path, recorded: str) -> None:
    live = tmp_path / "workup.sqlite3"
    data = live.read_bytes()
    live.write_bytes(data[:8192] + b"\xff" * 8192 + data[16384:])
    before = live.read_bytes()
    for command in (["db", "check"], ["encounters", "list"], ["export", "1", "--out", "x.pdf"]):
        completed = _workup(recorded, *command, cwd=tmp_path)
        assert completed.returncode == 1
        assert "internal error" not in completed.stderr
    assert sorted(path.name for path in tmp_path.glob("workup.sqlite3*")) == ["workup.sqlite3"]
    assert live.read_bytes() == before


def test_odd_searches_and_paths_give_one_line(recorded: str, tmp_path: Path) -> None:
    found = _workup(recorded, "encounters", "list", "--search", "9999-12-31")
    assert found.returncode == 0, found.stderr
    for url, words in (
        (f"sqlite:///{tmp_path}/a%00b.sqlite3", "NUL"),
        (f"sqlite:///{tmp_path}/{'x' * 5000}.sqlite3", "not a usable database path"),
    ):
        completed = _workup(url, "encounters", "list")
        assert completed.returncode == 1
        assert completed.stderr.count("\n") == 1
        assert words in completed.stderr
        assert "internal error" not in completed.stderr


def test_the_data_folder_log_and_exports_are_private(
    tmp_path: Path, recorded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "new" / "deeper" / "data"
    environment = dict(os.environ, WORKUP_DATA_DIR=str(data))
    listed = _workup(recorded, "workflows", "list", env=environment)
    assert listed.returncode == 0, listed.stderr
    exported = _workup(
        recorded, "encounters", "export", "1", "--out", str(tmp_path / "e.json"), env=environment
    )
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "e.json").stat().st_mode & 0o777 == 0o600
    for folder in (tmp_path / "new", tmp_path / "new" / "deeper", data):
        assert folder.stat().st_mode & 0o777 == 0o700, folder
    for folder in data.rglob("*"):
        if folder.is_dir():
            assert folder.stat().st_mode & 0o777 == 0o700, folder

    monkeypatch.setenv("WORKUP_DATA_DIR", str(tmp_path / "logging"))
    log = setup_logging()
    assert log is not None
    root = logging.getLogger()
    handler = root.handlers[-1]
    try:
        logging.getLogger("test").warning("one line")
        assert log.stat().st_mode & 0o777 == 0o600
        assert isinstance(handler, logging.handlers.RotatingFileHandler)
        handler.doRollover()
        logging.getLogger("test").warning("after the rotation")
        assert log.stat().st_mode & 0o777 == 0o600
        assert (log.parent / "workup.log.1").stat().st_mode & 0o777 == 0o600
        assert log.parent.stat().st_mode & 0o777 == 0o700
    finally:
        root.removeHandler(handler)
        handler.close()


def test_a_sqlite_file_with_wal_files_is_still_read_with_them(
    tmp_path: Path, recorded: str, shipped_catalog: Catalog, clock: FixedClock
) -> None:
    """The untouched read adds nothing, but never ignores a WAL file that is there."""
    service = WorkupService.open(Settings(), recorded, clock=clock, catalog=shipped_catalog)
    patient = service.create_patient("Draft", "Patient", date(1980, 5, 1), "C-9")
    assert patient.id is not None
    service.start_encounter(patient.id, WORKFLOW_ID, "Dr. A")
    service.close()
    live = tmp_path / "workup.sqlite3"
    writer = sqlite3.connect(live, isolation_level=None)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute(f"UPDATE patients SET family_name = 'InTheWal' WHERE id = {patient.id}")
    try:
        assert live.with_name("workup.sqlite3-wal").stat().st_size > 0
        listed = _workup(recorded, "encounters", "list")
        assert listed.returncode == 0, listed.stderr
        assert "InTheWal" in listed.stdout
    finally:
        writer.close()


SHIPPED = Path(__file__).resolve().parents[2] / "workflows" / "retrograde_ejaculation.toml"


def test_numbers_beyond_a_stored_integer_are_refused_by_name(recorded: str, tmp_path: Path) -> None:
    exported = _workup(recorded, "encounters", "export", "1", "--out", str(tmp_path / "e.json"))
    assert exported.returncode == 0, exported.stderr
    document = json.loads((tmp_path / "e.json").read_text(encoding="utf-8"))
    document["encounter"]["revision"] = 2**70
    (tmp_path / "big.json").write_text(json.dumps(document), encoding="utf-8")
    imported = _workup(recorded, "encounters", "import", str(tmp_path / "big.json"))
    assert imported.returncode == 1
    assert "revision" in imported.stderr
    assert "internal error" not in imported.stderr

    text = SHIPPED.read_text(encoding="utf-8")
    (tmp_path / "w.toml").write_text(
        re.sub(r"(?m)^version = \d+", f"version = {2**70}", text, count=1), encoding="utf-8"
    )
    validated = _workup(recorded, "workflows", "validate", str(tmp_path / "w.toml"))
    assert validated.returncode == 2
    assert "version must be a whole number from 1 to 2147483647" in validated.stdout


def test_ids_are_matched_whole(recorded: str, tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    changed = re.sub(r'(?m)^id = "([a-z_]+)"', r'id = "\1\\n"', text, count=1)
    assert changed != text
    (tmp_path / "w.toml").write_text(changed, encoding="utf-8")
    validated = _workup(recorded, "workflows", "validate", str(tmp_path / "w.toml"))
    assert validated.returncode == 2
    assert "w.toml:" in validated.stdout


def test_a_deeply_nested_workflow_file_is_one_broken_file(recorded: str, tmp_path: Path) -> None:
    folder = tmp_path / "clinic"
    folder.mkdir()
    (folder / "deep.toml").write_text("a = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    validated = _workup(recorded, "workflows", "validate", str(folder / "deep.toml"))
    assert validated.returncode == 2
    assert validated.stdout.startswith(f"{folder / 'deep.toml'}:1:")
    listed = _workup(
        recorded, "workflows", "list", env=dict(os.environ, WORKUP_WORKFLOWS_DIR=str(folder))
    )
    assert listed.returncode == 0
    assert listed.stdout.startswith("retrograde_ejaculation\t")
    assert "deep.toml" in listed.stderr
    assert "internal error" not in listed.stderr


def test_a_deeply_nested_settings_file_is_one_line(recorded: str, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.json").write_text('{"a":' * 100_000 + "1" + "}" * 100_000)
    completed = _workup(
        recorded, "encounters", "list", env=dict(os.environ, WORKUP_CONFIG_DIR=str(config))
    )
    assert completed.returncode == 1
    assert completed.stderr.count("\n") == 1
    assert "nested too deeply" in completed.stderr


def test_tab_separated_output_escapes_what_would_break_it(
    recorded: str, tmp_path: Path, shipped_catalog: Catalog, clock: FixedClock
) -> None:
    service = WorkupService.open(Settings(), recorded, clock=clock, catalog=shipped_catalog)
    patient = service.create_patient("Plain", "Name", date(1980, 5, 1), "C-2")
    assert patient.id is not None
    service.start_encounter(patient.id, WORKFLOW_ID, "Dr. A")
    service.close()
    # Entry refuses such names; a file written by an older version may still hold them.
    with sqlite3.connect(tmp_path / "workup.sqlite3") as connection:
        connection.execute(
            "UPDATE patients SET family_name = ?, given_name = ? WHERE id = ?",
            ("Evil\x1b[31mRed\tTab", "Line\nBreak", patient.id),
        )
    listed = _workup(recorded, "encounters", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert len(lines) == 2
    assert all(line.count("\t") == 4 for line in lines)
    assert "\x1b" not in listed.stdout
    assert "Evil\\u001b[31mRed\\tTab" in listed.stdout


def test_a_tampered_encounter_is_named_and_the_batch_goes_on(
    tmp_path: Path, shipped_catalog: Catalog, clock: FixedClock
) -> None:
    url = f"sqlite:///{tmp_path / 'tampered.sqlite3'}"
    service = WorkupService.open(Settings(), url, clock=clock, catalog=shipped_catalog)
    for number in range(3):
        patient = service.create_patient(f"F{number}", "G", date(1980, 1, 1), f"C{number}")
        assert patient.id is not None
        service.start_encounter(patient.id, WORKFLOW_ID, "Dr. A")
    service.close()
    with sqlite3.connect(tmp_path / "tampered.sqlite3") as connection:
        triggers = connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        for (name,) in triggers.fetchall():
            connection.execute(f'DROP TRIGGER "{name}"')
        connection.execute("UPDATE encounters SET status = 'bogus' WHERE id = 2")
        connection.execute("UPDATE encounters SET updated_at = 'not a time' WHERE id = 3")
    out = tmp_path / "pdfs"
    out.mkdir()
    batch = _workup(url, "export", "--all", "--out", str(out))
    assert batch.returncode == 1
    assert sorted(path.name for path in out.iterdir()) == ["encounter-1.pdf"]
    assert "encounter 2: a stored value is not one the application writes" in batch.stderr
    assert "encounter 3: a stored value is not one the application writes" in batch.stderr
    for command in (["export", "2", "--out", str(tmp_path / "two.pdf")], ["encounters", "list"]):
        single = _workup(url, *command)
        assert single.returncode == 1
        assert single.stderr.count("\n") == 1
        assert "changed outside the application" in single.stderr
    assert "internal error" not in batch.stderr
