"""Opening databases: pragmas, file mode, damaged and foreign files, schema revisions."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from app.storage import database as database_module
from app.storage.database import (
    REVISIONS,
    check_schema,
    current_revision,
    integrity_check,
    open_database,
)
from app.storage.errors import DatabaseCorruptError, DatabaseUnavailableError, SchemaError
from app.storage.migrate import script_revisions, upgrade
from app.storage.models import Base
from app.storage.revisions import HEAD_REVISION


def _migrated(path: Path) -> None:
    database = open_database(f"sqlite:///{path}")
    upgrade(database)
    database.dispose()


def test_new_file_is_private_wal_durable_with_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "new" / "workup.sqlite3"
    database = open_database(f"sqlite:///{path}")
    upgrade(database)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert check_schema(database) == HEAD_REVISION
    assert integrity_check(database) == []
    database.dispose()


def test_migration_list_matches_the_migrations_folder() -> None:
    assert script_revisions() == list(REVISIONS)


def test_migrated_schema_matches_the_models(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    upgrade(database)
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    database.dispose()


def test_a_file_that_is_not_a_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    content = b"these are not the records you are looking for\n" * 200
    path.write_bytes(content)
    with pytest.raises(DatabaseCorruptError, match=r"notes\.sqlite3: not a readable workup"):
        open_database(f"sqlite:///{path}")
    assert path.read_bytes() == content


def test_a_damaged_database_fails_the_check_and_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "damaged.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    connection.execute("CREATE INDEX t_v ON t (v)")
    connection.executemany(
        "INSERT INTO t (v) VALUES (?)", [(f"value {i}" * 20,) for i in range(2000)]
    )
    connection.commit()
    connection.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 3 + 100, page * 3 + 400):
        data[offset] = 0xFF
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(DatabaseCorruptError, match=r"damaged\.sqlite3: "):
        open_database(f"sqlite:///{path}")
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite3"
    _migrated(path)
    connection = sqlite3.connect(path)
    connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.commit()
    connection.close()
    before = path.read_bytes()
    with pytest.raises(SchemaError, match="newer version of the application"):
        open_database(f"sqlite:///{path}")
    assert path.read_bytes() == before


def test_a_read_only_database_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "readonly.sqlite3"
    _migrated(path)
    path.chmod(0o400)
    try:
        import os

        if os.access(path, os.W_OK):  # root ignores file modes
            pytest.skip("running as root: file modes are not enforced")
        with pytest.raises(DatabaseUnavailableError, match="read-only"):
            open_database(f"sqlite:///{path}")
    finally:
        path.chmod(0o600)


def test_a_missing_folder_is_reported_when_not_created(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "db.sqlite3"
    with pytest.raises(DatabaseUnavailableError, match="does not exist"):
        open_database(f"sqlite:///{path}", create_dirs=False)
    assert not path.parent.exists()


def test_an_empty_database_has_no_schema(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert current_revision(database) is None
    with pytest.raises(SchemaError, match="run 'workup db upgrade'"):
        check_schema(database)
    database.dispose()


def test_a_bad_url_is_reported() -> None:
    with pytest.raises(DatabaseUnavailableError, match="not a database URL"):
        open_database("no such thing://")


def test_audit_events_cannot_be_changed_or_deleted(tmp_path: Path) -> None:
    path = tmp_path / "audit.sqlite3"
    _migrated(path)
    connection = sqlite3.connect(path)
    connection.execute(
        "INSERT INTO audit_events (at, actor, workstation, action, prev_hash, hash) "
        "VALUES ('2026-01-01', 'a', 'w', 'x', 'p', 'h')"
    )
    connection.commit()
    for statement in ("UPDATE audit_events SET actor = 'b'", "DELETE FROM audit_events"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute(statement)
    connection.close()


def test_engine_reads_see_committed_writes(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'rw.sqlite3'}")
    upgrade(database)
    with database.write_factory.begin() as session:
        session.execute(text("UPDATE audit_head SET last_id = 5"))
    with database.read_factory() as session:
        assert session.execute(text("SELECT last_id FROM audit_head")).scalar() == 5
    database.dispose()


@pytest.fixture
def full_checks(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each SQLite preflight from now on runs the full check, in order."""
    checks: list[bool] = []
    preflight = database_module._preflight_sqlite

    def counting(target: Path, full_check: bool = True) -> str | None:
        checks.append(full_check)
        return preflight(target, full_check)

    monkeypatch.setattr(database_module, "_preflight_sqlite", counting)
    return checks


def test_a_file_closed_cleanly_skips_the_full_check_until_something_else_writes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, full_checks: list[bool]
) -> None:
    path = tmp_path / "records.sqlite3"
    record = tmp_path / "state" / "checked.json"
    _migrated(path)
    checks = full_checks

    def session() -> None:
        database = open_database(f"sqlite:///{path}", check_record=record)
        with database.engine.connect() as connection:
            connection.execute(text("SELECT count(*) FROM patients"))
        database.dispose()

    for _ in range(2):
        session()
    assert checks == [True, False]
    connection = sqlite3.connect(path)
    connection.execute("UPDATE patients SET family_name = 'x' WHERE 0")
    connection.execute("CREATE TABLE other (id INTEGER)")
    connection.commit()
    connection.close()
    session()
    assert checks == [True, False, True]
    monkeypatch.setattr(database_module, "FULL_CHECK_INTERVAL", -1)
    session()
    assert checks == [True, False, True, True]


def test_a_file_that_passed_the_full_check_skips_it_after_a_process_ended_without_closing(
    tmp_path: Path, full_checks: list[bool]
) -> None:
    path = tmp_path / "records.sqlite3"
    record = tmp_path / "state" / "checked.json"
    _migrated(path)
    checks = full_checks

    left_open = open_database(f"sqlite:///{path}", check_record=record)
    with left_open.engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM patients"))
    assert Path(f"{path}-wal").exists()
    reopened = open_database(f"sqlite:///{path}", check_record=record)
    assert checks == [True, False]
    with reopened.write_factory.begin() as session:
        session.execute(text("CREATE TABLE scratch (id INTEGER)"))
    assert Path(f"{path}-wal").stat().st_size > 0
    open_database(f"sqlite:///{path}", check_record=record).engine.dispose()
    assert checks == [True, False, True]
    left_open.engine.dispose()
    reopened.engine.dispose()
