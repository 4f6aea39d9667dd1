"""Encounter storage: SQLAlchemy models, database opening, migrations and the repository.

The names that need SQLAlchemy are loaded from their modules on first use, so that the
errors, the schema revisions and the direct SQLite reader can be used without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import lazy_names
from app.storage.errors import (
    ConflictError,
    DatabaseCorruptError,
    DatabaseUnavailableError,
    DuplicateError,
    LockedError,
    NotFoundError,
    RevisionChangedError,
    SchemaError,
    StorageError,
)
from app.storage.revisions import HEAD_REVISION
from app.storage.unset import UNSET

if TYPE_CHECKING:
    from app.storage.database import (
        Database,
        check_schema,
        current_revision,
        integrity_check,
        open_database,
        refuse_foreign_tables,
        sqlite_file,
    )
    from app.storage.repository import AuditVerification, Repository

_MODULES = {
    "AuditVerification": "repository",
    "Database": "database",
    "Repository": "repository",
    "check_schema": "database",
    "current_revision": "database",
    "integrity_check": "database",
    "open_database": "database",
    "refuse_foreign_tables": "database",
    "sqlite_file": "database",
}

__all__ = [
    "HEAD_REVISION",
    "UNSET",
    "AuditVerification",
    "ConflictError",
    "Database",
    "DatabaseCorruptError",
    "DatabaseUnavailableError",
    "DuplicateError",
    "LockedError",
    "NotFoundError",
    "Repository",
    "RevisionChangedError",
    "SchemaError",
    "StorageError",
    "check_schema",
    "current_revision",
    "integrity_check",
    "open_database",
    "refuse_foreign_tables",
    "sqlite_file",
]


__getattr__, __dir__ = lazy_names(__name__, globals(), _MODULES)
