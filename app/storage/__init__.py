"""Encounter storage: SQLAlchemy models, database opening, migrations and the repository."""

from app.storage.database import (
    HEAD_REVISION,
    Database,
    check_schema,
    current_revision,
    integrity_check,
    open_database,
    sqlite_file,
)
from app.storage.errors import (
    ConflictError,
    DatabaseCorruptError,
    DatabaseUnavailableError,
    DuplicateError,
    LockedError,
    NotFoundError,
    SchemaError,
    StorageError,
)
from app.storage.repository import UNSET, AuditVerification, Repository

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
    "SchemaError",
    "StorageError",
    "check_schema",
    "current_revision",
    "integrity_check",
    "open_database",
    "sqlite_file",
]
