"""Database maintenance: opening, upgrading, backing up, restoring, checking and copying
a database, and the witness file of its audit chain."""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from app import storage
from app.config import (
    Settings,
    backup_counts,
    backups_dir,
    data_dir,
)
from app.domain.backups import Retention
from app.services.errors import UnavailableError
from app.storage import errors as storage_errors
from app.storage.urls import hide_secrets as hide_secrets
from app.storage.urls import shown_url as shown_url

if TYPE_CHECKING:
    from app.storage import AuditVerification, Database
    from app.storage.backup import BackupInfo as BackupInfo
    from app.storage.witness import ChainHead


Clock = Callable[[], datetime]


def default_workstation() -> str:
    """This computer's name, as recorded in audit events."""
    import socket  # only for a service that records changes

    return os.environ.get("WORKUP_WORKSTATION") or socket.gethostname() or "workstation"


@contextmanager
def opened_database(url: str, *, create: bool = True) -> Iterator[Database]:
    """Open a database for a maintenance command and close it afterwards."""
    try:
        database = storage.open_database(url, create=create)
    except storage_errors.StorageError as error:
        raise UnavailableError(str(error)) from error
    try:
        yield database
    finally:
        database.dispose()


class SchemaUpgrade(NamedTuple):
    """What `upgrade_database` did: the revisions before and after, and the roles whose
    runtime privileges it gave again (on a server)."""

    before: str | None
    after: str | None
    roles: tuple[str, ...] = ()


def upgrade_database(
    url: str, backups: Path | None = None, clock: Clock | None = None
) -> SchemaUpgrade:
    """Apply schema migrations, then give every runtime role its privileges again, so that
    tables the migrations added are covered.

    A SQLite file that holds a schema already is backed up into `backups` (reason
    "migration") before anything changes; the upgrade is refused if that backup fails.
    """
    from app.storage.migrate import upgrade  # Alembic is loaded only for upgrades
    from app.storage.roles import regrant_runtime_roles

    with opened_database(url) as database:
        try:
            revision = storage.current_revision(database)
            if revision is None:
                storage.refuse_foreign_tables(database)
            if (
                backups is not None
                and database.sqlite_path is not None
                and revision is not None
                and revision != storage.HEAD_REVISION
            ):
                _backup_sqlite(database.sqlite_path, backups, "migration", (clock or _utc_now)())
            before, after = upgrade(database)
            return SchemaUpgrade(before, after, tuple(regrant_runtime_roles(database)))
        except storage_errors.StorageError as error:
            raise UnavailableError(str(error)) from error


def grant_runtime_role(url: str, role: str) -> list[tuple[str, tuple[str, ...]]]:
    """Give `role` exactly what a workstation needs on every table (run as the owner);
    return each table with its privileges."""
    from app.storage.roles import grant_runtime_role as grant

    with opened_database(url, create=False) as database:
        try:
            return [(table, privileges) for table, privileges in grant(database, role)]
        except storage_errors.StorageError as error:
            raise UnavailableError(str(error)) from error


# -- backups ---------------------------------------------------------------------------------


def _utc_now() -> datetime:
    """The time now, in UTC: the clock of a service or command given none."""
    return datetime.now(UTC)


def _backup_sqlite(
    path: Path, folder: Path, reason: str, now: datetime, target: Path | None = None
) -> BackupInfo:
    from app.storage.backup import backup_sqlite

    return backup_sqlite(path, folder, reason, now, target=target)


def backup_database(
    url: str,
    settings: Settings,
    reason: str = "manual",
    out: Path | None = None,
    clock: Clock | None = None,
) -> tuple[str, Path, BackupInfo | None]:
    """Back up the database at `url`: a checked SQLite copy, or a pg_dump of a server.

    Returns the database's label, the file written and (SQLite) what the backup holds.
    Automatic backups are followed by the retention of Settings; a failed one raises
    UnavailableError and changes nothing.
    """
    from app.storage import backup

    path = storage.sqlite_file(url)
    now = (clock or _utc_now)()
    try:
        if path is None:
            label = shown_url(url)
            target = out or backups_dir(settings) / backup.default_dump_name(now)
            return label, backup.backup_server(url, target, label), None
        path = path.expanduser().absolute()
        if not path.is_file():
            raise UnavailableError(f"{path}: no database file here")
        folder = out.parent if out is not None else backups_dir(settings)
        info = _backup_sqlite(path, folder, reason, now, target=out)
        if info.automatic and out is None:
            backup.prune(folder, Retention(*backup_counts(settings)))
        return str(path), info.path, info
    except storage_errors.StorageError as error:
        raise UnavailableError(str(error)) from error


def list_backups(settings: Settings) -> list[BackupInfo]:
    """The backups in the backups folder, newest first."""
    from app.storage.backup import read_backups

    return read_backups(backups_dir(settings))


def newest_backup_time(settings: Settings) -> datetime | None:
    """When the newest backup in the backups folder was made (None: there is none)."""
    found = list_backups(settings)
    return found[0].made_at if found else None


class Restored(NamedTuple):
    """What `restore_database` put in place and what it kept of the replaced database."""

    label: str
    encounters: int | None
    audit_events: int | None
    kept: Path | None


