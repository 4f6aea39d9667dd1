"""Encounter storage: SQLAlchemy models, database opening, migrations and the repository.

Callers import from the modules themselves. Only app.storage.database, .repository, .models,
.migrate and .copy load SQLAlchemy; the errors, the schema revisions, the direct SQLite
reader, backups and the witness file can be used without it.
"""
