"""Witness files: heads of the audit chain a workstation saw, kept outside the database.

Each line is `EVENTS HASH TIME`: the chain had EVENTS events, the last with HASH, when
this workstation wrote the line at TIME. `audit verify` checks that every witnessed head
is still a prefix of the chain, so removing the newest events (and setting the head to
match) or rewriting the past is found by any workstation that saw the chain before.
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from sqlalchemy.engine import make_url

from app.fileio import make_private_dirs
from app.storage.database import Database

_LINE = re.compile(r"([0-9]+) ([0-9a-f]{64})(?: \S+)?")


class ChainHead(NamedTuple):
    """The newest point of the audit chain: how many events, and the last one's hash."""

    events: int
    hash: str


def database_identity(database: Database) -> str:
    """What names one database across workstations: its file, or its server and name."""
    if database.sqlite_path is not None:
        return _file_identity(database.sqlite_path)
    url = make_url(database.url)
    return f"{url.get_backend_name()}://{url.host or ''}:{url.port or ''}/{url.database or ''}"


def _file_identity(path: Path) -> str:
    return f"sqlite:{Path(path).expanduser().absolute()}"


def witness_path(folder: Path, database: Database) -> Path:
    """The witness file of `database` in `folder` (one file per database)."""
    return _named(folder, database_identity(database))


def _named(folder: Path, identity: str) -> Path:
    name = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
    return folder / f"{name}.txt"


def set_aside_after_restore(folder: Path, sqlite_path: Path, at: datetime) -> Path | None:
    """Keep the witness file of a SQLite file that a backup replaced under another name.

    The heads it holds are of the chain before the restore: the restored, older chain is
    not a continuation of them, so they must not be checked against it. Returns where the
    file was kept (None when there was none).
    """
    current = _named(folder, _file_identity(sqlite_path))
    if not current.exists():
        return None
    kept = current.with_name(f"{current.stem}.before-restore-{at:%Y%m%dT%H%M%S}.txt")
    os.replace(current, kept)
    return kept


def read_heads(path: Path) -> list[ChainHead]:
    """The heads recorded in the witness file at `path` (none when it does not exist)."""
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return []
    heads: list[ChainHead] = []
    for line in text.splitlines():
        match = _LINE.fullmatch(line.strip())
        if match is not None:
            heads.append(ChainHead(int(match.group(1)), match.group(2)))
    return heads


def append_head(path: Path, head: ChainHead, at: datetime) -> None:
    """Append `head` to the witness file at `path`, durably (the file is the user's alone)."""
    make_private_dirs(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, f"{head.events} {head.hash} {at.isoformat()}\n".encode("ascii"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
