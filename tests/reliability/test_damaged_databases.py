"""Damaged or unusual databases, end to end through `workup` and WorkupService.open.

tests/storage/test_database.py checks open_database itself; here every case goes through
the command line and the service, and each must name the file, say what to do, and leave
the file exactly as it was (bytes and modification time; no file moved aside or added).
"""

from __future__ import annotations

import io
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import app.storage.database as storage_database
from app.catalog.loader import Catalog
from app.cli import run
from app.config import Settings
from app.services import UnavailableError, WorkupService
from tests.reliability.helpers import (
    ROOT,
    FileState,
    assert_one_line_error,
    child_env,
    make_database,
)

COMMANDS = (("encounters", "list"), ("audit", "verify"), ("db", "check"), ("export", "1", "--out"))


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 123])


def _overwrite_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 2, min(len(data), 4096 * 6), 7):
        data[offset] = 0xA5
    path.write_bytes(bytes(data))


def _not_a_database(path: Path) -> None:
    path.write_bytes(b"%PDF-1.4\n% a summary saved under the wrong name\n" * 100)


def _newer_schema(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.commit()
    connection.close()


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated": (_truncate, "restore it from a backup"),
    "pages overwritten": (_overwrite_pages, "restore it from a backup"),
    "not a database": (_not_a_database, "restore it from a backup"),
    "newer schema": (_newer_schema, "update the application"),
}


def _folder_listing(folder: Path) -> list[str]:
    """The files in `folder`, but for the empty -wal and -shm files a WAL reader may create."""
    names = []
    for path in folder.iterdir():
        if path.name.endswith("-shm"):
            continue
        if path.name.endswith("-wal") and path.stat().st_size == 0:
            continue
        names.append(path.name)
    return sorted(names)


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_database_is_refused_by_name_and_left_untouched(
    damage: str, tmp_path: Path, shipped_catalog: Catalog
) -> None:
    path = tmp_path / "clinic.sqlite3"
    make_database(path, shipped_catalog)
    spoil, advice = DAMAGE[damage]
    spoil(path)
    before, listing = FileState.of(path), _folder_listing(tmp_path)
    url = f"sqlite:///{path}"
    for command in COMMANDS:
        argv = [*command, str(tmp_path / "out.pdf")] if command[-1] == "--out" else list(command)
        code, _out, err = _run("--database-url", url, *argv)
        assert_one_line_error(code, err)
        assert str(path) in err, err
        assert advice in err, err
    with pytest.raises(UnavailableError) as raised:
        WorkupService.open(Settings(), url, catalog=shipped_catalog)
    assert str(path) in str(raised.value)
    assert advice in str(raised.value)
    assert FileState.of(path) == before
    assert _folder_listing(tmp_path) == listing


def _immutable(path: Path) -> bool:
    """Make `path` immutable with chattr +i (root cannot write it either); False if unsupported."""
    if shutil.which("chattr") is None:
        return False
    result = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    return result.returncode == 0


def test_an_immutable_database_is_reported_read_only(
    tmp_path: Path, shipped_catalog: Catalog
) -> None:
    path = tmp_path / "clinic.sqlite3"
    make_database(path, shipped_catalog)
    before = FileState.of(path)
    if not _immutable(path):
        pytest.skip("chattr +i is not available or not supported on this file system")
    try:
        code, _out, err = _run("--database-url", f"sqlite:///{path}", "encounters", "list")
        assert_one_line_error(code, err)
        assert str(path) in err, err
        assert "read-only" in err, err
        assert "write permission" in err, err
        with pytest.raises(UnavailableError, match="read-only"):
            WorkupService.open(Settings(), f"sqlite:///{path}", catalog=shipped_catalog)
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    assert FileState.of(path) == before


