"""Attacks on signed records with plain SQL, on SQLite and PostgreSQL: each is refused by the
database or reported by `audit verify`, naming the encounter (or event, or snapshot) and field.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from app.cli import run
from app.config import Settings
from app.domain.encounter import EncounterStatus
from app.domain.seal import content_digest
from app.interop import loads
from app.services import (
    ChangedError,
    UnavailableError,
    WorkupService,
    export_summary_pdf,
    witness_file,
)
from app.storage.models import AuditRow
from app.storage.records import stored_time
from app.storage.repository import event_hash
from app.storage.witness import ChainHead, append_head, read_heads
from tests.postgres import BACKENDS, allow_audit_tampering, raw_engine
from tests.support import WORKFLOW_ID, FixedClock

CLINICIAN = "Dr. Petrova"
REFUSED = "refused: |encounter is finalized|addendum is signed"


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    """Every test here runs on SQLite and on PostgreSQL."""
    backend: str = request.param
    return backend


def _start(service: WorkupService, chart: str) -> int:
    patient = service.create_patient("Ivanov", "Ivan", date(1980, 5, 17), chart)
    encounter = service.start_encounter(patient.id or 0, WORKFLOW_ID, CLINICIAN)
    assert encounter.id is not None
    service.set_answer(encounter.id, "visit_main_complaint", "dry orgasm", CLINICIAN)
    return encounter.id


class Records:
    """One encounter in each state: draft, finalized, amending, amended."""

    def __init__(self, service: WorkupService) -> None:
        self.draft = _start(service, "D-1")
        service.set_answer(self.draft, "hx_sx_fever", "no", CLINICIAN)
        self.finalized = _start(service, "F-1")
        service.finalize(self.finalized, CLINICIAN)
        self.amending = _start(service, "M-1")
        service.finalize(self.amending, CLINICIAN)
        service.amend(self.amending, "history corrected", CLINICIAN)
        service.set_answer(self.amending, "hx_sx_fever", "yes", CLINICIAN)
        self.reamending = _start(service, "R-1")
        service.finalize(self.reamending, CLINICIAN)
        service.amend(self.reamending, "first", CLINICIAN)
        service.finalize(self.reamending, CLINICIAN)
        service.amend(self.reamending, "second", CLINICIAN)
        self.amended = _start(service, "A-1")
        service.finalize(self.amended, CLINICIAN)
        service.amend(self.amended, "order added", CLINICIAN)
        service.finalize(self.amended, CLINICIAN)

    def ids(self) -> dict[str, int]:
        return {
            "draft": self.draft,
            "finalized": self.finalized,
            "amending": self.amending,
            "amended": self.amended,
            "reamending": self.reamending,
        }


@pytest.fixture
def records(service: WorkupService) -> Records:
    made = Records(service)
    assert service.verify_audit().ok, service.verify_audit().first_problem
    return made


def _rows(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as sql:
        return {
            table: [tuple(row) for row in sql.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]
            for table in ("encounters", "addenda", "answers", "order_states", "patients")
        }


@contextmanager
def _unprotected(database_url: str) -> Iterator[Connection]:
    """A transaction with every protective trigger off, as the database's owner could."""
    with raw_engine(database_url, superuser=True) as engine, engine.begin() as sql:
        if engine.dialect.name == "sqlite":
            names = sql.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            for name in list(names.scalars()):
                sql.exec_driver_sql(f"DROP TRIGGER {name}")
        else:
            sql.exec_driver_sql("SET LOCAL session_replication_role = replica")
        yield sql


