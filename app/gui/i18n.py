"""The interface language: Qt translators for our strings and Qt's own dialogs, and the locale."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from app.config import resources_dir
from app.domain.vocabulary import Language

log = logging.getLogger("app.gui")

LANGUAGE_NAMES: dict[str, str] = {Language.EN: "English", Language.RU: "Русский"}
_LOCALES: dict[str, tuple[QLocale.Language, QLocale.Country]] = {
    Language.EN: (QLocale.Language.English, QLocale.Country.UnitedKingdom),
    Language.RU: (QLocale.Language.Russian, QLocale.Country.Russia),
}
_installed: list[QTranslator] = []
_current: list[str] = [Language.EN.value]


def translations_dir() -> Path:
    """The compiled translations of the application (`workup_<lang>.qm`)."""
    return resources_dir() / "translations"


def qt_translations_dir() -> Path:
    """Qt's own translations (file and print dialogs, standard buttons)."""
    return Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))


def current_language() -> str:
    """The interface language in use."""
    return _current[0]


def set_language(language: str) -> list[str]:
    """Switch the interface to `language`; return the translation files that are missing.

    Qt sends every widget a LanguageChange event when translators change; windows that
    hold translated text rebuild it then.
    """
    language = Language.of(language).value
    missing: list[str] = []
    for translator in _installed:
        QCoreApplication.removeTranslator(translator)
    _installed.clear()
    if language != Language.EN:
        for folder, name in (
            (qt_translations_dir(), f"qtbase_{language}.qm"),
            (translations_dir(), f"workup_{language}.qm"),
        ):
            translator = QTranslator()
            if translator.load(str(folder / name)):
                _installed.append(translator)
                QCoreApplication.installTranslator(translator)
            else:
                missing.append(str(folder / name))
                log.warning("translation file not loaded: %s", name)
    QLocale.setDefault(QLocale(*_LOCALES[language]))
    _current[0] = language
    return missing


def display_date(value: date) -> str:
    """A calendar date as the interface language writes it (21.11.2026 / 2026-11-21)."""
    if current_language() == "ru":
        return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"
    return value.isoformat()


def display_time(moment: datetime) -> str:
    """A timestamp in local time, to the minute, as the interface language writes it."""
    local = moment.astimezone()
    return f"{display_date(local.date())} {local:%H:%M}"


def display_seconds(moment: datetime) -> str:
    """A timestamp in local time, to the second."""
    local = moment.astimezone()
    return f"{display_date(local.date())} {local:%H:%M:%S}"
