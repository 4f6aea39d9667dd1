"""Opening the database: SQLite file checks and pragmas, engines, session factories, schema."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker

from app.fileio import make_private_dirs, sqlite_read_only_uri
from app.storage.errors import (
    DatabaseCorruptError,
    DatabaseUnavailableError,
    SchemaError,
)
from app.storage.filecheck import FULL_CHECK_INTERVAL as FULL_CHECK_INTERVAL
from app.storage.filecheck import checked_at_if_unchanged
from app.storage.filecheck import file_identity as _file_identity
from app.storage.filecheck import record_closed_file as _record_closed_file
from app.storage.revisions import HEAD_REVISION as HEAD_REVISION
from app.storage.revisions import REVISIONS as REVISIONS
from app.storage.urls import NOT_A_URL, hide_secrets, shown_url

SessionFactory = sessionmaker[Session]
# Seconds a server connection attempt may take before the server counts as unreachable.
CONNECT_TIMEOUT = 10
# SQLSTATEs of a server that is shutting down or restarting (class 08 is "connection").
_SERVER_GONE_STATES = frozenset({"57P01", "57P02", "57P03"})


@dataclass
class Database:
    """An opened database: engines and session factories for reading and for writing."""

    url: str
    engine: Engine
    read_factory: SessionFactory
    write_factory: SessionFactory
    sqlite_path: Path | None
    check_record: Path | None = None
    checked_at: float = 0.0

    @property
    def is_sqlite(self) -> bool:
        """Whether this is a SQLite database."""
        return self.engine.dialect.name == "sqlite"

    @property
    def label(self) -> str:
        """The database as it may be shown to a user (no password)."""
        if self.sqlite_path is not None:
            return str(self.sqlite_path)
        return shown_url(self.url)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        write_engine = self.write_factory.kw.get("bind")
        if isinstance(write_engine, Engine) and write_engine is not self.engine:
            write_engine.dispose()
        if self.sqlite_path is not None and self.check_record is not None:
            _record_closed_file(self.sqlite_path, self.check_record, self.checked_at)


def _checked_at_if_unchanged(path: Path, record: Path | None) -> float | None:
    """When `path` is exactly as this application left it, the time of its last full check."""
    return checked_at_if_unchanged(path, record, FULL_CHECK_INTERVAL)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL, or None for other databases and in-memory SQLite."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _preflight_sqlite(path: Path, full_check: bool = True) -> str | None:
    """Check an existing file without changing it; return its schema revision.

    Without `full_check` only the header and schema are read, for a file known to be
    exactly as it was when it last passed the full check.
    """
    if not os.access(path, os.R_OK):
        raise DatabaseUnavailableError(
            f"{path}: the database file cannot be read; check its permissions"
        )
    try:
        connection = sqlite3.connect(
            sqlite_read_only_uri(path, untouched=True), uri=True, timeout=5
        )
    except sqlite3.Error as error:
        raise DatabaseUnavailableError(f"{path}: cannot open the database ({error})") from error
    try:
        rows = connection.execute("PRAGMA quick_check").fetchall() if full_check else [("ok",)]
        if [row[0] for row in rows] != ["ok"]:
            detail = "; ".join(str(row[0]) for row in rows[:3])
            raise DatabaseCorruptError(
                f"{path}: the database failed its integrity check ({detail}); the file was "
                "left untouched: restore it from a backup"
            )
        tables = {
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if "alembic_version" not in tables:
            foreign = sorted(name for name in tables if not name.startswith("sqlite_"))
            if foreign:
                # Checked here, before a connection of ours switches the file to WAL mode.
                raise SchemaError(_foreign_message(str(path), foreign))
            return None
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None
    except sqlite3.DatabaseError as error:
        message = str(error)
        if "locked" in message or "busy" in message:
            raise DatabaseUnavailableError(
                f"{path}: the database is locked by another program; close it and try again"
            ) from error
        raise DatabaseCorruptError(
            f"{path}: not a readable workup database ({message}); the file was left "
            "untouched: check the path or restore it from a backup"
        ) from error
    finally:
        connection.close()


def _create_sqlite_file(path: Path, create_dirs: bool) -> None:
    if not path.parent.is_dir():
        if not create_dirs:
            raise DatabaseUnavailableError(
                f"{path}: the folder {path.parent} does not exist; create it or choose "
                "another database location"
            )
        try:
            make_private_dirs(path.parent)
        except OSError as error:
            raise DatabaseUnavailableError(
                f"{path}: cannot create the folder {path.parent} ({error.strerror})"
            ) from error
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as error:
        raise DatabaseUnavailableError(
            f"{path}: cannot create the database file ({error.strerror})"
        ) from error
    os.close(descriptor)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


def _begin_with(statement: str) -> Callable[[Any], None]:
    def begin(connection: Any) -> None:
        connection.exec_driver_sql(statement)

    return begin


def open_database(
    url: str,
    *,
    create: bool = True,
    create_dirs: bool = True,
    check_record: Path | None = None,
) -> Database:
    """Open `url`, checking a SQLite file first and leaving it untouched if it is damaged.

    With `check_record` (a file this application owns), a SQLite file that nothing has
    written since it last passed the full check here or since the application closed it
    cleanly, and whose last full check is within FULL_CHECK_INTERVAL, gets only a header
    and schema check. The record is written after each full check that passes (when the
    file did not change during the check) and renewed when the database is disposed.

    Writes to SQLite take the write lock at BEGIN (BEGIN IMMEDIATE), so concurrent
    writers queue instead of failing half-way; reads use a plain deferred BEGIN.
    """
    path = sqlite_file(url)
    checked_at = time.time()
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as error:
        # Only the URL with its password hidden is quoted: an unparsable URL is shown
        # without any of its text, since no part of it is known not to be a secret.
        raise DatabaseUnavailableError(_not_a_url_message(url)) from error
    if path is not None:
        path = path.expanduser().absolute()
        _usable_path(path)
        url = parsed.set(database=str(path)).render_as_string(hide_password=False)
        if path.exists():
            if path.is_dir():
                raise DatabaseUnavailableError(f"{path}: is a folder, not a database file")
            # Checked first: SQLite reports a file it may not write (or whose folder it may
            # not write, for the WAL files) as a damaged database, which it is not.
            if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
                raise DatabaseUnavailableError(
                    f"{path}: the database file is read-only; give your user write "
                    "permission to it (and its folder) and start again"
                )
            previous_check = _checked_at_if_unchanged(path, check_record)
            identity = _file_identity(path)
            revision = _preflight_sqlite(path, full_check=previous_check is None)
            if previous_check is None:
                checked_at = time.time()
                if check_record is not None and identity == _file_identity(path):
                    _record_closed_file(path, check_record, checked_at)
            else:
                checked_at = previous_check
            if revision is not None and revision not in REVISIONS:
                raise SchemaError(_newer_schema_message(str(path), revision))
        elif create:
            _create_sqlite_file(path, create_dirs)
        else:
            raise DatabaseUnavailableError(f"{path}: no database file here")
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(url)
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _begin_with("BEGIN"))
            write_engine = create_engine(url)
            event.listen(write_engine, "connect", _sqlite_pragmas)
            event.listen(write_engine, "begin", _begin_with("BEGIN IMMEDIATE"))
        else:
            # pool_pre_ping replaces connections that died while pooled (a server restart,
            # a network drop) before they are handed out; the timeout keeps a lost network
            # from freezing the application.
            connect_args: dict[str, Any] = {}
            if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
                connect_args["connect_timeout"] = CONNECT_TIMEOUT
            engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
            write_engine = engine
    except (ArgumentError, ImportError, SQLAlchemyError, ValueError, TypeError) as error:
        reason = hide_secrets(_short(error), [url])
        raise DatabaseUnavailableError(
            f"cannot use the database {shown_url(url)}: {reason}"
        ) from error
    return Database(
        url=url,
        engine=engine,
        read_factory=sessionmaker(engine, expire_on_commit=False),
        write_factory=sessionmaker(write_engine, expire_on_commit=False),
        sqlite_path=path,
        check_record=check_record if path is not None else None,
        checked_at=checked_at,
    )


def _usable_path(path: Path) -> None:
    """Refuse a database path the system cannot use (a NUL byte, too long a name)."""
    text = str(path)
    if "\0" in text:
        raise DatabaseUnavailableError(
            "the database path holds a NUL character (%00 in a URL); check the path"
        )
    try:
        path.exists()
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise DatabaseUnavailableError(
            f"{text[:80]}{'…' if len(text) > 80 else ''}: not a usable database path "
            f"({reason}); check the path"
        ) from error


def _not_a_url_message(url: str) -> str:
    shown = shown_url(url)
    if shown == NOT_A_URL:
        return (
            "the text given as the database URL is not a database URL; write it as "
            "sqlite:///PATH or "
            "postgresql+psycopg://USER:PASSWORD@HOST/DATABASE"
        )
    return (
        f"{shown} is not a valid database URL; write it as sqlite:///PATH or "
        "postgresql+psycopg://USER:PASSWORD@HOST/DATABASE (a password with @, :, / or % "
        "percent-encoded)"
    )


def _newer_schema_message(label: str, revision: str) -> str:
    return (
        f"{label}: the database was written by a newer version of the application "
        f"(schema {revision}); update the application. The database was left untouched"
    )


def unreachable_message(label: str) -> str:
    """The one message shown whenever the database server cannot be reached."""
    return (
        f"the database server is unreachable ({label}); check that the server is running "
        "and that this computer is on the clinic network, then try again"
    )


def is_server_unreachable(error: SQLAlchemyError) -> bool:
    """Whether `error` means the connection to a database server failed or was lost.

    SQLite errors never are: a locked or missing file has its own messages.
    """
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    original = error.orig
    if original is None or type(original).__module__.startswith("sqlite3"):
        return False
    state = getattr(original, "sqlstate", None)
    # A refused or timed-out connection attempt carries no SQLSTATE at all.
    return state is None or str(state).startswith("08") or state in _SERVER_GONE_STATES


def describe_error(label: str, error: SQLAlchemyError) -> str:
    """A one-line message for a database error that is not the user's doing."""
    if is_server_unreachable(error):
        return unreachable_message(label)
    return f"{label}: {_short(error)}"