FORGERIES = [
    pytest.param(
        "UPDATE encounters SET status = 'amending', finalized_by = 'Mallory' WHERE id = :finalized",
        id="finalized-to-amending-with-new-signer",
    ),
    pytest.param(
        "UPDATE encounters SET status = 'amending', patient_id = "
        "(SELECT patient_id FROM encounters WHERE id = :draft) WHERE id = :finalized",
        id="finalized-to-amending-with-other-patient",
    ),
    pytest.param(
        "UPDATE encounters SET status = 'amending' WHERE id = :finalized",
        id="finalized-to-amending-without-addendum",
    ),
    pytest.param(
        "UPDATE encounters SET status = 'amending' WHERE id = :amended", id="amended-to-amending"
    ),
    pytest.param(
        "UPDATE encounters SET status = 'finalized' WHERE id = :amending",
        id="amending-back-to-finalized",
    ),
    pytest.param(
        "UPDATE encounters SET status = 'amended' WHERE id = :amending",
        id="amending-to-amended-unsigned",
    ),
    pytest.param(
        "UPDATE encounters SET status = 'draft' WHERE id = :finalized", id="finalized-to-draft"
    ),
    pytest.param(
        "UPDATE encounters SET status = 'amended' WHERE id = :draft", id="draft-to-amended"
    ),
    pytest.param(
        "UPDATE encounters SET status = 'finalized' WHERE id = :draft", id="draft-unsigned-final"
    ),
    pytest.param(
        "UPDATE encounters SET finalized_by = 'Mallory' WHERE id = :amending",
        id="amending-signer-changed",
    ),
    pytest.param(
        "UPDATE encounters SET sealed_digest = NULL WHERE id = :amended", id="seal-removed"
    ),
    pytest.param("DELETE FROM encounters WHERE id = :amending", id="signed-deleted"),
    pytest.param(
        "INSERT INTO encounters (uid, patient_id, snapshot_id, status, language, clinician, "
        "created_at, updated_at, revision, finalized_by, finalized_at) SELECT 'forged', "
        "patient_id, snapshot_id, 'finalized', language, clinician, created_at, updated_at, 1, "
        "'Mallory', updated_at FROM encounters WHERE id = :draft",
        id="inserted-signed",
    ),
    pytest.param(
        "INSERT INTO addenda (encounter_id, seq, reason, opened_by, opened_at, signed_by, "
        "signed_at) SELECT id, 1, 'x', 'Mallory', updated_at, 'Mallory', updated_at "
        "FROM encounters WHERE id = :finalized",
        id="addendum-inserted-signed",
    ),
    pytest.param(
        "INSERT INTO addenda (encounter_id, seq, reason, opened_by, opened_at) "
        "SELECT id, 2, 'x', 'Mallory', updated_at FROM encounters WHERE id = :amending",
        id="addendum-inserted-while-one-is-open",
    ),
    pytest.param(
        "INSERT INTO addenda (encounter_id, seq, reason, opened_by, opened_at) "
        "SELECT id, 1, 'x', 'Mallory', updated_at FROM encounters WHERE id = :draft",
        id="addendum-on-draft",
    ),
    pytest.param(
        "INSERT INTO addenda (encounter_id, seq, reason, opened_by, opened_at) "
        "SELECT id, 5, 'x', 'Mallory', updated_at FROM encounters WHERE id = :finalized",
        id="addendum-out-of-number",
    ),
    pytest.param("DELETE FROM addenda WHERE encounter_id = :amended", id="signed-addendum-deleted"),
    pytest.param("DELETE FROM addenda WHERE encounter_id = :amending", id="open-addendum-deleted"),
    pytest.param(
        "UPDATE addenda SET reason = 'other' WHERE encounter_id = :amended",
        id="signed-addendum-changed",
    ),
    pytest.param(
        "UPDATE addenda SET signed_by = 'Mallory', signed_at = NULL WHERE encounter_id = :amended",
        id="signed-addendum-unsigned",
    ),
    pytest.param(
        "UPDATE addenda SET reason = 'other' WHERE encounter_id = :amending",
        id="open-addendum-reason-changed",
    ),
    pytest.param(
        "UPDATE addenda SET reason = 'other', signed_by = 'Mallory', signed_at = opened_at "
        "WHERE encounter_id = :amending",
        id="open-addendum-signed-with-other-reason",
    ),
    pytest.param(
        "UPDATE addenda SET signed_by = 'Mallory' WHERE encounter_id = :reamending AND seq = 1",
        id="earlier-addendum-re-signed-while-amending",
    ),
    pytest.param(
        "UPDATE answers SET encounter_id = :finalized WHERE encounter_id = :draft "
        "AND item_id = 'hx_sx_fever'",
        id="answer-moved-into-signed",
    ),
    pytest.param(
        "UPDATE order_states SET encounter_id = :amended WHERE encounter_id = :draft",
        id="order-moved-into-signed",
    ),
    pytest.param(
        "UPDATE answers SET value_json = '\"changed\"' WHERE encounter_id = :amended",
        id="answer-of-amended-changed",
    ),
    pytest.param(
        "UPDATE patients SET family_name = 'Other' "
        "WHERE id = (SELECT patient_id FROM encounters WHERE id = :finalized)",
        id="patient-of-signed-renamed",
    ),
    pytest.param(
        "UPDATE patients SET birth_date = '1990-01-01' "
        "WHERE id = (SELECT patient_id FROM encounters WHERE id = :amending)",
        id="patient-of-amending-changed",
    ),
    pytest.param(
        "DELETE FROM patients WHERE id = (SELECT patient_id FROM encounters WHERE id = :amended)",
        id="patient-of-signed-deleted",
    ),
    pytest.param(
        "UPDATE workflow_snapshots SET source_text = source_text || ' '", id="snapshot-edited"
    ),
    pytest.param("DELETE FROM workflow_snapshots", id="snapshot-deleted"),
]


