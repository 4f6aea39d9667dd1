"""Clinic server mode on both databases: migrations, CLI, append-only audit, parallel writers."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from app.catalog.loader import Catalog
from app.cli import run
from app.config import Settings
from app.services import UnavailableError, WorkupService
from app.storage.database import Database, current_revision, open_database
from app.storage.migrate import downgrade, script_revisions, upgrade
from app.storage.models import Base
from tests.postgres import APP_PASSWORD, BACKENDS, allow_audit_tampering, free_port, raw_engine
from tests.support import WORKFLOW_ID, FixedClock

SQLITE_TRIGGERS = {
    "answers_locked_insert",
    "answers_locked_update",
    "answers_locked_delete",
    "order_states_locked_insert",
    "order_states_locked_update",
    "order_states_locked_delete",
    "audit_events_no_update",
    "audit_events_no_delete",
    "encounters_new_is_draft",
    "encounters_signed_fixed",
    "encounters_lawful_transition",
    "encounters_signed_delete",
    "addenda_insert",
    "addenda_insert_opens",
    "addenda_signed_update",
    "addenda_sign_only",
    "addenda_signing_closes",
    "addenda_no_delete",
    "answers_locked_move",
    "order_states_locked_move",
    "patients_signed_update",
    "patients_signed_delete",
    "workflow_snapshots_no_update",
    "workflow_snapshots_used_delete",
}
POSTGRESQL_TRIGGERS = {
    "answers_locked",
    "order_states_locked",
    "audit_events_append_only",
    "encounters_lawful",
    "encounters_new_is_draft",
    "addenda_lawful",
    "addenda_status",
    "answers_locked_move",
    "order_states_locked_move",
    "patients_signed",
    "workflow_snapshots_fixed",
}


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    """Every test here runs on SQLite and on PostgreSQL."""
    backend: str = request.param
    return backend


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """The fresh, empty database of `database_url`, opened."""
    opened = open_database(database_url)
    yield opened
    opened.dispose()


def _triggers(database: Database) -> set[str]:
    with database.engine.connect() as connection:
        if database.is_sqlite:
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        return {str(name) for name in connection.exec_driver_sql(query).scalars()}


def _schema_differences(database: Database) -> list[object]:
    with database.engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


def _tables(database: Database) -> set[str]:
    with database.engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def _assert_at_head(database: Database) -> None:
    assert current_revision(database) == script_revisions()[-1]
    assert _schema_differences(database) == []
    expected = SQLITE_TRIGGERS if database.is_sqlite else POSTGRESQL_TRIGGERS
    assert _triggers(database) == expected


def test_every_revision_upgrades_to_head_and_downgrades_back(database: Database) -> None:
    """Walks every revision: empty -> revision -> head, and head -> revision -> head."""
    revisions = script_revisions()
    assert current_revision(database) is None
    for revision in revisions:
        assert upgrade(database, revision)[1] == revision
        assert upgrade(database) == (revision, revisions[-1])
        _assert_at_head(database)
        downgrade(database, "base")
        assert current_revision(database) is None
        assert _tables(database) <= {"alembic_version"}
        assert _triggers(database) == set()
    upgrade(database)
    for earlier in reversed(["base", *revisions[:-1]]):
        downgrade(database, earlier)
        assert current_revision(database) == (None if earlier == "base" else earlier)
        upgrade(database)
        _assert_at_head(database)


def test_db_upgrade_and_check_commands_create_the_schema(database_url: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run(["--database-url", database_url, "db", "upgrade"], out, err) == 0, err.getvalue()
    assert out.getvalue() == f"schema upgraded from empty to {script_revisions()[-1]}\n"
    out = io.StringIO()
    assert run(["--database-url", database_url, "db", "upgrade"], out, err) == 0
    assert out.getvalue() == f"schema is up to date ({script_revisions()[-1]})\n"
    out = io.StringIO()
    assert run(["--database-url", database_url, "db", "check"], out, err) == 0, err.getvalue()
    assert out.getvalue().endswith("audit events: 0\nok\n")
    assert APP_PASSWORD not in out.getvalue() + err.getvalue()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET actor = 'someone else'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ],
)
@pytest.mark.parametrize("superuser", [False, True], ids=["app-role", "superuser"])
def test_the_database_refuses_to_change_audit_events(
    database: Database, database_url: str, statement: str, superuser: bool
) -> None:
    if database.is_sqlite and statement.startswith("TRUNCATE"):
        statement = "DELETE FROM audit_events"  # SQLite's TRUNCATE is a DELETE without WHERE
    upgrade(database)
    with raw_engine(database_url, superuser=superuser) as engine:
        with engine.begin() as sql:
            sql.execute(
                text(
                    "INSERT INTO audit_events (at, actor, workstation, action, prev_hash, hash) "
                    "VALUES ('2026-01-01', 'a', 'w', 'x', 'p', 'h')"
                )
            )
        with pytest.raises(DBAPIError, match="audit events are append-only"), engine.begin() as sql:
            sql.execute(text(statement))
        with engine.connect() as sql:
            assert sql.execute(text("SELECT actor FROM audit_events")).scalars().all() == ["a"]


def _service(database_url: str, catalog: Catalog, clock: FixedClock, station: str) -> WorkupService:
    return WorkupService(
        open_database(database_url), catalog, Settings(clinic_name="Test"), clock, station
    )


def test_audit_verify_command_names_the_first_altered_event(
    database_url: str, shipped_catalog: Catalog, clock: FixedClock
) -> None:
    assert run(["--database-url", database_url, "db", "upgrade"], io.StringIO(), io.StringIO()) == 0
    service = _service(database_url, shipped_catalog, clock, "station-a")
    try:
        patient = service.create_patient("Ivanov", "Ivan", date(1980, 5, 17), "A-1")
        encounter = service.start_encounter(patient.id or 0, WORKFLOW_ID, "Dr. A")
        for value in ("yes", "no", "unknown"):
            service.set_answer(encounter.id or 0, "hx_sx_fever", value, "Dr. A")
        events = service.audit_events(encounter.id or 0)
    finally:
        service.close()
    out, err = io.StringIO(), io.StringIO()
    assert run(["--database-url", database_url, "audit", "verify"], out, err) == 0
    assert out.getvalue() == (
        f"audit chain intact: {len(events)} events\nwitnessed heads found in the chain: 1\n"
    )
    altered = events[-2]
    with raw_engine(database_url, superuser=True) as engine:
        allow_audit_tampering(engine)
        with engine.begin() as sql:
            sql.execute(
                text("UPDATE audit_events SET actor = 'Dr. X' WHERE id = :id"), {"id": altered.id}
            )
    err = io.StringIO()
    assert run(["--database-url", database_url, "audit", "verify"], io.StringIO(), err) == 1
    assert err.getvalue() == (
        f"audit chain broken at event {altered.id}: its content was altered\n"
    )


def test_parallel_writers_keep_one_unbroken_audit_chain(
    database_url: str, shipped_catalog: Catalog, clock: FixedClock
) -> None:
    """Four workstations write to their own encounters at once; the chain stays whole."""
    database = open_database(database_url)
    upgrade(database)
    database.dispose()
    writers, edits = 4, 15
    stations = [
        _service(database_url, shipped_catalog, clock, f"station-{n}") for n in range(writers)
    ]
    encounter_ids = []
    for number, station in enumerate(stations):
        patient = station.create_patient("Patient", str(number), date(1980, 1, 1), f"P-{number}")
        encounter = station.start_encounter(patient.id or 0, WORKFLOW_ID, f"Dr. {number}")
        encounter_ids.append(encounter.id or 0)
    failures: list[BaseException] = []
    barrier = threading.Barrier(writers)

    def write(number: int) -> None:
        try:
            barrier.wait(timeout=10)
            for index in range(edits):
                stations[number].set_answer(
                    encounter_ids[number], "sx_notes", f"{number}:{index}", f"Dr. {number}"
                )
        except BaseException as error:  # reported by the main thread below
            failures.append(error)

    threads = [threading.Thread(target=write, args=(number,)) for number in range(writers)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert failures == []
        verification = stations[0].verify_audit()
        assert verification.ok, verification.first_problem
        per_encounter = 1 + 2 + edits  # create, two prefilled answers, the edits
        assert verification.events == writers * per_encounter
        for number, encounter_id in enumerate(encounter_ids):
            events = stations[0].audit_events(encounter_id)
            notes = [e.new_json for e in events if e.item_id == "sx_notes"]
            assert notes == [f'"{number}:{index}"' for index in range(edits)]
            assert {e.workstation for e in events} == {f"station-{number}"}
    finally:
        for station in stations:
            station.close()


def test_an_unreachable_server_is_reported_in_one_clear_line() -> None:
    url = f"postgresql+psycopg://workup@127.0.0.1:{free_port()}/workup"
    with pytest.raises(UnavailableError) as caught:
        WorkupService.open(Settings(), url)
    assert str(caught.value) == (
        f"the database server is unreachable ({url}); check that the server is running "
        "and that this computer is on the clinic network, then try again"
    )


def _legacy_event(sql: object, previous: str, **fields: object) -> str:
    """Append an audit event as revision 0002 wrote it; return its hash."""
    from app.storage.models import AuditRow
    from app.storage.repository import event_hash

    row = AuditRow(prev_hash=previous, **fields)
    row.hash = event_hash(previous, row)
    sql.execute(  # type: ignore[attr-defined]
        text(
            "INSERT INTO audit_events (encounter_id, at, actor, workstation, action, item_id, "
            "old_json, new_json, prev_hash, hash) VALUES (:encounter_id, :at, :actor, "
            ":workstation, :action, :item_id, :old_json, :new_json, :prev_hash, :hash)"
        ),
        {
            "encounter_id": row.encounter_id,
            "at": row.at,
            "actor": row.actor,
            "workstation": row.workstation,
            "action": row.action,
            "item_id": row.item_id,
            "old_json": row.old_json,
            "new_json": row.new_json,
            "prev_hash": previous,
            "hash": row.hash,
        },
    )
    return row.hash


def test_a_0002_database_with_signed_records_upgrades_verifies_and_amends(
    database: Database, database_url: str, shipped_catalog: Catalog, clock: FixedClock
) -> None:
    workflow = shipped_catalog.get(WORKFLOW_ID)
    upgrade(database, "0002")
    now = clock()
    common = {"at": now, "actor": "Dr. Old", "workstation": "old-station"}
    with database.engine.begin() as sql:
        sql.execute(
            text(
                "INSERT INTO patients (id, family_name, given_name, birth_date, chart_number, "
                "name_key, given_key, created_at) VALUES (1, 'Ivanov', 'Ivan', '1980-05-17', "
                "'L-1', 'ivanov ivan', 'ivan', :now)"
            ),
            {"now": now},
        )
        sql.execute(
            text(
                "INSERT INTO workflow_snapshots (id, workflow_id, version, content_hash, "
                "source_text, created_at) VALUES (1, :id, :version, :hash, :text, :now)"
            ),
            {
                "id": workflow.id,
                "version": workflow.version,
                "hash": workflow.content_hash,
                "text": workflow.source_text,
                "now": now,
            },
        )
        sql.execute(
            text(
                "INSERT INTO encounters (id, uid, patient_id, snapshot_id, status, language, "
                "clinician, created_at, updated_at, revision) VALUES (1, 'legacy-1', 1, 1, "
                "'draft', 'en', 'Dr. Old', :now, :now, 2)"
            ),
            {"now": now},
        )
        sql.execute(
            text(
                "INSERT INTO answers VALUES (1, 'visit_main_complaint', '\"dry orgasm\"', "
                ":now, 'Dr. Old')"
            ),
            {"now": now},
        )
        last = _legacy_event(
            sql,
            "0" * 64,
            encounter_id=1,
            action="create",
            item_id=None,
            old_json=None,
            new_json=workflow.id,
            **common,
        )
        last = _legacy_event(
            sql,
            last,
            encounter_id=1,
            action="answer",
            item_id="visit_main_complaint",
            old_json=None,
            new_json='"dry orgasm"',
            **common,
        )
        last = _legacy_event(
            sql,
            last,
            encounter_id=1,
            action="finalize",
            item_id=None,
            old_json=None,
            new_json="Dr. Old",
            **common,
        )
        sql.execute(
            text(
                "UPDATE encounters SET status = 'finalized', finalized_by = 'Dr. Old', "
                "finalized_at = :now, revision = 3 WHERE id = 1"
            ),
            {"now": now},
        )
        # an amendment opened by 0002: its event's time was read apart from the addendum's
        sql.execute(
            text(
                "INSERT INTO addenda (encounter_id, seq, reason, opened_by, opened_at) "
                "VALUES (1, 1, 'late result', 'Dr. Old', :now)"
            ),
            {"now": now},
        )
        sql.execute(text("UPDATE encounters SET status = 'amending', revision = 4 WHERE id = 1"))
        later = {**common, "at": now + timedelta(microseconds=70)}
        last = _legacy_event(
            sql,
            last,
            encounter_id=1,
            action="amend",
            item_id=None,
            old_json=None,
            new_json="late result",
            **later,
        )
        sql.execute(text("UPDATE audit_head SET last_id = 4, last_hash = :hash"), {"hash": last})

    assert upgrade(database) == ("0002", script_revisions()[-1])
    _assert_at_head(database)
    service = WorkupService.open(Settings(), database_url, clock=clock, catalog=shipped_catalog)
    try:
        assert service.audit_head().events == 4
        result = service.verify_audit()
        assert result.ok, result.first_problem
        assert service.encounter(1).sealed_digest is None  # signed before sealing
        service.set_answer(1, "visit_date", "2026-11-20", "Dr. Old")
        service.set_answer(1, "visit_clinician", "Dr. Old", "Dr. Old")
        service.finalize(1, "Dr. Old")  # the addendum opened before the upgrade
        service.amend(1, "corrected after the upgrade", "Dr. New")
        service.set_answer(1, "hx_sx_fever", "yes", "Dr. New")
        service.finalize(1, "Dr. New")
        amended = service.encounter(1)
        assert [addendum.sealed_digest is not None for addendum in amended.addenda] == [
            True,
            True,
        ]
        result = service.verify_audit()
        assert result.ok, result.first_problem
    finally:
        service.close()
    with (
        raw_engine(database_url) as engine,
        pytest.raises(DBAPIError, match="refused: "),
        engine.begin() as sql,
    ):
        sql.execute(text("UPDATE encounters SET status = 'finalized' WHERE id = 1"))