@pytest.fixture
def public_folder() -> Iterator[Path]:
    """A folder outside pytest's private temporary tree, which 'nobody' may enter and read."""
    folder = Path(tempfile.mkdtemp(prefix="workup-nobody-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def run_as_nobody(folder: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """`workup ARGV` as the user 'nobody', with its settings and data under `folder`."""
    return subprocess.run(
        [sys.executable, "-m", "tests.reliability.as_nobody", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(WORKUP_DATA_DIR=str(folder / "data"), WORKUP_CONFIG_DIR=str(folder)),
        timeout=60,
        check=False,
    )


def test_a_database_the_user_may_only_read_is_reported_read_only(
    public_folder: Path, shipped_catalog: Catalog
) -> None:
    path = public_folder / "clinic.sqlite3"
    make_database(path, shipped_catalog)
    path.chmod(0o644)  # owned by root: 'nobody' may read it but not write it or its folder
    before, listing = FileState.of(path), _folder_listing(public_folder)
    result = run_as_nobody(
        public_folder, "--database-url", f"sqlite:///{path}", "encounters", "list"
    )
    assert FileState.of(path) == before
    assert _folder_listing(public_folder) == listing
    assert_one_line_error(result.returncode, result.stderr)
    assert str(path) in result.stderr, result.stderr
    assert "read-only" in result.stderr, result.stderr


class _Locker:
    """A sqlite3 shell holding BEGIN EXCLUSIVE on a database until released."""

    def __init__(self, path: Path) -> None:
        self.process = subprocess.Popen(
            ["sqlite3", str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write("BEGIN EXCLUSIVE;\nSELECT 'holding';\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == "holding"

    def release(self) -> None:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write("ROLLBACK;\n.quit\n")
        self.process.stdin.close()
        self.process.wait(10)
        self.process.stdout.close()


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wait 1 s rather than the shipped 10 s for a lock, to keep the test fast."""
    shipped = storage_database._sqlite_pragmas

    def pragmas(dbapi_connection: Any, record: Any) -> None:
        shipped(dbapi_connection, record)
        dbapi_connection.execute("PRAGMA busy_timeout = 1000")

    monkeypatch.setattr(storage_database, "_sqlite_pragmas", pragmas)


def _edit_while_locked(path: Path, catalog: Catalog) -> tuple[str, float]:
    encounter_id = make_database(path, catalog)
    service = WorkupService.open(Settings(), f"sqlite:///{path}", catalog=catalog)
    locker = _Locker(path)
    try:
        started = time.monotonic()
        with pytest.raises(UnavailableError) as raised:
            service.set_answer(encounter_id, "sx_notes", "edited while locked", "Dr. Keep")
        waited = time.monotonic() - started
    finally:
        locker.release()
    try:
        assert service.encounter(encounter_id).answers["sx_notes"] == "kept note"
        service.set_answer(encounter_id, "sx_notes", "edited after", "Dr. Keep")
        assert service.encounter(encounter_id).answers["sx_notes"] == "edited after"
        assert service.verify_audit().ok
    finally:
        service.close()
    return str(raised.value), waited


@pytest.mark.usefixtures("short_busy_timeout")
def test_an_edit_on_a_locked_database_fails_clearly_and_loses_nothing(
    tmp_path: Path, shipped_catalog: Catalog
) -> None:
    path = tmp_path / "clinic.sqlite3"
    message, waited = _edit_while_locked(path, shipped_catalog)
    assert str(path) in message, message
    assert "locked" in message, message
    # It waited for the lock (at least the 1 s timeout); no upper bound in seconds: a busy
    # machine only makes it later, and the bound itself is SQLite's busy timeout.
    assert waited > 0.9, waited


@pytest.mark.usefixtures("short_busy_timeout")
def test_the_locked_message_says_what_to_do(tmp_path: Path, shipped_catalog: Catalog) -> None:
    message, _waited = _edit_while_locked(tmp_path / "clinic.sqlite3", shipped_catalog)
    assert "another program" in message, message


def test_the_shipped_lock_wait_is_bounded(tmp_path: Path, shipped_catalog: Catalog) -> None:
    """Every connection the application opens waits 10 s for a lock, then gives up."""
    path = tmp_path / "clinic.sqlite3"
    make_database(path, shipped_catalog)
    service = WorkupService.open(Settings(), f"sqlite:///{path}", catalog=shipped_catalog)
    try:
        for factory in (service.database.read_factory, service.database.write_factory):
            with factory() as session:
                timeout = session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar()
            assert timeout == 10_000
    finally:
        service.close()


def test_a_missing_folder_is_named_by_db_check_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "unmounted" / "clinic.sqlite3"
    code, _out, err = _run("--database-url", f"sqlite:///{path}", "db", "check")
    assert_one_line_error(code, err)
    assert str(path) in err, err
    assert "no database file" in err, err
    assert not path.parent.exists()


def test_a_folder_that_cannot_be_created_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "share"
    blocker.write_bytes(b"a file where the folder should be")
    before = FileState.of(blocker)
    path = blocker / "workup" / "clinic.sqlite3"
    code, _out, err = _run("--database-url", f"sqlite:///{path}", "encounters", "list")
    assert_one_line_error(code, err)
    assert str(path) in err, err
    assert "cannot create the folder" in err, err
    assert FileState.of(blocker) == before
