"""SQLite files and the record of their last full check; free of SQLAlchemy.

The record lets a file that nothing has written since it passed its full check skip the
check at the next opening (see `open_database`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from app.fileio import FileWriteError, make_private_dirs, write_atomically

# A file unchanged since this application last closed it skips the full check at opening,
# unless its last full check is older than this (seconds).
FULL_CHECK_INTERVAL = 7 * 24 * 3600
# The SQLite URL prefixes `plain_sqlite_path` reads; any other URL is left to SQLAlchemy.
_SQLITE_PREFIXES = ("sqlite:///", "sqlite+pysqlite:///")


def plain_sqlite_path(url: str) -> Path | None:
    """The file of a plain SQLite URL (no query, no escapes), as `sqlite_file` gives it.

    None for every other URL, including SQLite URLs this simple reading cannot be sure of.
    """
    for prefix in _SQLITE_PREFIXES:
        if url.startswith(prefix):
            database = url[len(prefix) :]
            break
    else:
        return None
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    if any(character in database for character in "?#%"):
        return None
    return Path(database)


def file_identity(path: Path) -> list[int] | None:
    """What changes whenever anything writes the file (its change time cannot be set back).

    None while a write-ahead log holds anything: the file alone is not the whole database
    then. An empty log (left by a process that ended without closing) holds nothing.
    """
    try:
        if Path(f"{path}-wal").stat().st_size > 0:
            return None
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        status = path.stat()
    except OSError:
        return None
    return [status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns]


def record_closed_file(path: Path, record: Path, checked_at: float) -> None:
    """Note that `path` is, as it is now, whole and checked (it passed its full check or was
    closed cleanly since); a failure only costs a full check."""
    identity = file_identity(path)
    try:
        if identity is None:
            record.unlink(missing_ok=True)
            return
        make_private_dirs(record.parent)
        data = {"file": str(path), "identity": identity, "checked_at": checked_at}
        write_atomically(record, json.dumps(data).encode("utf-8"), durable=False)
    except (OSError, FileWriteError):
        return


def checked_at_if_unchanged(
    path: Path, record: Path | None, max_age: float = FULL_CHECK_INTERVAL
) -> float | None:
    """When `path` is exactly as this application left it, the time of its last full check
    (None when it is not, or when that check is older than `max_age` seconds)."""
    if record is None:
        return None
    identity = file_identity(path)
    try:
        stored = json.loads(record.read_text(encoding="utf-8"))
        unchanged = stored["file"] == str(path) and stored["identity"] == identity
        checked_at = float(stored["checked_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if identity is None or not unchanged or time.time() - checked_at > max_age:
        return None
    return checked_at