def current_revision(database: Database) -> str | None:
    """The schema revision stored in the database (None when it has no schema yet)."""
    try:
        with database.engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    except SQLAlchemyError as error:
        raise DatabaseUnavailableError(describe_error(database.label, error)) from error
    return str(row[0]) if row else None


def refuse_foreign_tables(database: Database) -> None:
    """SchemaError when a database without our schema holds tables of something else.

    Only an empty database (a new file, a new server database) is given the schema: a file
    of another application, chosen by mistake, is never migrated into.
    """
    try:
        with database.engine.connect() as connection:
            tables = sorted(
                name for name in inspect(connection).get_table_names() if name != "alembic_version"
            )
    except SQLAlchemyError as error:
        raise DatabaseUnavailableError(describe_error(database.label, error)) from error
    if tables:
        raise SchemaError(_foreign_message(database.label, tables))


def _foreign_message(label: str, tables: list[str]) -> str:
    shown = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "")
    return (
        f"{label}: not a workup database: it holds other tables ({shown}) and was left as it "
        "is; choose the workup database, or a new file"
    )


def check_schema(database: Database) -> str:
    """Raise SchemaError unless the schema is exactly the one this code writes."""
    revision = current_revision(database)
    if revision == HEAD_REVISION:
        return revision
    if revision is None:
        raise SchemaError(f"{database.label}: the database has no schema; run 'workup db upgrade'")
    if revision in REVISIONS:
        raise SchemaError(
            f"{database.label}: the database schema {revision} is older than {HEAD_REVISION}; "
            "run 'workup db upgrade'"
        )
    raise SchemaError(_newer_schema_message(database.label, revision))


def integrity_check(database: Database) -> list[str]:
    """Problems found by the database's own full check (empty when all is well)."""
    if not database.is_sqlite:
        return []
    with database.engine.connect() as connection:
        rows = connection.exec_driver_sql("PRAGMA integrity_check").fetchall()
        foreign = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    problems = [str(row[0]) for row in rows if row[0] != "ok"]
    problems += [f"foreign key violation in {row[0]} row {row[1]}" for row in foreign]
    return problems


def _short(error: BaseException) -> str:
    message = str(getattr(error, "orig", None) or error)
    return message.strip().splitlines()[0] if message.strip() else type(error).__name__
