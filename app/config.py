"""Settings and file locations: every setting with its type and default, in one place."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from app.domain.limits import MAX_NESTING, nesting_depth
from app.domain.vocabulary import LANGUAGES, Language, Paper
from app.domain.vocabulary import PAPER_SIZES as PAPER_SIZES
from app.fileio import make_private_dirs, package_dir

APP_NAME = "ejaculatory-disorder-workup"
ENV_DATA_DIR = "WORKUP_DATA_DIR"
ENV_CONFIG_DIR = "WORKUP_CONFIG_DIR"
ENV_DATABASE_URL = "WORKUP_DATABASE_URL"
ENV_WORKFLOWS_DIR = "WORKUP_WORKFLOWS_DIR"
_SOURCE_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """The settings file cannot be read or written."""


@dataclass(frozen=True)
class Settings:
    """User and clinic settings, stored as JSON in the configuration directory."""

    clinic_name: str = ""
    clinic_address: str = ""
    default_clinician: str = ""
    language: str = Language.EN.value
    paper_size: str = Paper.A4.value
    database_url: str = ""
    workflows_dir: str = ""
    workstation: str = ""
    export_dir: str = ""
    backup_dir: str = ""
    backup_recent: str = "6"
    backup_daily: str = "7"
    backup_weekly: str = "4"
    backup_monthly: str = "12"


def data_dir() -> Path:
    """Where the database and logs live (`WORKUP_DATA_DIR` overrides)."""
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """Where the settings file lives (`WORKUP_CONFIG_DIR` overrides)."""
    override = os.environ.get(ENV_CONFIG_DIR)
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def settings_path() -> Path:
    """The settings file."""
    return config_dir() / "settings.json"


def default_database_path() -> Path:
    """The single-workstation SQLite database."""
    return data_dir() / "workup.sqlite3"


def backups_dir(settings: Settings) -> Path:
    """Where the workstation's database backups go: the setting, else `backups` in the data
    folder."""
    return Path(settings.backup_dir).expanduser() if settings.backup_dir else data_dir() / "backups"


def backup_counts(settings: Settings) -> tuple[int, int, int, int]:
    """How many recent, daily, weekly and monthly backups to keep (defaults for bad values)."""
    defaults = Settings()
    counts: list[int] = []
    for name in ("backup_recent", "backup_daily", "backup_weekly", "backup_monthly"):
        text = str(getattr(settings, name)).strip()
        value = int(text) if text.isdecimal() and len(text) <= 4 else -1
        counts.append(value if 0 <= value <= 999 else int(getattr(defaults, name)))
    return counts[0], counts[1], counts[2], counts[3]


def shipped_workflows_dir() -> Path:
    """The workflow files shipped with the application."""
    return package_dir("app.shipped_workflows", _SOURCE_ROOT / "workflows")


def resources_dir() -> Path:
    """Fonts, icons and translations shipped with the application."""
    return package_dir("app.resources", _SOURCE_ROOT / "resources")


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file; defaults when it does not exist."""
    path = path or settings_path()
    try:
        text = path.read_text(encoding="utf-8")
        if nesting_depth(text) > MAX_NESTING:
            raise ConfigError(f"{path}: the settings file is nested too deeply")
        raw = json.loads(text)
    except FileNotFoundError:
        return Settings()
    except RecursionError as error:
        raise ConfigError(
            f"{path}: the settings file is nested too deeply to be settings"
        ) from error
    except (OSError, ValueError) as error:
        raise ConfigError(f"{path}: cannot read the settings file ({error})") from error
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the settings file is not a JSON object")
    known = {field.name for field in fields(Settings)}
    values = {key: str(value) for key, value in raw.items() if key in known}
    settings = replace(Settings(), **values)
    if settings.language not in LANGUAGES:
        settings = replace(settings, language=Language.EN.value)
    if settings.paper_size not in PAPER_SIZES:
        settings = replace(settings, paper_size=Paper.A4.value)
    return settings


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write the settings file atomically."""
    import tempfile  # only the window changes settings

    path = path or settings_path()
    try:
        make_private_dirs(path.parent)
        handle, temporary = tempfile.mkstemp(prefix=".settings-", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(asdict(settings), stream, ensure_ascii=False, indent=2)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as error:
        raise ConfigError(f"{path}: cannot write the settings file ({error.strerror})") from error


def resolve_database_url(explicit: str | None, settings: Settings) -> str:
    """The database to use: the option, then `WORKUP_DATABASE_URL`, then the setting."""
    if explicit:
        return explicit
    from_env = os.environ.get(ENV_DATABASE_URL)
    if from_env:
        return from_env
    if settings.database_url:
        return settings.database_url
    return f"sqlite:///{default_database_path()}"


def resolve_workflow_dirs(settings: Settings) -> list[Path]:
    """The shipped workflows first, then the clinic's own folder if one is set."""
    dirs = [shipped_workflows_dir()]
    clinic = os.environ.get(ENV_WORKFLOWS_DIR) or settings.workflows_dir
    if clinic:
        dirs.append(Path(clinic))
    return dirs


def log_path() -> Path:
    """The application log (rotating; never holds patient names or answers)."""
    return data_dir() / "logs" / "workup.log"


def setup_logging() -> Path | None:
    """Send log records to the rotating log file; None when it cannot be opened."""
    import logging
    import logging.handlers

    class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
        """Each log file, the first and every one after a rotation, is created 0600."""

        def _open(self) -> Any:
            descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.fchmod(descriptor, 0o600)
            return os.fdopen(descriptor, "a", encoding=self.encoding, errors=self.errors)

    path = log_path()
    try:
        make_private_dirs(path.parent)
        handler = PrivateRotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path