@pytest.mark.parametrize("statement", FORGERIES)
def test_a_forged_change_is_refused_by_the_database_as_the_application_role(
    records: Records, database_url: str, statement: str
) -> None:
    with raw_engine(database_url) as engine:
        if statement.startswith("UPDATE order_states"):
            with engine.begin() as sql:  # give the draft an order to move
                sql.execute(
                    text(
                        "INSERT INTO order_states VALUES (:draft, 'lab_cbc', 'ordered', NULL, '', "
                        "'2026-01-01', 'x')"
                    ),
                    {"draft": records.draft},
                )
        before = _rows(engine)
        with pytest.raises(DBAPIError, match=REFUSED), engine.begin() as sql:
            # foreign keys stay off, as in a plain sqlite3 shell: the triggers alone refuse
            sql.execute(text(statement), records.ids())
        assert _rows(engine) == before


def test_the_lawful_steps_still_work_and_verify(service: WorkupService, records: Records) -> None:
    service.amend(records.amended, "second addendum", CLINICIAN)
    service.set_answer(records.amended, "hx_sx_fever", "no", CLINICIAN)
    service.finalize(records.amended, CLINICIAN)
    service.finalize(records.amending, CLINICIAN)
    amended = service.encounter(records.amended)
    assert amended.status is EncounterStatus.AMENDED
    assert [addendum.seq for addendum in amended.addenda] == [1, 2]
    assert service.verify_audit().ok


def test_an_addendum_opened_by_sql_is_reported_by_verify(
    service: WorkupService, records: Records, database_url: str
) -> None:
    # Inserting the next addendum is how an amendment opens (the trigger makes the
    # encounter amending in the same statement); done without the application, the audit
    # events do not have it.
    with raw_engine(database_url) as engine, engine.begin() as sql:
        sql.execute(
            text(
                "INSERT INTO addenda (encounter_id, seq, reason, opened_by, opened_at) "
                "SELECT id, 1, 'x', 'Mallory', updated_at FROM encounters WHERE id = :id"
            ),
            {"id": records.finalized},
        )
    result = service.verify_audit()
    assert result.first_problem == (
        f"encounter {records.finalized}: status: the stored value is not what its audit events give"
    )


@pytest.mark.parametrize(
    ("statement", "field"),
    [
        (
            "UPDATE answers SET value_json = '\"changed\"' WHERE encounter_id = :finalized "
            "AND item_id = 'visit_main_complaint'",
            "answer visit_main_complaint",
        ),
        (
            "DELETE FROM answers WHERE encounter_id = :amended AND item_id = 'visit_date'",
            "answer visit_date",
        ),
        (
            "INSERT INTO order_states VALUES (:finalized, 'lab_cbc', 'ordered', NULL, '', "
            "'2026-01-01', 'x')",
            "order lab_cbc",
        ),
        ("UPDATE encounters SET finalized_by = 'Mallory' WHERE id = :finalized", "finalized_by"),
        ("UPDATE encounters SET status = 'finalized' WHERE id = :amending", "status"),
        ("UPDATE encounters SET language = 'ru' WHERE id = :amended", "sealed_digest"),
        ("UPDATE addenda SET reason = 'other' WHERE encounter_id = :amended", "addendum 1 reason"),
        (
            "UPDATE addenda SET sealed_digest = :digest WHERE encounter_id = :amended",
            "addendum 1 sealed_digest",
        ),
    ],
)
def test_a_record_changed_behind_the_triggers_is_named_by_verify(
    service: WorkupService, records: Records, database_url: str, statement: str, field: str
) -> None:
    with _unprotected(database_url) as sql:
        sql.execute(text(statement), {**records.ids(), "digest": "0" * 64})
    result = service.verify_audit()
    assert not result.ok
    assert result.first_problem is not None
    encounter = int(result.first_problem.split(":")[0].removeprefix("encounter "))
    assert encounter in records.ids().values()
    assert result.first_problem.startswith(f"encounter {encounter}: {field}")


