"""Backups: the workstation's SQLite file copied with SQLite's online backup API and checked,
restores that keep what they replace, and pg_dump / pg_restore for a clinic server.

A backup is written beside its final name and renamed into place only after it passed its
check (SQLite's quick check of every page and record, encounter count and audit chain head
equal to the source's when the copy was taken), so an interrupted backup never leaves a
file that looks like a backup. A backup is checked in full (integrity check) before it is
restored. Each
backup has a small JSON description beside it (when, why, what it holds, its check).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy.engine import make_url

from app.domain.backups import AUTOMATIC_REASONS, REASONS, Retention, to_keep
from app.fileio import (
    FileWriteError,
    fsync_folder,
    make_private_dirs,
    refuse_unwritable_target,
    sqlite_read_only_uri,
)
from app.storage.errors import DatabaseUnavailableError, StorageError
from app.storage.revisions import REVISIONS
from app.storage.urls import shown_url

PREFIX = "workup-"
SQLITE_SUFFIX = ".sqlite3"
DUMP_SUFFIX = ".dump"
_CHECK_MMAP_BYTES = 1 << 31
_NAME = re.compile(r"^workup-(\d{8}-\d{6})-([a-z-]+)(?:-(\d+))?\.(sqlite3|dump)$")


class BackupError(StorageError):
    """A backup could not be made, read or restored; the message says what to do."""


class BackupInfo(NamedTuple):
    """One backup file and what its description says."""

    path: Path
    made_at: datetime
    reason: str
    size: int
    encounters: int | None
    audit_events: int | None
    audit_head: str | None
    check: str

    @property
    def automatic(self) -> bool:
        """Whether the application made it by itself (and may delete it by retention)."""
        return self.reason in AUTOMATIC_REASONS


class _Contents(NamedTuple):
    encounters: int
    audit_events: int
    audit_head: str


def _description_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _new_name(folder: Path, made_at: datetime, reason: str, suffix: str) -> Path:
    stamp = made_at.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    path = folder / f"{PREFIX}{stamp}-{reason}{suffix}"
    number = 2
    while path.exists() or _description_path(path).exists():
        path = folder / f"{PREFIX}{stamp}-{reason}-{number}{suffix}"
        number += 1
    return path


def _prepare_folder(folder: Path) -> None:
    try:
        make_private_dirs(folder)
    except OSError as error:
        raise BackupError(
            f"{folder}: cannot create the backups folder ({error.strerror}); choose another "
            "backups folder in Settings"
        ) from error
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BackupError(
            f"{folder}: the backups folder is not writable; choose another in Settings"
        )
    # Backups interrupted by a crash or a power cut: only ever our own temporary files.
    for leftover in folder.glob(f".{PREFIX}*.part"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def _contents(connection: sqlite3.Connection) -> _Contents:
    encounters = connection.execute("SELECT count(*) FROM encounters").fetchone()[0]
    head = connection.execute("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetchone()
    if head is None:
        raise sqlite3.DatabaseError("the audit chain head is missing")
    return _Contents(int(encounters), int(head[0]), str(head[1]))


def _integrity(connection: sqlite3.Connection, full: bool = True) -> str:
    """SQLite's integrity check ("ok" or the first problems); `full=False` is its quick
    check, which reads every page and record but does not compare indexes with tables."""
    rows = connection.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check").fetchall()
    found = [str(row[0]) for row in rows]
    return "ok" if found == ["ok"] else "; ".join(found[:3])


def _fsync_file(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_description(path: Path, info: BackupInfo) -> None:
    description = {
        "made_at": info.made_at.astimezone(UTC).isoformat(),
        "reason": info.reason,
        "size": info.size,
        "encounters": info.encounters,
        "audit_events": info.audit_events,
        "audit_head": info.audit_head,
        "check": info.check,
    }
    target = _description_path(path)
    part = target.with_name(f".{target.name}.part")
    descriptor = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        json.dump(description, stream, indent=2)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(part, target)


def backup_sqlite(
    source: Path, folder: Path, reason: str, now: datetime, target: Path | None = None
) -> BackupInfo:
    """Copy the live SQLite file `source` into `folder` (or to `target`), check the copy,
    keep it atomically.

    The copy is taken inside one read transaction on the source, so it is the database as
    it was at one moment while the application goes on writing (WAL mode: readers and the
    writer do not wait for each other). The copy's integrity, encounter count and audit
    chain head must equal the source's at that moment, or the copy is deleted.
    """
    if reason not in REASONS:
        raise ValueError(f"unknown backup reason {reason!r}")
    _prepare_folder(folder)
    if target is None:
        target = _new_name(folder, now, reason, SQLITE_SUFFIX)
    else:
        _writable_target(target)
    part = folder / f".{target.name}.part"
    try:
        source_connection = sqlite3.connect(sqlite_read_only_uri(source), uri=True, timeout=10)
    except sqlite3.Error as error:
        raise BackupError(f"{source}: cannot read the database to back it up ({error})") from error
    try:
        try:
            source_connection.execute("BEGIN")
            expected = _contents(source_connection)
            copy = sqlite3.connect(part)
            try:
                # No journal and no syncs while the pages are copied: the file is a
                # temporary one until it has been checked, synced once and renamed.
                copy.execute("PRAGMA journal_mode = OFF")
                copy.execute("PRAGMA synchronous = OFF")
                os.chmod(part, 0o600)  # private before it holds anything
                source_connection.backup(copy)
                copy.execute("PRAGMA journal_mode = DELETE")
                # The copy's single sync runs in a thread while the check reads the copy's
                # pages from the page cache (SQLite and fsync release Python's lock).
                with ThreadPoolExecutor(max_workers=1) as syncing:
                    synced = syncing.submit(_fsync_file, part)
                    # Read through a memory map: the check parses every page; about half
                    # the time of read() calls.
                    copy.execute(f"PRAGMA mmap_size = {_CHECK_MMAP_BYTES}")
                    check = _integrity(copy, full=False)
                    if check == "ok":
                        found = _contents(copy)
                        if found != expected:
                            check = (
                                f"the copy holds {found.encounters} encounters and audit "
                                f"head {found.audit_events}, the source "
                                f"{expected.encounters} and {expected.audit_events}"
                            )
                    synced.result()
            finally:
                copy.close()
        finally:
            source_connection.rollback()
            source_connection.close()
        if check != "ok":
            raise BackupError(f"{target.name}: the backup failed its check ({check})")
        info = BackupInfo(
            target,
            now,
            reason,
            part.stat().st_size,
            expected.encounters,
            expected.audit_events,
            expected.audit_head,
            "ok",
        )
        _write_description(target, info)
        os.replace(part, target)
        fsync_folder(folder)
        return info
    except sqlite3.Error as error:
        raise BackupError(f"{source}: the backup could not be made ({error})") from error
    except OSError as error:
        raise BackupError(
            f"{folder}: the backup could not be written ({error.strerror or error})"
        ) from error
    finally:
        with contextlib.suppress(OSError):
            part.unlink()


def _writable_target(target: Path) -> None:
    try:
        refuse_unwritable_target(target)
    except FileWriteError as error:
        raise BackupError(str(error)) from error


def read_backups(folder: Path) -> list[BackupInfo]:
    """The backups in `folder`, newest first (a file without its description says so)."""
    if not folder.is_dir():
        return []
    found: list[BackupInfo] = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match is None or not path.is_file():
            continue
        stamp, reason = match.group(1), match.group(2)
        made_at = datetime.strptime(stamp, "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
        size = path.stat().st_size
        description: dict[str, Any] = {}
        with contextlib.suppress(OSError, ValueError):
            loaded = json.loads(_description_path(path).read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                description = loaded
        found.append(
            BackupInfo(
                path,
                made_at,
                reason,
                size,
                _int_or_none(description.get("encounters")),
                _int_or_none(description.get("audit_events")),
                _str_or_none(description.get("audit_head")),
                str(description.get("check", "no description")),
            )
        )
    return sorted(found, key=lambda info: (info.made_at, info.path.name), reverse=True)


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def prune(folder: Path, retention: Retention, local: Any = None) -> list[Path]:
    """Delete the automatic backups the retention does not keep; return what was deleted.

    `local` turns a UTC time into the clinic's local time (default: this computer's).
    """
    automatic = [info for info in read_backups(folder) if info.automatic]
    to_local = local or (lambda moment: moment.astimezone())
    by_time = {to_local(info.made_at): info for info in automatic}
    keep = to_keep(by_time, retention)
    deleted: list[Path] = []
    for made_at, info in by_time.items():
        if made_at in keep:
            continue
        for path in (info.path, _description_path(info.path)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        deleted.append(info.path)
    return deleted


def check_backup_file(path: Path) -> _Contents:
    """Check a SQLite backup before it is restored: readable, intact, a known schema."""
    if not path.is_file():
        raise BackupError(f"{path}: no backup file here")
    try:
        connection = sqlite3.connect(
            sqlite_read_only_uri(path, untouched=True), uri=True, timeout=5
        )
    except sqlite3.Error as error:
        raise BackupError(f"{path}: cannot open the backup ({error})") from error
    try:
        check = _integrity(connection)
        if check != "ok":
            raise BackupError(f"{path}: the backup failed its integrity check ({check})")
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        if row is None or str(row[0]) not in REVISIONS:
            raise BackupError(
                f"{path}: the backup's schema is not one this version of the application knows"
            )
        return _contents(connection)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path}: not a workup database backup ({error})") from error
    finally:
        connection.close()


_OPEN_ELSEWHERE = (
    "the database is open in another program (the window, or a command still running); "
    "close it and restore again"
)
# SQLite's unix VFS: every connection that has a WAL database open holds a shared POSIX
# lock on this byte of the "-shm" file (its "dead man switch"), for as long as it is open.
_SHM_DMS_BYTE = 128


@contextlib.contextmanager
def _alone(live: Path) -> Iterator[None]:
    """Make sure no other process has the live file open, and keep others out meanwhile.

    Nothing is written to the database or its WAL file: a damaged file and its WAL are kept
    exactly as they are. On POSIX systems the WAL index's lock byte that every open
    connection holds is tested and then held exclusively; where POSIX locks are missing
    (Windows), SQLite is asked to leave WAL mode, which it allows only to a lone connection.
    """
    shm = live.with_name(live.name + "-shm")
    try:
        import fcntl
    except ImportError:
        _alone_by_journal_mode(live)
        yield
        return
    if not shm.exists():
        yield  # no connection has the file open in WAL mode (each keeps the -shm file)
        return
    try:
        descriptor = os.open(shm, os.O_RDWR)
    except OSError as error:
        raise BackupError(f"{shm}: cannot be opened ({error.strerror})") from error
    try:
        try:
            fcntl.lockf(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SHM_DMS_BYTE)
        except OSError as error:
            raise BackupError(f"{live}: {_OPEN_ELSEWHERE}") from error
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _alone_by_journal_mode(live: Path) -> None:
    try:
        connection = sqlite3.connect(live, timeout=0.5, isolation_level=None)
    except sqlite3.Error as error:
        raise BackupError(f"{live}: cannot open the database file ({error})") from error
    try:
        connection.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise BackupError(f"{live}: {_OPEN_ELSEWHERE}") from error
    except sqlite3.DatabaseError:
        pass  # damaged: the application refuses to open it, so no process of ours has it
    finally:
        connection.close()


def _live_contents(live: Path) -> _Contents | None:
    """What the live file holds, read without changing it; None when it cannot be read."""
    try:
        connection = sqlite3.connect(
            sqlite_read_only_uri(live, untouched=True), uri=True, timeout=1
        )
    except sqlite3.Error:
        return None
    try:
        return _contents(connection)
    except sqlite3.DatabaseError:
        return None
    finally:
        connection.close()


def restore_sqlite(
    backup: Path, live: Path, folder: Path, now: datetime, *, force: bool = False
) -> tuple[_Contents, BackupInfo | None]:
    """Replace the live SQLite file with `backup`, after checking the backup.

    The live file (with its WAL file, when it has one) is first copied as it is into
    `folder` as a "before-restore" backup, which retention never deletes. A live file that
    holds audit events the backup does not (it is newer) is replaced only with `force`. Returns what
    the restored file holds and the before-restore backup (None when there was no file).
    """
    restored = check_backup_file(backup)
    if backup.resolve() == live.resolve():
        raise BackupError(f"{backup}: this is the database itself, not a backup")
    if not live.exists():
        _replace_with(backup, live)
        return restored, None
    _prepare_folder(folder)
    with _alone(live):
        pass  # refused at once when another program has it open
    # Read before the lock is taken again: a SQLite connection of this process would release
    # the process's POSIX locks on the file when it closes.
    current = _live_contents(live)
    with _alone(live):
        if current is not None and current.audit_events > restored.audit_events and not force:
            raise BackupError(
                f"{live}: the database holds {current.audit_events - restored.audit_events} "
                f"recorded changes made after this backup; restore with --force to replace "
                "them (the current file is kept as a backup first)"
            )
        kept = _keep_before_restore(live, folder, now, current)
        for extra in (live.with_name(live.name + "-wal"), live.with_name(live.name + "-shm")):
            with contextlib.suppress(FileNotFoundError):
                extra.unlink()
        _replace_with(backup, live)
    return restored, kept


def _keep_before_restore(
    live: Path, folder: Path, now: datetime, contents: _Contents | None
) -> BackupInfo:
    """A byte copy of the live file (and its WAL file) into `folder`, kept for good."""
    target = _new_name(folder, now, "before-restore", SQLITE_SUFFIX)
    part = folder / f".{target.name}.part"
    try:
        shutil.copyfile(live, part)
        wal = live.with_name(live.name + "-wal")
        if wal.exists() and wal.stat().st_size:
            shutil.copyfile(wal, target.with_name(target.name + "-wal"))
        os.chmod(part, 0o600)
        _fsync_file(part)
        info = BackupInfo(
            target,
            now,
            "before-restore",
            part.stat().st_size,
            contents.encounters if contents else None,
            contents.audit_events if contents else None,
            contents.audit_head if contents else None,
            "ok" if contents else "the file could not be read (kept as it was)",
        )
        _write_description(target, info)
        os.replace(part, target)
        fsync_folder(folder)
        return info
    except OSError as error:
        with contextlib.suppress(OSError):
            part.unlink()
        raise BackupError(
            f"{folder}: the current database could not be kept before the restore "
            f"({error.strerror or error}); nothing was changed"
        ) from error


def _replace_with(backup: Path, live: Path) -> None:
    """Copy `backup` over `live` atomically (a temporary file in the same folder, renamed)."""
    part = live.with_name(f".{live.name}.restore.part")
    try:
        make_private_dirs(live.parent)
        shutil.copyfile(backup, part)
        os.chmod(part, 0o600)
        _fsync_file(part)
        os.replace(part, live)
        fsync_folder(live.parent)
    except OSError as error:
        with contextlib.suppress(OSError):
            part.unlink()
        raise BackupError(
            f"{live}: the backup could not be copied into place ({error.strerror or error})"
        ) from error


# -- clinic server ----------------------------------------------------------------------------


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment that carries it."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise BackupError("pg_dump backups are for PostgreSQL databases")
    plain = parsed.set(drivername="postgresql", password=None)
    environment = dict(os.environ)
    if parsed.password is not None:
        environment["PGPASSWORD"] = str(parsed.password)
    return plain.render_as_string(hide_password=False), environment


def _run_tool(arguments: list[str], environment: dict[str, str], what: str) -> None:
    if shutil.which(arguments[0]) is None:
        raise BackupError(
            f"{arguments[0]} is not installed; install the PostgreSQL client programs "
            "(Debian package postgresql-client)"
        )
    try:
        completed = subprocess.run(
            arguments, env=environment, capture_output=True, text=True, check=False, timeout=3600
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise BackupError(f"{what} failed: {error}") from error
    if completed.returncode != 0:
        lines = [line for line in completed.stderr.splitlines() if line.strip()]
        detail = lines[-1] if lines else f"exit status {completed.returncode}"
        raise BackupError(f"{what} failed: {detail}")


def backup_server(url: str, out: Path, label: str) -> Path:
    """`pg_dump` (custom format) of the server database into `out`, written atomically and
    checked (pg_restore reads its table of contents)."""
    uri, environment = _libpq(url)
    _writable_target(out)
    part = out.with_name(f".{out.name}.part")
    try:
        make_private_dirs(out.parent)
        _run_tool(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={part}", f"--dbname={uri}"],
            environment,
            f"pg_dump of {label}",
        )
        _run_tool(["pg_restore", "--list", str(part)], environment, "reading the dump back")
        os.chmod(part, 0o600)
        _fsync_file(part)
        os.replace(part, out)
        fsync_folder(out.parent)
        return out
    except OSError as error:
        raise BackupError(f"{out}: the dump could not be written ({error.strerror})") from error
    finally:
        with contextlib.suppress(OSError):
            part.unlink()


def restore_server(dump: Path, url: str, label: str) -> None:
    """`pg_restore` of a dump into the EMPTY server database at `url` (refused otherwise)."""
    if not dump.is_file():
        raise BackupError(f"{dump}: no dump file here")
    uri, environment = _libpq(url)
    _run_tool(["pg_restore", "--list", str(dump)], environment, f"reading {dump}")
    _run_tool(
        [
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={uri}",
            str(dump),
        ],
        environment,
        f"pg_restore into {label}",
    )


def default_dump_name(now: datetime) -> str:
    """The file name `workup db backup` gives a server dump."""
    return f"{PREFIX}{now.astimezone(UTC):%Y%m%d-%H%M%S}-manual{DUMP_SUFFIX}"


def server_is_empty(url: str) -> bool:
    """Whether the server database has no tables of ours (so a dump may be restored)."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(url)
    try:
        return not inspect(engine).get_table_names()
    except SQLAlchemyError as error:
        raise DatabaseUnavailableError(
            f"{shown_url(url)}: cannot read the target database"
        ) from error
    finally:
        engine.dispose()
