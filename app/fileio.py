"""Atomic file writes: a temporary file in the destination folder, then a rename."""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import os
import stat
import tempfile
from pathlib import Path


class FileWriteError(Exception):
    """A file could not be written; nothing was left at the destination."""


_ADVICE = {
    errno.ENOENT: "the folder does not exist; choose an existing folder",
    errno.EACCES: "permission denied; choose a folder you may write to",
    errno.EPERM: "permission denied; choose a folder you may write to",
    errno.EROFS: "the disk is read-only; choose another folder",
    errno.ENOSPC: "the disk is full; free some space or choose another disk",
    errno.EDQUOT: "the disk quota is exhausted; free some space",
    errno.EFBIG: "the file is too large for this disk",
    errno.EISDIR: "a folder has that name; choose a file name",
    errno.ENOTDIR: "part of the path is not a folder",
}


def describe_os_error(path: Path, error: OSError) -> str:
    """A one-line message naming the file, what went wrong and what to do."""
    advice = _ADVICE.get(error.errno or 0, error.strerror or str(error))
    return f"cannot write {path}: {advice}"


def refuse_unwritable_target(path: Path) -> None:
    """Raise FileWriteError when `path` exists and is not a writable regular file.

    A rename would replace a device, a pipe or a socket with a plain file (as root, even
    /dev/null), and a read-only file that its owner protected; both are refused by name.
    """
    try:
        found = path.stat()
    except FileNotFoundError:
        return
    except (OSError, ValueError) as error:
        if isinstance(error, OSError):
            raise FileWriteError(describe_os_error(path, error)) from error
        raise FileWriteError(f"cannot write {path!r}: not a usable file name") from error
    if stat.S_ISDIR(found.st_mode):
        raise FileWriteError(describe_os_error(path, IsADirectoryError(errno.EISDIR, "")))
    if not stat.S_ISREG(found.st_mode):
        raise FileWriteError(
            f"cannot write {path}: it is a device, pipe or socket, not a file; choose a file name"
        )
    if not found.st_mode & 0o222:
        raise FileWriteError(
            f"cannot write {path}: the file is read-only; choose another name or make it "
            "writable first"
        )


def write_atomically(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write `data` to `path` whole; on failure raise FileWriteError and leave no file.

    `durable` waits until the data is on the disk; without it, a crash may lose the file
    (never leave part of it), which suits records and caches that are only an aid.
    """
    path = Path(path)
    refuse_unwritable_target(path)
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".part", dir=path.parent
        )
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temporary, path)
        temporary = None
    except OSError as error:
        raise FileWriteError(describe_os_error(path, error)) from error
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def sqlite_read_only_uri(path: Path, *, untouched: bool = False) -> str:
    """A SQLite URI that opens `path` read-only (the path escaped, whatever it holds).

    `untouched` adds `immutable=1` when the file has no WAL files beside it: SQLite then
    reads the file alone and creates no "-wal" or "-shm" file (a damaged or foreign file
    is left exactly as it was). With WAL files present their content is read as usual.
    """
    uri = f"{path.absolute().as_uri()}?mode=ro"
    if untouched and not any(
        path.with_name(path.name + suffix).exists() for suffix in ("-wal", "-shm", "-journal")
    ):
        uri += "&immutable=1"
    return uri


def make_private_dirs(folder: Path) -> None:
    """Create `folder` and every missing folder above it readable by the owner alone (0700).

    `Path.mkdir(parents=True, mode=...)` gives the mode to the last folder only; the data
    folder above a log, cache or backups folder must not be left open to other users.
    """
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(path, 0o700)  # the mode given to mkdir is reduced by the umask


def fsync_folder(folder: Path) -> None:
    """Make the renames in `folder` durable (where a folder can be opened and synced)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows opens no folders; its renames are journalled by NTFS
    try:
        with contextlib.suppress(OSError):
            os.fsync(descriptor)
    finally:
        os.close(descriptor)


def package_dir(package: str, fallback: Path) -> Path:
    """The folder of a data package, installed or mapped by an editable install.

    Data packages have no __init__.py, so their folder comes from the import system's
    search locations; `fallback` (the source tree) serves when the package is not found.
    """
    try:
        spec = importlib.util.find_spec(package)
    except ModuleNotFoundError:
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else fallback