def test_a_changed_patient_breaks_the_seal_and_is_named(
    service: WorkupService, records: Records, database_url: str
) -> None:
    with _unprotected(database_url) as sql:
        sql.execute(
            text(
                "UPDATE patients SET family_name = 'Other' "
                "WHERE id = (SELECT patient_id FROM encounters WHERE id = :id)"
            ),
            {"id": records.finalized},
        )
    assert service.verify_audit().first_problem == (
        f"encounter {records.finalized}: sealed_digest: the patient, workflow, language or "
        "encounter identity differs from what was signed"
    )


def test_an_edited_snapshot_is_named_by_verify_and_refused_when_loaded(
    service: WorkupService, records: Records, database_url: str, clock: FixedClock
) -> None:
    with _unprotected(database_url) as sql:
        sql.execute(text("UPDATE workflow_snapshots SET source_text = source_text || ' '"))
        snapshot = sql.execute(text("SELECT id, workflow_id FROM workflow_snapshots")).one()
    assert service.verify_audit().first_problem == (
        f"workflow snapshot {snapshot.id} ({snapshot.workflow_id}): source_text: the text "
        "does not have its recorded SHA-256"
    )
    with pytest.raises(UnavailableError, match=f"workflow snapshot {snapshot.id} was altered"):
        service.encounter(records.finalized)
    other = WorkupService.open(Settings(), database_url, clock=clock)  # no catalog, no cache
    try:
        with pytest.raises(UnavailableError, match=f"workflow snapshot {snapshot.id} was altered"):
            other.encounter(records.finalized)
    finally:
        other.close()
    with pytest.raises(UnavailableError, match=f"workflow snapshot {snapshot.id} was altered"):
        export_summary_pdf(Settings(), database_url, records.finalized)
    out, err = io.StringIO(), io.StringIO()
    assert run(["--database-url", database_url, "db", "check"], out, err) == 1
    assert err.getvalue().endswith(
        f"audit chain: workflow snapshot {snapshot.id} ({snapshot.workflow_id}): source_text: "
        "the text does not have its recorded SHA-256\n"
    )
    out, err = io.StringIO(), io.StringIO()
    assert run(["--database-url", database_url, "audit", "verify"], out, err) == 1
    assert f"workflow snapshot {snapshot.id}" in err.getvalue()


def test_audit_head_prints_the_count_and_hash(service: WorkupService, database_url: str) -> None:
    encounter_id = _start(service, "H-1")
    service.finalize(encounter_id, CLINICIAN)
    out, err = io.StringIO(), io.StringIO()
    assert run(["--database-url", database_url, "audit", "head"], out, err) == 0, err.getvalue()
    head = service.audit_head()
    assert out.getvalue() == f"{head.events} {head.hash}\n"
    assert head.events == len(service.audit_events(encounter_id))


@contextmanager
def _tamper_chain(database_url: str) -> Iterator[Connection]:
    with raw_engine(database_url, superuser=True) as engine:
        allow_audit_tampering(engine)
        with engine.begin() as sql:
            yield sql


def _set_head(sql: Connection) -> None:
    """Point the head at the chain as it now is, as an attacker hiding a change would."""
    last = sql.execute(text("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1")).one()
    count = sql.execute(text("SELECT COUNT(*) FROM audit_events")).scalar_one()
    sql.execute(
        text("UPDATE audit_head SET last_id = :id, last_hash = :hash, events = :count"),
        {"id": last.id, "hash": last.hash, "count": count},
    )


def test_truncation_with_the_head_fixed_is_found_by_the_witness(
    service: WorkupService, records: Records, database_url: str
) -> None:
    witnessed = read_heads(witness_file(service.database))
    assert witnessed[-1] == service.audit_head()  # the last signature was witnessed
    newest = witnessed[-1].events
    with _tamper_chain(database_url) as sql:
        last_id = sql.execute(text("SELECT MAX(id) FROM audit_events")).scalar_one()
        sql.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": last_id})
        _set_head(sql)
        kept = sql.execute(text("SELECT MAX(id) FROM audit_events")).scalar_one()
    assert service.verify_audit().first_problem == (
        f"after event {kept}: a witness saw {newest} events, the chain has "
        f"{newest - 1} (the newest events were removed)"
    )