def restore_database(
    url: str,
    settings: Settings,
    backup_file: Path,
    *,
    force: bool = False,
    clock: Clock | None = None,
) -> Restored:
    """Put a backup in place of the database at `url`.

    SQLite: the backup is checked first; the current file is kept in the backups folder;
    a database holding changes newer than the backup is replaced only with `force`; a
    database open in another program is refused. Server: the dump is restored with
    pg_restore into an empty database only.
    """
    from app.storage import backup

    path = storage.sqlite_file(url)
    now = (clock or _utc_now)()
    try:
        if path is None:
            label = shown_url(url)
            if not backup.server_is_empty(url):
                raise UnavailableError(
                    f"{label}: the database is not empty; restore a dump into a new, empty "
                    "database (createdb), then point the workstations at it"
                )
            backup.restore_server(backup_file, url, label)
            return Restored(label, None, None, None)
        path = path.expanduser().absolute()
        contents, kept = backup.restore_sqlite(
            backup_file.expanduser().absolute(), path, backups_dir(settings), now, force=force
        )
        record = database_check_record(url)
        if record is not None:
            record.unlink(missing_ok=True)
        from app.storage.witness import set_aside_after_restore

        # The witnessed heads are of the replaced chain; if they cannot be set aside, verify
        # reports the difference, which is then the restore's, not a loss.
        with contextlib.suppress(OSError):
            set_aside_after_restore(data_dir() / "witness", path, now)
        return Restored(
            str(path), contents.encounters, contents.audit_events, kept.path if kept else None
        )
    except storage_errors.StorageError as error:
        raise UnavailableError(str(error)) from error


class DatabaseReport(NamedTuple):
    """What `workup db check` found; `warnings` name what lets a workstation's database
    role get round the protections (on a server)."""

    label: str
    revision: str | None
    problems: list[str]
    audit: AuditVerification | None
    warnings: tuple[str, ...] = ()


def check_database(url: str) -> DatabaseReport:
    """Check integrity, schema revision and audit chain of a database without changing it."""
    with opened_database(url, create=False) as database:
        try:
            revision = storage.current_revision(database)
            problems = storage.integrity_check(database)
            try:
                storage.check_schema(database)
            except storage_errors.SchemaError as error:
                problems.append(str(error))
                return DatabaseReport(database.label, revision, problems, None)
            audit = storage.Repository(database, _utc_now, "check").verify_audit(
                witnessed_heads(database)
            )
            from app.storage.roles import role_warnings

            warnings = tuple(role_warnings(database))
        except storage_errors.StorageError as error:
            raise UnavailableError(str(error)) from error
        if not audit.ok:
            problems.append(f"audit chain: {audit.first_problem}")
        return DatabaseReport(database.label, revision, problems, audit, warnings)


class DatabaseCopy(NamedTuple):
    """What `copy_database` copied, and the audit chain of the copy."""

    source: str
    target: str
    rows: dict[str, int]
    audit_events: int


def copy_database(
    source_url: str, target_url: str, progress: Callable[[str, int, int], None] | None = None
) -> DatabaseCopy:
    """Copy every record of the database at `source_url` into the empty one at `target_url`.

    The target's schema is created or upgraded first; a target with any record is refused.
    Ids, revisions and the audit chain are kept; the copy's chain is verified afterwards.
    `progress(table, rows copied, rows in table)` is called after each batch.
    """
    from app.storage.copy import copy_database as copy_records

    with (
        opened_database(source_url, create=False) as source,
        opened_database(target_url) as target,
    ):
        try:
            copied = copy_records(source, target, progress)
            audit = storage.Repository(target, _utc_now, "copy").verify_audit()
        except storage_errors.StorageError as error:
            raise UnavailableError(str(error)) from error
        if not audit.ok:
            raise UnavailableError(f"{target.label}: the copy's audit chain: {audit.first_problem}")
        return DatabaseCopy(source.label, target.label, copied.rows, audit.events)


def witness_file(database: Database) -> Path:
    """This workstation's witness file of `database` (see app.storage.witness)."""
    from app.storage.witness import witness_path

    return witness_path(data_dir() / "witness", database)


def witnessed_heads(database: Database) -> list[ChainHead]:
    """The chain heads this workstation recorded for `database`."""
    from app.storage.witness import read_heads

    try:
        return read_heads(witness_file(database))
    except OSError as error:
        raise UnavailableError(f"the witness file cannot be read: {error.strerror}") from error


def database_check_record(url: str) -> Path | None:
    """Where the application notes that it closed a local database file cleanly."""
    path = storage.sqlite_file(url)
    if path is None:
        return None
    return _check_record(path.expanduser().absolute())


def _check_record(path: Path) -> Path:
    """Where the application notes that it closed the database file `path` (absolute)."""
    name = hashlib.sha256(str(path).encode("utf-8")).hexdigest()
    return data_dir() / "checked" / f"{name[:32]}.json"


def load_storage() -> None:
    """Load the database layer now rather than when the first database is opened.

    The window application calls this before it loads Qt: the import hook of Qt's Python
    bindings slows every later import, and SQLAlchemy's are many (about 60 ms more).
    """
    for module in ("app.storage.database", "app.storage.repository"):
        importlib.import_module(module)
