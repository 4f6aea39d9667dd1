"""Copying every record of one workup database into an empty one (SQLite to PostgreSQL).

Rows keep their ids, revisions and audit hashes, so the copy's audit chain verifies. The
target's schema is upgraded first; a target holding any record is refused. The copy is one
transaction on the target and reads one consistent snapshot of the source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Table,
    bindparam,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import RowMapping, make_url
from sqlalchemy.exc import SQLAlchemyError

from app.storage.database import (
    REVISIONS,
    Database,
    check_schema,
    current_revision,
    describe_error,
)
from app.storage.errors import DatabaseUnavailableError, SchemaError, StorageError
from app.storage.models import AddendumRow, AuditHeadRow, Base, EncounterRow

SIGNED_STATES = frozenset({"finalized", "amending", "amended"})
"""Encounter states the database's triggers allow only through the signing steps."""
BATCH_ROWS = 1000

AUDIT_HEAD: Table = AuditHeadRow.__table__  # type: ignore[assignment]
ENCOUNTERS: Table = EncounterRow.__table__  # type: ignore[assignment]
ADDENDA: Table = AddendumRow.__table__  # type: ignore[assignment]
COPIED_TABLES: tuple[Table, ...] = tuple(
    table for table in Base.metadata.sorted_tables if table is not AUDIT_HEAD
)
"""Every table with records, parents before children (the audit head is set, not copied)."""

Progress = Callable[[str, int, int], None]
"""Called after each batch with the table name, its rows copied so far and its row count."""


class TargetNotEmptyError(StorageError):
    """The target database already holds records (or tables of another application)."""


@dataclass(frozen=True)
class CopyResult:
    """What was copied: rows per table, in copy order."""

    rows: dict[str, int]

    @property
    def total(self) -> int:
        """Rows copied in all."""
        return sum(self.rows.values())


def same_database(first: Database, second: Database) -> bool:
    """Whether two opened databases are the same file or the same server database."""
    if first.sqlite_path is not None or second.sqlite_path is not None:
        return first.sqlite_path == second.sqlite_path
    one, other = make_url(first.url), make_url(second.url)
    return (one.host, one.port, one.database) == (other.host, other.port, other.database)


def copy_database(
    source: Database,
    target: Database,
    progress: Progress | None = None,
    *,
    batch_rows: int = BATCH_ROWS,
) -> CopyResult:
    """Copy every record of `source` (at the current schema) into the empty `target`.

    Raises TargetNotEmptyError when the target holds anything, SchemaError when either
    schema does not fit, DatabaseUnavailableError when a database fails. On failure nothing
    is written to the target but its schema upgrade.
    """
    from app.storage.migrate import upgrade  # Alembic is loaded only when needed

    if same_database(source, target):
        raise TargetNotEmptyError(f"{target.label}: the target is the database being copied")
    check_schema(source)
    _refuse_unless_empty_before_upgrade(target)
    upgrade(target)
    check_schema(target)
    try:
        with _snapshot(source) as reading, target.write_factory.kw["bind"].begin() as writing:
            _refuse_unless_empty(writing, target.label, lock=True)
            counts = {
                table.name: int(reading.scalar(select(func.count()).select_from(table)) or 0)
                for table in COPIED_TABLES
            }
            locked: list[dict[str, Any]] = []
            addenda: list[dict[str, Any]] = []
            for table in COPIED_TABLES:
                copied = 0
                for rows in _batches(reading, table, batch_rows):
                    if table is ADDENDA:
                        addenda += rows
                        continue
                    if table is ENCOUNTERS:
                        rows = _unlocked(rows, locked)
                    writing.execute(table.insert(), rows)
                    copied += len(rows)
                    if progress is not None:
                        progress(table.name, copied, counts[table.name])
            _sign(writing, locked, addenda)
            if progress is not None and addenda:
                progress(ADDENDA.name, len(addenda), counts[ADDENDA.name])
            head = reading.execute(
                select(
                    AUDIT_HEAD.c.last_id,
                    AUDIT_HEAD.c.last_hash,
                    AUDIT_HEAD.c.events,
                    AUDIT_HEAD.c.sealed_from,
                ).where(AUDIT_HEAD.c.id == 1)
            ).one()
            writing.execute(
                update(AUDIT_HEAD)
                .where(AUDIT_HEAD.c.id == 1)
                .values(
                    last_id=head.last_id,
                    last_hash=head.last_hash,
                    events=head.events,
                    sealed_from=head.sealed_from,
                )
            )
            if writing.dialect.name == "postgresql":
                _advance_sequences(writing)
    except SQLAlchemyError as error:
        raise DatabaseUnavailableError(
            f"copy failed, nothing was copied: {describe_error(target.label, error)}"
        ) from error
    return CopyResult(counts)


