"""Backups and restores: checked copies, retention, a rehearsed restore, interrupted backups."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from app.catalog.loader import Catalog
from app.config import Settings, data_dir
from app.domain.backups import Retention
from app.services import (
    UnavailableError,
    WorkupService,
    backup_database,
    list_backups,
    restore_database,
    upgrade_database,
)
from app.storage import backup
from tests.postgres import BACKENDS
from tests.support import FixedClock

WORKFLOW_ID = "retrograde_ejaculation"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def _at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def _record(service: WorkupService, count: int, first: int = 0) -> list[int]:
    """`count` encounters with an answer each; their ids (acknowledged: stored and returned)."""
    ids = []
    for number in range(first, first + count):
        patient = service.create_patient(f"Family{number}", "Given", date(1980, 1, 1), f"C{number}")
        assert patient.id is not None
        encounter = service.start_encounter(patient.id, WORKFLOW_ID, "Dr. A")
        assert encounter.id is not None
        service.set_answer(encounter.id, "visit_main_complaint", f"complaint {number}", "Dr. A")
        ids.append(encounter.id)
    return ids


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(backup_dir=str(tmp_path / "backups"))


@pytest.fixture
def local(tmp_path: Path, shipped_catalog: Catalog, clock: FixedClock) -> str:
    """A SQLite database holding three encounters; its URL (the service is closed)."""
    url = f"sqlite:///{tmp_path / 'workup.sqlite3'}"
    service = WorkupService.open(Settings(), url, clock=clock, catalog=shipped_catalog)
    _record(service, 3)
    service.close()
    return url


def _open(url: str, shipped_catalog: Catalog, clock: FixedClock) -> WorkupService:
    return WorkupService.open(Settings(), url, clock=clock, catalog=shipped_catalog)


def test_a_backup_is_checked_private_described_and_atomic(
    local: str, settings: Settings, tmp_path: Path
) -> None:
    label, written, info = backup_database(local, settings, clock=lambda: NOW)
    assert info is not None
    assert label == str(tmp_path / "workup.sqlite3")
    assert written == tmp_path / "backups" / "workup-20261121-120000-manual.sqlite3"
    assert (info.encounters, info.audit_events, info.check) == (3, 12, "ok")
    assert written.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "backups").stat().st_mode & 0o777 == 0o700
    described = json.loads(written.with_name(written.name + ".json").read_text())
    assert described["encounters"] == 3
    assert described["check"] == "ok"
    assert not list((tmp_path / "backups").glob(".*.part"))
    with sqlite3.connect(written) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert copy.execute("SELECT count(*) FROM encounters").fetchone() == (3,)
    [listed] = list_backups(settings)
    assert listed == info


def test_the_copy_is_private_and_synced_before_it_takes_its_name(
    local: str, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = backup._fsync_file
    synced: list[tuple[str, int, bool]] = []

    def fsync_file(path: Path) -> None:
        real(path)
        final = tmp_path / "backups" / "workup-20261121-120000-manual.sqlite3"
        synced.append((path.name, path.stat().st_mode & 0o777, final.exists()))

    monkeypatch.setattr(backup, "_fsync_file", fsync_file)
    _label, written, _info = backup_database(local, settings, clock=lambda: NOW)
    assert (f".{written.name}.part", 0o600, False) in synced


def test_a_copy_that_fails_its_check_is_not_kept(
    local: str, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup, "_integrity", lambda *_args, **_kwargs: "*** in database main ***")
    with pytest.raises(UnavailableError, match="failed its check"):
        backup_database(local, settings, clock=lambda: NOW)
    assert list((tmp_path / "backups").iterdir()) == []


def test_a_copy_whose_head_differs_from_the_source_is_not_kept(
    local: str, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = backup._contents
    calls: list[int] = []

    def contents(connection: sqlite3.Connection) -> backup._Contents:
        found = real(connection)
        calls.append(1)
        # the second call reads the copy: pretend it lost the newest audit event
        return found._replace(audit_events=found.audit_events - 1) if len(calls) == 2 else found

    monkeypatch.setattr(backup, "_contents", contents)
    with pytest.raises(UnavailableError, match="audit head"):
        backup_database(local, settings, clock=lambda: NOW)
    assert list((tmp_path / "backups").iterdir()) == []


def test_a_backup_into_an_unusable_folder_says_so_and_changes_nothing(
    local: str, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(UnavailableError, match="cannot create the backups folder"):
        backup_database(local, Settings(backup_dir=str(blocker / "backups")))
    assert blocker.read_text() == "x"


def test_retention_deletes_only_automatic_backups_beyond_the_counts(
    local: str, tmp_path: Path
) -> None:
    settings = Settings(
        backup_dir=str(tmp_path / "backups"),
        backup_recent="2",
        backup_daily="0",
        backup_weekly="0",
        backup_monthly="0",
    )
    backup_database(local, settings, "manual", clock=lambda: NOW - timedelta(days=30))
    for minutes in (90, 60, 30, 0):
        moment = NOW - timedelta(minutes=minutes)
        backup_database(local, settings, "editing", clock=_at(moment))
    found = list_backups(settings)
    assert [(info.reason, info.made_at) for info in found] == [
        ("editing", NOW),
        ("editing", NOW - timedelta(minutes=30)),
        ("manual", NOW - timedelta(days=30)),
    ]
    names = sorted(path.name for path in (tmp_path / "backups").iterdir())
    assert len(names) == 6  # three backups, each with its description


def test_prune_keeps_what_the_rule_keeps(tmp_path: Path, local: str) -> None:
    settings = Settings(backup_dir=str(tmp_path / "backups"), backup_recent="999")
    for days in range(10):
        moment = NOW - timedelta(days=days)
        backup_database(local, settings, "start-up", clock=_at(moment))
    deleted = backup.prune(
        tmp_path / "backups", Retention(recent=1, daily=3, weekly=0, monthly=0), lambda t: t
    )
    assert len(deleted) == 7
    assert [info.made_at for info in list_backups(settings)] == [
        NOW - timedelta(days=days) for days in range(3)
    ]


@pytest.mark.parametrize("damage", ["truncate", "overwrite pages", "not a database"])
def test_restore_drill(
    damage: str,
    tmp_path: Path,
    settings: Settings,
    shipped_catalog: Catalog,
    clock: FixedClock,
) -> None:
    """Record, back up, damage the live file, restore: every acknowledged encounter is back."""
    url = f"sqlite:///{tmp_path / 'workup.sqlite3'}"
    service = _open(url, shipped_catalog, clock)
    acknowledged = _record(service, 12)
    service.close()
    _label, written, _info = backup_database(url, settings, clock=lambda: NOW)

    live = tmp_path / "workup.sqlite3"
    data = live.read_bytes()
    if damage == "truncate":
        live.write_bytes(data[: len(data) // 3])
    elif damage == "overwrite pages":
        live.write_bytes(data[:4096] + os.urandom(4096 * 6) + data[4096 * 7 :])
    else:
        live.write_bytes(b"\0" * len(data))
    with pytest.raises(UnavailableError):
        _open(url, shipped_catalog, clock)
    damaged_size = live.stat().st_size

    restored = restore_database(url, settings, written, clock=lambda: NOW + timedelta(minutes=1))
    assert restored.encounters == 12
    assert restored.kept is not None
    assert restored.kept.stat().st_size == damaged_size

    service = _open(url, shipped_catalog, clock)
    try:
        for number, encounter_id in enumerate(acknowledged):
            stored = service.encounter(encounter_id)
            assert stored.answers["visit_main_complaint"] == f"complaint {number}"
        assert service.verify_audit().ok
    finally:
        service.close()
    kept = [info for info in list_backups(settings) if info.reason == "before-restore"]
    assert len(kept) == 1
    assert kept[0].path.stat().st_mode & 0o777 == 0o600


def test_restore_refuses_a_newer_database_without_force(
    local: str, settings: Settings, shipped_catalog: Catalog, clock: FixedClock
) -> None:
    _label, written, _info = backup_database(local, settings, clock=lambda: NOW)
    service = _open(local, shipped_catalog, clock)
    _record(service, 1, first=10)
    service.close()
    with pytest.raises(UnavailableError, match="4 recorded changes made after this backup"):
        restore_database(local, settings, written)
    assert [info.reason for info in list_backups(settings)] == ["manual"]
    service = _open(local, shipped_catalog, clock)
    assert service.count_encounters() == 4
    service.close()

    restored = restore_database(local, settings, written, force=True)
    assert restored.encounters == 3
    service = _open(local, shipped_catalog, clock)
    assert service.count_encounters() == 3
    service.close()


def test_restore_refuses_while_the_database_is_open_elsewhere(
    local: str, settings: Settings, shipped_catalog: Catalog, clock: FixedClock
) -> None:
    _label, written, _info = backup_database(local, settings, clock=lambda: NOW)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            "c = sqlite3.connect(sys.argv[1]); c.execute('SELECT count(*) FROM encounters')\n"
            "print('open', flush=True); time.sleep(60)",
            local.removeprefix("sqlite:///"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "open\n"
        with pytest.raises(UnavailableError, match="open in another program"):
            restore_database(local, settings, written, force=True)
    finally:
        holder.kill()
        holder.communicate()
    assert [info.reason for info in list_backups(settings)] == ["manual"]
    restore_database(local, settings, written, force=True)


def test_restore_refuses_a_damaged_or_foreign_backup_and_leaves_the_database(
    local: str, settings: Settings, tmp_path: Path
) -> None:
    live = tmp_path / "workup.sqlite3"
    before = live.read_bytes()
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"SQLite format 3\0" + os.urandom(8192))
    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE notes (text)")
    for bad, message in (
        (garbage, "backup"),
        (foreign, "not a workup database backup"),
        (tmp_path / "missing.sqlite3", "no backup file here"),
        (live, "the database itself"),
    ):
        with pytest.raises(UnavailableError, match=message):
            restore_database(local, settings, bad, force=True)
    assert live.read_bytes() == before
    assert list_backups(settings) == []


def test_a_migration_is_preceded_by_a_backup(
    tmp_path: Path, settings: Settings, local: str
) -> None:
    from app.services import opened_database
    from app.storage.migrate import downgrade

    with opened_database(local) as database:
        downgrade(database, "0001")
    upgraded = upgrade_database(local, tmp_path / "backups", lambda: NOW)
    assert upgraded.before == "0001"
    [made] = list_backups(settings)
    assert made.reason == "migration"
    with sqlite3.connect(made.path) as copy:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    # nothing to migrate: no backup
    upgrade_database(local, tmp_path / "backups", lambda: NOW + timedelta(minutes=1))
    assert len(list_backups(settings)) == 1


_BACKUP_LOOP = """
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from app.storage.backup import backup_sqlite
start = datetime(2026, 1, 1, tzinfo=UTC)
for number in range(1000):
    moment = start + timedelta(seconds=number)
    backup_sqlite(Path(sys.argv[1]), Path(sys.argv[2]), "editing", moment)
