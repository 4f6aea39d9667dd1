"""Parsed workflow texts kept as JSON, so that a text already seen is not parsed again.

Parsing the shipped workflow's TOML takes about 13 ms; reading the same document back
from JSON takes under 1 ms. Each file in the folder is named by the SHA-256 of the text
it was parsed from, so a changed workflow file or another snapshot is simply another
entry, and an entry can never belong to a text it does not match. A document holding a
value JSON cannot carry exactly (a TOML date or time) is never stored. The cache is only
an aid: a folder that cannot be read or written, or an entry that cannot be read, means
the text is parsed as if there were no cache.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from app.fileio import FileWriteError, make_private_dirs, write_atomically

FORMAT = "1"
"""Part of every entry's name: raised if the stored form of a document ever changes."""


class ParsedCache:
    """The parsed form of workflow texts, in one folder (created when first written)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def entry(self, text: str) -> Path:
        """The file that holds, or would hold, the parsed form of `text`."""
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return self.folder / f"{digest}.v{FORMAT}.json"

    def loads(self, text: str) -> dict[str, Any]:
        """The TOML document in `text`, as `parse_toml` gives it (and raises)."""
        entry = self.entry(text)
        try:
            stored = json.loads(entry.read_bytes())
        except (OSError, ValueError):
            stored = None
        if isinstance(stored, dict):
            return stored
        from app.catalog.rules import parse_toml  # tomllib is loaded only when a text is parsed

        document = parse_toml(text)
        self._store(entry, document)
        return document

    def _store(self, entry: Path, document: dict[str, Any]) -> None:
        try:
            data = json.dumps(document, ensure_ascii=False).encode("utf-8")
        except (TypeError, ValueError):
            return  # dates and times have no exact JSON form
        if json.loads(data) != document:
            return
        try:
            make_private_dirs(entry.parent)
            write_atomically(entry, data, durable=False)  # a lost entry is parsed again
        except (OSError, FileWriteError):
            return