@contextmanager
def _snapshot(database: Database) -> Iterator[Connection]:
    """A read-only connection to `database` seeing one consistent state while it is open."""
    with database.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with connection.begin() as transaction:
            yield connection
            transaction.rollback()


def _batches(
    connection: Connection, table: Table, batch_rows: int
) -> Iterator[list[dict[str, Any]]]:
    zones = [column.name for column in table.columns if isinstance(column.type, DateTime)]
    result = connection.execution_options(yield_per=batch_rows).execute(
        select(table).order_by(*table.primary_key.columns)
    )
    for part in result.mappings().partitions(batch_rows):
        yield [_row(row, zones) for row in part]


def _row(row: RowMapping, zones: Sequence[str]) -> dict[str, Any]:
    values = dict(row)
    for name in zones:
        value = values[name]
        if isinstance(value, datetime):
            # SQLite gives back naive UTC values; a server gives aware ones in its zone
            values[name] = (
                value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
            )
    return values


def _unlocked(rows: list[dict[str, Any]], locked: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`rows` of encounters with signed ones inserted as drafts; their signatures go to
    `locked` (the triggers take new encounters only as unsigned drafts)."""
    for row in rows:
        if row["status"] in SIGNED_STATES:
            locked.append(
                {
                    "locked_id": row["id"],
                    "locked_by": row["finalized_by"],
                    "locked_at": row["finalized_at"],
                    "locked_digest": row["sealed_digest"],
                }
            )
            row.update(status="draft", finalized_by=None, finalized_at=None, sealed_digest=None)
    return rows


def _sign(writing: Connection, locked: list[dict[str, Any]], addenda: list[dict[str, Any]]) -> None:
    """Give the copied encounters their signatures by the steps the triggers allow: each
    signed one is finalized, then its addenda are opened and signed in number order."""
    if locked:
        writing.execute(
            update(ENCOUNTERS)
            .where(ENCOUNTERS.c.id == bindparam("locked_id"))
            .values(
                status="finalized",
                finalized_by=bindparam("locked_by"),
                finalized_at=bindparam("locked_at"),
                sealed_digest=bindparam("locked_digest"),
            ),
            locked,
        )
    for seq in sorted({row["seq"] for row in addenda}):
        opened = [row for row in addenda if row["seq"] == seq]
        writing.execute(
            ADDENDA.insert(),
            [
                {**row, "signed_by": None, "signed_at": None, "sealed_digest": None}
                for row in opened
            ],
        )
        signed = [
            {
                "signed_id": row["id"],
                "signed_by_": row["signed_by"],
                "signed_at_": row["signed_at"],
                "sealed_digest_": row["sealed_digest"],
            }
            for row in opened
            if row["signed_at"] is not None
        ]
        if signed:
            writing.execute(
                update(ADDENDA)
                .where(ADDENDA.c.id == bindparam("signed_id"))
                .values(
                    signed_by=bindparam("signed_by_"),
                    signed_at=bindparam("signed_at_"),
                    sealed_digest=bindparam("sealed_digest_"),
                ),
                signed,
            )


def _refuse_unless_empty_before_upgrade(target: Database) -> None:
    """Refuse a target with records or foreign tables, before its schema is changed."""
    revision = current_revision(target)
    if revision is not None and revision not in REVISIONS:
        raise SchemaError(
            f"{target.label}: the target database was written by a newer version of the "
            f"application (schema {revision})"
        )
    try:
        with target.engine.connect() as connection:
            if revision is None:
                tables = inspect(connection).get_table_names()
                if tables:
                    raise TargetNotEmptyError(
                        f"{target.label}: the target database is not empty (it holds the "
                        f"table {sorted(tables)[0]} but no workup schema); give an empty "
                        "database"
                    )
                return
            _refuse_unless_empty(connection, target.label, lock=False)
    except SQLAlchemyError as error:
        raise DatabaseUnavailableError(describe_error(target.label, error)) from error


def _refuse_unless_empty(connection: Connection, label: str, *, lock: bool) -> None:
    head = select(AUDIT_HEAD.c.last_id).where(AUDIT_HEAD.c.id == 1)
    if lock:
        head = head.with_for_update()  # waits for, then keeps out, any writer of the target
    connection.execute(head)
    names = set(inspect(connection).get_table_names())
    filled = [
        table.name
        for table in COPIED_TABLES
        if table.name in names and connection.scalar(select(func.count()).select_from(table))
    ]
    if filled:
        raise TargetNotEmptyError(
            f"{label}: the target database is not empty (it has records in "
            f"{', '.join(sorted(filled))}); copy only into an empty database"
        )


def _advance_sequences(connection: Connection) -> None:
    """Move each id sequence past the copied ids, as inserts with explicit ids do not."""
    for table in COPIED_TABLES:
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        connection.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:table, 'id'), "
                f"COALESCE(MAX(id), 0) + 1, false) FROM {table.name}"
            ),
            {"table": table.name},
        )