def test_truncation_with_the_head_fixed_is_found_by_the_replay_without_a_witness(
    service: WorkupService, records: Records, database_url: str
) -> None:
    witness_file(service.database).unlink()
    with _tamper_chain(database_url) as sql:
        last_id = sql.execute(text("SELECT MAX(id) FROM audit_events")).scalar_one()
        sql.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": last_id})
        _set_head(sql)
    # the removed event signed the amended encounter's addendum
    assert service.verify_audit().first_problem == (
        f"encounter {records.amended}: status: the stored value is not what its audit events give"
    )


def _rewrite_from(sql: Connection, first_id: int) -> None:
    """Recompute every hash from event `first_id` on, as a full rewrite of the past does."""
    previous = sql.execute(
        text("SELECT hash FROM audit_events WHERE id < :id ORDER BY id DESC LIMIT 1"),
        {"id": first_id},
    ).scalar_one_or_none() or ("0" * 64)
    rows = sql.execute(
        text("SELECT * FROM audit_events WHERE id >= :id ORDER BY id"), {"id": first_id}
    ).all()
    for row in rows:
        event = AuditRow(**row._asdict())
        event.at = stored_time(row.at)
        new_hash = event_hash(previous, event)
        sql.execute(
            text("UPDATE audit_events SET prev_hash = :prev, hash = :hash WHERE id = :id"),
            {"prev": previous, "hash": new_hash, "id": row.id},
        )
        previous = new_hash
    _set_head(sql)


def test_a_full_rewrite_is_found_by_the_witness(
    service: WorkupService, records: Records, database_url: str
) -> None:
    with _tamper_chain(database_url) as sql:
        first = sql.execute(text("SELECT MIN(id) FROM audit_events")).scalar_one()
        sql.execute(
            text("UPDATE audit_events SET workstation = 'elsewhere' WHERE id = :id"),
            {"id": first},
        )
        _rewrite_from(sql, first)
    heads = read_heads(witness_file(service.database))
    result = service.verify_audit()
    assert result.first_problem is not None
    assert result.first_problem.startswith("event ")
    assert "a witness recorded event" in result.first_problem
    assert "(the past was rewritten)" in result.first_problem
    # without this workstation's witness file the rewrite is consistent
    witness_file(service.database).unlink()
    assert service.verify_audit().ok
    assert heads


def test_a_witness_of_another_workstation_can_be_checked(
    service: WorkupService, records: Records, clock: FixedClock
) -> None:
    head = service.audit_head()
    path = witness_file(service.database)
    append_head(path, ChainHead(head.events, "a" * 64), clock())
    result = service.verify_audit()
    assert result.first_problem is not None
    assert "a witness recorded event" in result.first_problem


def test_editing_writes_the_head_at_most_every_few_minutes(
    service: WorkupService, clock: FixedClock
) -> None:
    encounter_id = _start(service, "W-1")
    path = witness_file(service.database)
    assert len(read_heads(path)) == 1  # the first edit of this session
    service.set_answer(encounter_id, "hx_sx_fever", "yes", CLINICIAN)
    assert len(read_heads(path)) == 1
    clock.now += timedelta(minutes=5)
    service.set_answer(encounter_id, "hx_sx_fever", "no", CLINICIAN)
    assert read_heads(path)[-1] == service.audit_head()
    service.finalize(encounter_id, CLINICIAN)  # every signature
    assert read_heads(path)[-1] == service.audit_head()
    assert len(read_heads(path)) == 3


HASHED_FIELDS = [
    "prev_hash",
    "encounter_id",
    "at",
    "actor",
    "workstation",
    "action",
    "item_id",
    "old_json",
    "new_json",
]


