"""The schema revisions this application knows; free of SQLAlchemy, so cheap to import."""

from __future__ import annotations

# Alembic revisions in order; the last is the schema this code writes. A test keeps this
# list equal to the revisions in app/storage/migrations/versions.
REVISIONS: tuple[str, ...] = ("0001", "0002", "0003")
HEAD_REVISION = REVISIONS[-1]
