"""`workup db copy`: every record into an empty database, ids and audit chain kept."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, create_engine, select, text

from app.catalog.loader import Catalog
from app.cli import run
from app.config import Settings
from app.domain.encounter import EncounterStatus, OrderState, OrderStatus
from app.services import LockedError, WorkupService
from app.storage.copy import AUDIT_HEAD, COPIED_TABLES, copy_database
from app.storage.database import open_database
from tests.postgres import BACKENDS
from tests.support import WORKFLOW_ID, FixedClock

CLINICIAN = "Dr. Petrova"


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    """The target of every copy here is SQLite and PostgreSQL in turn."""
    backend: str = request.param
    return backend


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def _open(url: str, catalog: Catalog, clock: FixedClock) -> WorkupService:
    return WorkupService.open(Settings(), url, clock=clock, catalog=catalog, auto_upgrade=True)


def _fill(url: str, catalog: Catalog, clock: FixedClock) -> dict[str, int]:
    """Encounters in every state, with answers, orders, notes and addenda; their ids."""
    service = _open(url, catalog, clock)
    try:
        ids: dict[str, int] = {}
        for number, state in enumerate(("draft", "finalized", "amending", "amended")):
            patient = service.create_patient(
                f"Иванов{number}", "Иван", date(1980, 5, 17 + number), f"C-{number}"
            )
            encounter = service.start_encounter(patient.id or 0, WORKFLOW_ID, CLINICIAN)
            encounter_id = encounter.id or 0
            ids[state] = encounter_id
            clock.now += timedelta(minutes=7, microseconds=123457)
            service.set_answer(encounter_id, "visit_main_complaint", "dry orgasm", CLINICIAN)
            service.set_answer(encounter_id, "hx_sx_fever", "no", CLINICIAN)
            note = OrderState(OrderStatus.ORDERED, date(2026, 11, 21), "fasting «утром»")
            service.set_order(encounter_id, "lab_cbc", note, CLINICIAN)
            if state == "draft":
                continue
            service.finalize(encounter_id, CLINICIAN)
            if state in ("amending", "amended"):
                clock.now += timedelta(hours=1)
                service.amend(encounter_id, "Lab called", CLINICIAN)
                service.set_answer(encounter_id, "hx_sx_fever", "yes", CLINICIAN)
                if state == "amended":
                    service.finalize(encounter_id, CLINICIAN)
        return ids
    finally:
        service.close()


def _rows(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, datetimes in UTC."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: [_utc(dict(row)) for row in _select_all(connection, table.name)]
                for table in (*COPIED_TABLES, AUDIT_HEAD)
            }
    finally:
        engine.dispose()


def _select_all(connection: Connection, name: str) -> Any:
    table = next(table for table in (*COPIED_TABLES, AUDIT_HEAD) if table.name == name)
    return connection.execute(select(table).order_by(*table.primary_key.columns)).mappings()


def _utc(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (
            (value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC))
            if isinstance(value, datetime)
            else value
        )
        for key, value in row.items()
    }


def test_copy_keeps_every_record_ids_and_the_audit_chain(
    tmp_path: Path, database_url: str, shipped_catalog: Catalog, clock: FixedClock
) -> None:
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    ids = _fill(source, shipped_catalog, clock)
    before = _rows(source)

    code, out, err = _run("--database-url", source, "db", "copy", "--to", database_url)

    assert code == 0, err
    events = len(before["audit_events"])
    assert out.startswith("copied ")
    assert f"(4 patients, 4 encounters, {events} audit events); audit chain intact" in out
    assert "copied audit_events: " + f"{events}/{events}" in err.splitlines()
    assert _rows(database_url) == before
    code, out, err = _run("--database-url", database_url, "audit", "verify")
    assert (code, out.strip()) == (0, f"audit chain intact: {events} events"), err

    copy = _open(database_url, shipped_catalog, clock)
    original = _open(source, shipped_catalog, clock)
    try:
        for state, encounter_id in ids.items():
            copied = copy.encounter(encounter_id)
            assert copied == original.encounter(encounter_id)
            assert copied.status is EncounterStatus(state)
        with pytest.raises(LockedError):
            copy.set_answer(ids["finalized"], "hx_sx_fever", "yes", CLINICIAN)
        copy.set_answer(ids["amending"], "hx_sx_fever", "unknown", CLINICIAN)
        patient = copy.create_patient("New", "Patient", date(1990, 1, 1), "N-1")
        assert (patient.id or 0) > max(row["id"] for row in before["patients"])
        new = copy.start_encounter(patient.id or 0, WORKFLOW_ID, CLINICIAN)
        assert (new.id or 0) > max(ids.values())
        assert copy.verify_audit().ok
    finally:
        copy.close()
        original.close()


def test_a_copy_copies_back_unchanged(
    tmp_path: Path, database_url: str, shipped_catalog: Catalog, clock: FixedClock
) -> None:
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    back = f"sqlite:///{tmp_path / 'back.sqlite3'}"
    _fill(source, shipped_catalog, clock)
    assert _run("--database-url", source, "db", "copy", "--to", database_url)[0] == 0

    code, _, err = _run("--database-url", database_url, "db", "copy", "--to", back)

    assert code == 0, err
    assert _rows(back) == _rows(source)
    assert _run("--database-url", back, "audit", "verify")[0] == 0


def test_a_target_with_records_is_refused_and_left_alone(
    tmp_path: Path, database_url: str, shipped_catalog: Catalog, clock: FixedClock
) -> None:
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    _fill(source, shipped_catalog, clock)
    assert _run("--database-url", source, "db", "copy", "--to", database_url)[0] == 0
    copied = _rows(database_url)

    code, out, err = _run("--database-url", source, "db", "copy", "--to", database_url)

    assert (code, out) == (1, "")
    (line,) = err.strip().splitlines()
    assert line.endswith(
        ": the target database is not empty (it has records in addenda, answers, "
        "audit_events, encounters, order_states, patients, workflow_snapshots); "
        "copy only into an empty database"
    )
    assert _rows(database_url) == copied


def test_an_empty_source_gives_an_upgraded_empty_target(
    tmp_path: Path, database_url: str, shipped_catalog: Catalog, clock: FixedClock
) -> None:
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    _open(source, shipped_catalog, clock).close()

    code, out, err = _run("--database-url", source, "db", "copy", "--to", database_url)

    assert code == 0, err
    assert "copied 0 records" in out
    code, out, err = _run("--database-url", database_url, "db", "check")
    assert code == 0, err


def test_a_database_of_another_application_is_refused(
    tmp_path: Path, shipped_catalog: Catalog, clock: FixedClock
) -> None:
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    _fill(source, shipped_catalog, clock)
    foreign = tmp_path / "other.sqlite3"
    engine = create_engine(f"sqlite:///{foreign}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
    engine.dispose()

    code, _, err = _run("--database-url", source, "db", "copy", "--to", f"sqlite:///{foreign}")

    assert code == 1
    (line,) = err.strip().splitlines()
    assert "not a workup database: it holds other tables (invoices)" in line


def test_copying_a_database_into_itself_is_refused(
    tmp_path: Path, shipped_catalog: Catalog, clock: FixedClock
) -> None:
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    _fill(source, shipped_catalog, clock)
    same = f"sqlite:///{tmp_path / '.' / 'source.sqlite3'}"

    code, _, err = _run("--database-url", source, "db", "copy", "--to", same)

    assert code == 1
    assert "the target is the database being copied" in err


def test_a_missing_source_file_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite3"
    target = f"sqlite:///{tmp_path / 'target.sqlite3'}"

    code, _, err = _run("--database-url", f"sqlite:///{missing}", "db", "copy", "--to", target)

    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert not missing.exists()


def test_progress_is_reported_after_each_batch(
    tmp_path: Path, shipped_catalog: Catalog, clock: FixedClock
) -> None:
    source_url = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    _fill(source_url, shipped_catalog, clock)
    source = open_database(source_url, create=False)
    target = open_database(f"sqlite:///{tmp_path / 'target.sqlite3'}")
    calls: list[tuple[str, int, int]] = []
    try:
        result = copy_database(source, target, lambda *call: calls.append(call), batch_rows=3)
    finally:
        source.dispose()
        target.dispose()
    events = result.rows["audit_events"]
    audit_calls = [call for call in calls if call[0] == "audit_events"]
    assert [done for _, done, _ in audit_calls] == [*range(3, events, 3), events]
    assert {total for _, _, total in audit_calls} == {events}
    assert result.total == sum(result.rows.values())
    order = list(result.rows)
    assert order.index("patients") < order.index("encounters") < order.index("answers")


def test_a_copy_that_fails_half_way_leaves_no_records(
    tmp_path: Path, shipped_catalog: Catalog, clock: FixedClock
) -> None:
    source_url = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    target_url = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    _fill(source_url, shipped_catalog, clock)
    source = open_database(source_url, create=False)
    target = open_database(target_url)

    def fail_on_the_second_batch(table: str, done: int, total: int) -> None:
        if done > 2:
            raise OSError("disk full")

    try:
        with pytest.raises(OSError, match="disk full"):
            copy_database(source, target, fail_on_the_second_batch, batch_rows=2)
    finally:
        source.dispose()
        target.dispose()
    assert all(rows == [] for name, rows in _rows(target_url).items() if name != "audit_head")
    code, _, err = _run("--database-url", source_url, "db", "copy", "--to", target_url)
    assert code == 0, err
    assert _rows(target_url) == _rows(source_url)