@pytest.mark.parametrize("field", HASHED_FIELDS)
def test_every_input_of_the_event_hash_is_covered(
    service: WorkupService, records: Records, database_url: str, field: str
) -> None:
    """Each field is changed so that only the event hash can tell (the links and the replay
    are kept consistent); the chain check must name the event."""
    with _tamper_chain(database_url) as sql:
        events = sql.execute(
            text(
                "SELECT id, prev_hash, hash FROM audit_events WHERE encounter_id = :id "
                "AND action = 'answer' AND old_json IS NULL ORDER BY id"
            ),
            {"id": records.draft},
        ).all()
        target = events[-1]
        if field == "prev_hash":
            # remove the event before and link the target to the one before that
            before = sql.execute(
                text("SELECT id, prev_hash FROM audit_events WHERE hash = :hash"),
                {"hash": target.prev_hash},
            ).one()
            sql.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": before.id})
            sql.execute(
                text("UPDATE audit_events SET prev_hash = :prev WHERE id = :id"),
                {"prev": before.prev_hash, "id": target.id},
            )
        else:
            changed = {
                "encounter_id": "encounter_id + 1000000",
                "at": "at",
                "actor": "'Mallory'",
                "workstation": "'elsewhere'",
                "action": "'answerx'",
                "item_id": "'other_item'",
                "old_json": "'\"forged\"'",
                "new_json": "'\"forged\"'",
            }[field]
            if field == "at":
                sql.execute(
                    text("UPDATE audit_events SET at = :at WHERE id = :id"),
                    {"at": "2001-01-01 00:00:00", "id": target.id},
                )
            else:
                sql.execute(
                    text(f"UPDATE audit_events SET {field} = {changed} WHERE id = :id"),
                    {"id": target.id},
                )
        _set_head(sql)
    assert service.verify_audit().first_problem == f"event {target.id}: its content was altered"


def test_the_sealed_digest_is_the_digest_of_the_exported_document(
    service: WorkupService, records: Records
) -> None:
    for encounter_id in (records.finalized, records.amended):
        document = loads(service.export_document(encounter_id))
        assert isinstance(document, dict)
        encounter = service.encounter(encounter_id)
        sealed = (
            encounter.sealed_digest
            if encounter.status is EncounterStatus.FINALIZED
            else encounter.addenda[-1].sealed_digest
        )
        assert sealed == content_digest(document)
        event = service.audit_events(encounter_id)[-1]
        assert event.new_json is not None
        assert sealed in event.new_json


def test_an_imported_signed_encounter_replays_from_its_import_event(
    service: WorkupService, records: Records, tmp_path: Path, clock: FixedClock
) -> None:
    document = service.export_document(records.amended)
    other = WorkupService.open(
        Settings(), f"sqlite:///{tmp_path / 'other.sqlite3'}", clock=clock, auto_upgrade=True
    )
    try:
        imported = other.import_document(document, "import")
        assert other.encounter(imported).status is EncounterStatus.AMENDED
        assert other.verify_audit().ok
        other.amend(imported, "after import", CLINICIAN)
        other.finalize(imported, CLINICIAN)
        assert other.verify_audit().ok
    finally:
        other.close()


def test_the_witness_file_is_private_and_appended(service: WorkupService) -> None:
    encounter_id = _start(service, "P-1")
    service.finalize(encounter_id, CLINICIAN)
    path = witness_file(service.database)
    assert path.stat().st_mode & 0o077 == 0
    lines = path.read_text(encoding="ascii").splitlines()
    events, digest, _at = lines[-1].split(" ")
    assert ChainHead(int(events), digest) == service.audit_head()


def test_signing_refuses_a_revision_newer_than_the_one_reviewed(service: WorkupService) -> None:
    encounter_id = _start(service, "S-1")
    reviewed = service.encounter(encounter_id).revision
    service.set_answer(encounter_id, "hx_sx_fever", "yes", "Dr. Other")  # after the review
    with pytest.raises(ChangedError, match="changed after it was shown"):
        service.finalize(encounter_id, CLINICIAN, reviewed)
    stored = service.encounter(encounter_id)
    assert stored.status is EncounterStatus.DRAFT
    assert stored.sealed_digest is None
    service.finalize(encounter_id, CLINICIAN, stored.revision)
    service.amend(encounter_id, "late result", CLINICIAN)
    reviewed = service.encounter(encounter_id).revision
    service.set_answer(encounter_id, "hx_sx_fever", "no", "Dr. Other")
    with pytest.raises(ChangedError):
        service.finalize(encounter_id, CLINICIAN, reviewed)  # signing the addendum
    assert service.encounter(encounter_id).status is EncounterStatus.AMENDING
    assert service.verify_audit().ok
