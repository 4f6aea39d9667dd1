"""Schema upgrades through Alembic (imported only when a schema change is needed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from app.storage.database import Database, current_revision, describe_error
from app.storage.errors import DatabaseUnavailableError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
INSUFFICIENT_PRIVILEGE = "42501"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def script_revisions() -> list[str]:
    """The revisions in the migrations folder, oldest first."""
    script = ScriptDirectory.from_config(_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def upgrade(database: Database, target: str = "head") -> tuple[str | None, str | None]:
    """Apply the migrations up to `target`; return the revisions before and after."""
    before = current_revision(database)
    _run(database, "upgrade", lambda config: command.upgrade(config, target))
    return before, current_revision(database)


def downgrade(database: Database, target: str) -> tuple[str | None, str | None]:
    """Undo migrations down to `target` ("base" for none); return the revisions.

    Downgrades drop data; only tests and a clinic's IT restoring an old version use them.
    """
    before = current_revision(database)
    _run(database, "downgrade", lambda config: command.downgrade(config, target))
    return before, current_revision(database)


def _run(database: Database, what: str, step: Callable[[Config], None]) -> None:
    config = _config()
    try:
        with database.write_factory.kw["bind"].connect() as connection:
            config.attributes["connection"] = connection
            step(config)
            connection.commit()
    except SQLAlchemyError as error:
        hint = ""
        if getattr(getattr(error, "orig", None), "sqlstate", None) == INSUFFICIENT_PRIVILEGE:
            hint = "; run it with the URL of the role that owns the tables"
        raise DatabaseUnavailableError(
            f"{what} failed: {describe_error(database.label, error)}{hint}"
        ) from error
