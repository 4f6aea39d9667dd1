"""Reading one encounter straight from a SQLite file with the standard `sqlite3` module.

Opening the database normally (`open_database`) loads SQLAlchemy, which costs more than a
one-off read needs. This reader opens the file read-only, never creates or changes it,
and reads only a file whose schema is exactly the one this code writes. Whenever it cannot
be sure of the file it raises `DirectReadError`: the caller then opens the database the
normal way, which checks it fully and tells the user what is wrong.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from app.domain.encounter import Encounter
from app.domain.workflow import Workflow
from app.storage.errors import DamagedRecordError, NotFoundError
from app.storage.records import (
    WorkflowResolver,
    addendum_from,
    answers_from,
    check_snapshot,
    encounter_from,
    order_from,
    patient_from,
)
from app.storage.revisions import HEAD_REVISION

# Seconds to wait for a lock held by a writer, as long as a normal opening waits.
BUSY_TIMEOUT = 10


class DirectReadError(Exception):
    """The file cannot be read directly (missing, not a database, another schema, locked);
    open the database normally to learn why."""


def read_encounter(
    path: Path, encounter_id: int, resolve: WorkflowResolver
) -> tuple[Encounter, Workflow]:
    """The encounter `encounter_id` of the SQLite file at `path`, with its workflow snapshot.

    The same objects `Repository.load_encounter` and `Repository.encounter_workflow` give.
    Raises NotFoundError for an encounter that does not exist, StorageError for a stored
    answer or snapshot that cannot be read, and DirectReadError for anything about the file.
    """
    if not path.is_file():
        raise DirectReadError(f"{path}: no database file here")
    try:
        connection = sqlite3.connect(
            f"file:{quote(str(path))}?mode=ro",
            uri=True,
            timeout=BUSY_TIMEOUT,
            isolation_level=None,
        )
    except sqlite3.Error as error:
        raise DirectReadError(f"{path}: cannot open the database ({error})") from error
    try:
        # One read transaction, so that every row comes from the same state of the file.
        connection.execute("BEGIN")
        revision = _revision(connection)
        if revision != HEAD_REVISION:
            raise DirectReadError(f"{path}: schema {revision or 'none'}, not {HEAD_REVISION}")
        return _encounter(connection, encounter_id, resolve)
    except (ValueError, TypeError) as error:
        raise DamagedRecordError(
            f"encounter {encounter_id}: a stored value is not one the application writes "
            f"({str(error)[:120]}); the record was changed outside the application: run "
            "'workup audit verify'"
        ) from error
    except sqlite3.Error as error:
        raise DirectReadError(f"{path}: cannot read the database ({error})") from error
    finally:
        connection.close()


def _revision(connection: sqlite3.Connection) -> str | None:
    table = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).fetchone()
    if table is None:
        return None
    rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    return str(rows[0][0]) if len(rows) == 1 else None


def _encounter(
    connection: sqlite3.Connection, encounter_id: int, resolve: WorkflowResolver
) -> tuple[Encounter, Workflow]:
    row = connection.execute(
        "SELECT id, uid, patient_id, snapshot_id, status, language, clinician, created_at,"
        " updated_at, revision, finalized_by, finalized_at, sealed_digest FROM encounters"
        " WHERE id = ?",
        (encounter_id,),
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no encounter with id {encounter_id}")
    (
        row_id,
        uid,
        patient_id,
        snapshot_id,
        status,
        language,
        clinician,
        created_at,
        updated_at,
        revision,
        finalized_by,
        finalized_at,
        sealed_digest,
    ) = row
    patient = connection.execute(
        "SELECT id, family_name, given_name, birth_date, chart_number FROM patients WHERE id = ?",
        (patient_id,),
    ).fetchone()
    snapshot = connection.execute(
        "SELECT workflow_id, version, content_hash, source_text FROM workflow_snapshots"
        " WHERE id = ?",
        (snapshot_id,),
    ).fetchone()
    if patient is None or snapshot is None:
        # Foreign keys guarantee both rows; a file without them is not one this code wrote.
        raise DirectReadError(f"encounter {encounter_id}: its patient or snapshot is missing")
    workflow_id, version, content_hash, source_text = snapshot
    check_snapshot(snapshot_id, content_hash, source_text)
    workflow = resolve(content_hash, source_text)
    answers = answers_from(
        encounter_id,
        workflow,
        connection.execute(
            "SELECT item_id, value_json FROM answers WHERE encounter_id = ?", (encounter_id,)
        ),
    )
    orders = {
        item_id: order_from(order_status, on_date, note)
        for item_id, order_status, on_date, note in connection.execute(
            "SELECT item_id, status, on_date, note FROM order_states WHERE encounter_id = ?",
            (encounter_id,),
        )
    }
    addenda = tuple(
        addendum_from(*addendum)
        for addendum in connection.execute(
            "SELECT seq, reason, opened_by, opened_at, signed_by, signed_at, sealed_digest"
            " FROM addenda"
            " WHERE encounter_id = ? ORDER BY seq",
            (encounter_id,),
        )
    )
    encounter = encounter_from(
        encounter_id=row_id,
        uid=uid,
        patient=patient_from(*patient),
        workflow_id=workflow_id,
        workflow_version=version,
        workflow_hash=content_hash,
        status=status,
        language=language,
        clinician=clinician,
        created_at=created_at,
        updated_at=updated_at,
        revision=revision,
        finalized_by=finalized_by,
        finalized_at=finalized_at,
        answers=answers,
        orders=orders,
        addenda=addenda,
        sealed_digest=sealed_digest,
    )
    return encounter, workflow
