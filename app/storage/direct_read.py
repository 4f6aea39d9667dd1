"""Reading one encounter straight through a DB-API connection: the standard `sqlite3` module
for a local file, psycopg for a clinic server.

Opening the database normally (`open_database`) loads SQLAlchemy and the ORM models, which
cost more than a one-off read needs (on a server, SQLAlchemy and psycopg together cost half
a second of `workup export`). This reader runs the same SQL on either connection (only the
parameter mark differs), inside one read-only transaction, so that every row comes from
the same state of the database, and never writes anything.

It reads only a database whose schema revision is `READER_REVISION`, the one it was
written for: `COLUMNS` lists every table and column of that schema, and a test checks them
one by one against the ORM models (app/storage/models.py). A new migration changes the
revision, so until this reader is brought up to date a newer database is read the normal
way instead, never with part of its data left out. Whenever the reader cannot be sure of
the database it raises `DirectReadError`: the caller then opens the database the normal
way, which checks it fully and tells the user what is wrong.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final, Protocol
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

READER_REVISION: Final = "0003"
"""The schema revision this reader was written for; it reads no other."""

COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "patients": (
        "id",
        "family_name",
        "given_name",
        "birth_date",
        "chart_number",
        "name_key",
        "given_key",
        "created_at",
    ),
    "workflow_snapshots": (
        "id",
        "workflow_id",
        "version",
        "content_hash",
        "source_text",
        "created_at",
    ),
    "encounters": (
        "id",
        "uid",
        "patient_id",
        "snapshot_id",
        "status",
        "language",
        "clinician",
        "created_at",
        "updated_at",
        "revision",
        "finalized_by",
        "finalized_at",
        "sealed_digest",
    ),
    "answers": ("encounter_id", "item_id", "value_json", "updated_at", "updated_by"),
    "order_states": (
        "encounter_id",
        "item_id",
        "status",
        "on_date",
        "note",
        "updated_at",
        "updated_by",
    ),
    "addenda": (
        "id",
        "encounter_id",
        "seq",
        "reason",
        "opened_by",
        "opened_at",
        "signed_by",
        "signed_at",
        "sealed_digest",
    ),
    "audit_events": (
        "id",
        "encounter_id",
        "at",
        "actor",
        "workstation",
        "action",
        "item_id",
        "old_json",
        "new_json",
        "prev_hash",
        "hash",
    ),
    "audit_head": ("id", "last_id", "last_hash", "events", "sealed_from"),
}
"""Every table and column of schema `READER_REVISION` (what the export does not print, such
as the audit trail, included: the list is the schema's, checked against the ORM models)."""

# Seconds to wait for a lock held by a writer (SQLite), or for a server to answer a
# connection, as long as a normal opening waits.
BUSY_TIMEOUT = 10
CONNECT_TIMEOUT = 10
SERVER_SCHEMES: Final = ("postgresql+psycopg://",)
"""The server URLs read directly: psycopg, which the application's server URLs name."""


class DirectReadError(Exception):
    """The database cannot be read directly (missing, not a database, another schema, not
    reachable); open the database normally to learn why."""


class _Cursor(Protocol):
    def execute(self, query: str, parameters: Sequence[Any] = ...) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


def select(table: str, columns: Iterable[str], where: str = "") -> str:
    """A SELECT of `columns` of `table`, each checked against the pinned schema, with `?`
    as the parameter mark."""
    names = tuple(columns)
    known = COLUMNS.get(table)
    unknown = [table] if known is None else [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"not in schema {READER_REVISION}: {', '.join(unknown)}")
    return f"SELECT {', '.join(names)} FROM {table}" + (f" WHERE {where}" if where else "")


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
        cursor = connection.cursor()
        try:
            # One read transaction, so that every row comes from the same state of the file.
            cursor.execute("BEGIN")
            return _read(cursor, _SQLITE_TABLES, encounter_id, resolve, str(path))
        except sqlite3.Error as error:
            raise DirectReadError(f"{path}: cannot read the database ({error})") from error
    finally:
        connection.close()


def server_conninfo(url: str) -> str | None:
    """The libpq connection URI of an application server URL read directly (None for any
    other URL). libpq decodes the user, password and query string as SQLAlchemy does."""
    stripped = url.strip()
    for scheme in SERVER_SCHEMES:
        if stripped.startswith(scheme):
            return "postgresql://" + stripped[len(scheme) :]
    return None


def read_server_encounter(
    url: str, encounter_id: int, resolve: WorkflowResolver
) -> tuple[Encounter, Workflow]:
    """The encounter `encounter_id` of the server database at `url` (`postgresql+psycopg`),
    as `read_encounter` gives it from a file, in one read-only REPEATABLE READ transaction."""
    conninfo = server_conninfo(url)
    if conninfo is None:
        raise DirectReadError("not a server URL read directly")
    import psycopg  # only for a server: loading it costs a tenth of a second

    try:
        connection = psycopg.connect(conninfo, connect_timeout=CONNECT_TIMEOUT)
    except (psycopg.Error, ValueError) as error:
        raise DirectReadError(f"cannot connect ({type(error).__name__})") from error
    try:
        # psycopg begins the transaction at the first statement, with these settings.
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        with connection.cursor() as cursor:
            try:
                return _read(_Marked(cursor), _SERVER_TABLES, encounter_id, resolve, "server")
            except psycopg.Error as error:
                raise DirectReadError(
                    f"cannot read the database ({type(error).__name__})"
                ) from error
    finally:
        connection.close()


class _Marked:
    """A psycopg cursor given the reader's `?` parameter marks (psycopg's mark is `%s`)."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def execute(self, query: str, parameters: Sequence[Any] = ()) -> Any:
        return self._cursor.execute(query.replace("?", "%s"), parameters)

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self._cursor.fetchall())


# Whether a table of this name exists, in each database's catalog.
_SQLITE_TABLES = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
_SERVER_TABLES = (
    "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ?"
)


def _read(
    cursor: _Cursor,
    table_exists: str,
    encounter_id: int,
    resolve: WorkflowResolver,
    label: str,
) -> tuple[Encounter, Workflow]:
    cursor.execute(table_exists, ("alembic_version",))
    if cursor.fetchone() is None:
        raise DirectReadError(f"{label}: no schema revision")
    cursor.execute("SELECT version_num FROM alembic_version")
    rows = cursor.fetchall()
    revision = str(rows[0][0]) if len(rows) == 1 else None
    if revision != READER_REVISION:
        raise DirectReadError(f"{label}: schema {revision or 'none'}, not {READER_REVISION}")
    try:
        return _encounter(cursor, encounter_id, resolve)
    except (ValueError, TypeError) as error:
        raise DamagedRecordError(
            f"encounter {encounter_id}: a stored value is not one the application writes "
            f"({str(error)[:120]}); the record was changed outside the application: run "
            "'workup audit verify'"
        ) from error


def _encounter(
    cursor: _Cursor, encounter_id: int, resolve: WorkflowResolver
) -> tuple[Encounter, Workflow]:
    cursor.execute(
        select("encounters", COLUMNS["encounters"], "id = ?"),
        (encounter_id,),
    )
    row = cursor.fetchone()
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
    cursor.execute(
        select(
            "patients", ("id", "family_name", "given_name", "birth_date", "chart_number"), "id = ?"
        ),
        (patient_id,),
    )
    patient = cursor.fetchone()
    cursor.execute(
        select(
            "workflow_snapshots",
            ("workflow_id", "version", "content_hash", "source_text"),
            "id = ?",
        ),
        (snapshot_id,),
    )
    snapshot = cursor.fetchone()
    if patient is None or snapshot is None:
        # Foreign keys guarantee both rows; a database without them is not one this code wrote.
        raise DirectReadError(f"encounter {encounter_id}: its patient or snapshot is missing")
    workflow_id, version, content_hash, source_text = snapshot
    check_snapshot(snapshot_id, content_hash, source_text)
    workflow = resolve(content_hash, source_text)
    cursor.execute(
        select("answers", ("item_id", "value_json"), "encounter_id = ?"), (encounter_id,)
    )
    answers = answers_from(encounter_id, workflow, cursor.fetchall())
    cursor.execute(
        select("order_states", ("item_id", "status", "on_date", "note"), "encounter_id = ?"),
        (encounter_id,),
    )
    orders = {
        item_id: order_from(order_status, on_date, note)
        for item_id, order_status, on_date, note in cursor.fetchall()
    }
    cursor.execute(
        select(
            "addenda",
            ("seq", "reason", "opened_by", "opened_at", "signed_by", "signed_at", "sealed_digest"),
            "encounter_id = ? ORDER BY seq",
        ),
        (encounter_id,),
    )
    addenda = tuple(addendum_from(*addendum) for addendum in cursor.fetchall())
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
