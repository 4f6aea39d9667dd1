"""Exceptions of the storage layer; each message says what happened and what to do."""

from __future__ import annotations

from typing import Any


class StorageError(Exception):
    """Base of every storage error."""


class DatabaseUnavailableError(StorageError):
    """The database cannot be opened or reached."""


class DatabaseCorruptError(StorageError):
    """The database file failed its integrity check or is not a database."""


class SchemaError(StorageError):
    """The database schema is older or newer than this version of the application."""


class DamagedRecordError(StorageError):
    """A stored record holds a value the application never writes (changed outside it)."""


class RefusedValueError(StorageError):
    """The database refused a value it cannot store (too long, out of range, a NUL)."""


class NotFoundError(StorageError):
    """A patient, encounter or workflow snapshot does not exist."""


class DuplicateError(StorageError):
    """A record that must be unique already exists (chart number, encounter uid)."""


class LockedError(StorageError):
    """The encounter is finalized or amended; the storage refuses changes to it."""


class RevisionChangedError(StorageError):
    """The encounter changed after the revision its signer reviewed."""


class ConflictError(StorageError):
    """Another workstation changed the same item since this one last read it."""

    def __init__(self, item_id: str, current_json: Any, updated_by: str, updated_at: str) -> None:
        super().__init__(
            f"item {item_id} was changed by {updated_by or 'another user'} at {updated_at}"
        )
        self.item_id = item_id
        self.current_json = current_json
        self.updated_by = updated_by
        self.updated_at = updated_at