"""


def test_kill_9_during_a_backup_leaves_the_earlier_backups_and_the_database(
    local: str, settings: Settings, tmp_path: Path
) -> None:
    live = tmp_path / "workup.sqlite3"
    with sqlite3.connect(live) as connection:  # about 24 MB, so a copy takes a while
        connection.execute("CREATE TABLE filler (data BLOB)")
        connection.executemany(
            "INSERT INTO filler VALUES (?)", ((os.urandom(8192),) for _ in range(3000))
        )
    folder = tmp_path / "backups"
    backup_database(local, settings, clock=lambda: NOW)
    child = subprocess.Popen([sys.executable, "-c", _BACKUP_LOOP, str(live), str(folder)])
    try:
        deadline = time.monotonic() + 60
        while not list(folder.glob(".*.part")) and time.monotonic() < deadline:
            time.sleep(0.001)
        assert list(folder.glob(".*.part")), "no backup started within a minute"
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait()
    found = list_backups(settings)
    assert found[-1].reason == "manual"
    for info in found:
        assert info.check == "ok"
        with sqlite3.connect(f"file:{info.path}?mode=ro", uri=True) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert copy.execute("SELECT count(*) FROM encounters").fetchone() == (3,)
    with sqlite3.connect(f"file:{live}?mode=ro", uri=True) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    backup_database(local, settings, clock=lambda: NOW + timedelta(hours=1))
    assert not list(folder.glob(".*.part")), "the next backup removes what was left"


@pytest.mark.parametrize("db_backend", [BACKENDS[1]])
def test_server_backup_and_restore_drill(
    db_backend: str,
    database_url: str,
    tmp_path: Path,
    shipped_catalog: Catalog,
    clock: FixedClock,
    request: pytest.FixtureRequest,
) -> None:
    settings = Settings(backup_dir=str(tmp_path / "backups"))
    service = WorkupService.open(
        Settings(), database_url, clock=clock, catalog=shipped_catalog, auto_upgrade=True
    )
    acknowledged = _record(service, 5)
    service.close()
    label, dump, info = backup_database(database_url, settings, clock=lambda: NOW)
    assert info is None
    assert "pw-never-shown" not in label
    assert dump.stat().st_mode & 0o777 == 0o600
    assert dump.name == "workup-20261121-120000-manual.dump"

    with pytest.raises(UnavailableError, match="not empty"):
        restore_database(database_url, settings, dump)

    cluster = request.getfixturevalue("pg_cluster")
    empty = cluster.create_database()
    try:
        target = cluster.url(empty)
        restored = restore_database(target, settings, dump)
        assert "pw-never-shown" not in restored.label
        service = WorkupService.open(Settings(), target, clock=clock, catalog=shipped_catalog)
        try:
            for number, encounter_id in enumerate(acknowledged):
                answers = service.encounter(encounter_id).answers
                assert answers["visit_main_complaint"] == f"complaint {number}"
            assert service.verify_audit().ok
        finally:
            service.close()
    finally:
        cluster.drop_database(empty)


def test_the_commands(local: str, tmp_path: Path) -> None:
    environment = dict(os.environ, WORKUP_DATA_DIR=str(tmp_path / "data"))

    def workup(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", "--database-url", local, *argv],
            capture_output=True,
            text=True,
            env=environment,
            check=False,
        )

    made = workup("db", "backup")
    assert made.returncode == 0, made.stderr
    assert "3 encounters, 12 audit events, check ok" in made.stdout
    listed = workup("db", "backups")
    assert listed.returncode == 0
    [line] = listed.stdout.splitlines()
    _when, reason, size, encounters, check, path = line.split("\t")
    assert (reason, encounters, check) == ("manual", "3", "ok")
    assert int(size) > 0
    assert Path(path).parent == tmp_path / "data" / "backups"
    out = tmp_path / "elsewhere.sqlite3"
    assert workup("db", "backup", "--out", str(out)).returncode == 0
    assert out.is_file()
    restored = workup("db", "restore", str(out))
    assert restored.returncode == 0, restored.stderr
    assert "the replaced database is kept as" in restored.stdout
    refused = workup("db", "restore", str(tmp_path / "missing.sqlite3"))
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1
    assert "no backup file here" in refused.stderr


_WRITE_AND_DIE = """
import os, signal, sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA wal_autocheckpoint = 0")
connection.execute("UPDATE patients SET family_name = 'FromTheWal'")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_stale_wal_file_of_a_damaged_database_is_kept_aside_not_replayed(
    local: str, settings: Settings, tmp_path: Path, shipped_catalog: Catalog, clock: FixedClock
) -> None:
    _label, written, _info = backup_database(local, settings, clock=lambda: NOW)
    live = tmp_path / "workup.sqlite3"
    subprocess.run([sys.executable, "-c", _WRITE_AND_DIE, str(live)], check=False)
    wal = live.with_name(live.name + "-wal")
    assert wal.stat().st_size > 0, "the killed writer left its changes in the WAL file"
    data = live.read_bytes()
    live.write_bytes(data[:100] + os.urandom(len(data) - 100))  # the main file is damaged

    restored = restore_database(local, settings, written, clock=lambda: NOW + timedelta(hours=1))
    assert restored.kept is not None
    assert restored.kept.with_name(restored.kept.name + "-wal").stat().st_size > 0
    assert not wal.exists() or wal.stat().st_size == 0
    service = _open(local, shipped_catalog, clock)
    try:
        names = {row.patient_name for row in service.list_encounters("", 10, 0)}
        assert not any("FromTheWal" in name for name in names)
        assert service.count_encounters() == 3
        assert service.verify_audit().ok
    finally:
        service.close()


def test_after_a_restore_the_witnessed_heads_of_the_replaced_chain_are_set_aside(
    local: str, settings: Settings, shipped_catalog: Catalog, clock: FixedClock, tmp_path: Path
) -> None:
    _label, written, _info = backup_database(local, settings, clock=lambda: NOW)
    service = _open(local, shipped_catalog, clock)
    _record(service, 2, first=10)  # the witness now holds a head beyond the backup
    service.close()
    witness = data_dir() / "witness"
    assert [path.name for path in witness.iterdir() if "before-restore" not in path.name]

    restore_database(local, settings, written, force=True, clock=lambda: NOW)
    service = _open(local, shipped_catalog, clock)
    try:
        assert service.count_encounters() == 3
        verification = service.verify_audit()
        assert verification.ok, verification.first_problem
    finally:
        service.close()
    assert [path.name for path in witness.iterdir() if "before-restore" in path.name]
