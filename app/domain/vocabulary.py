"""The languages the application writes and the paper sizes it prints on.

Both are `StrEnum`s, so a member equals its string ("en", "A4") wherever a plain string is
stored or compared (settings files, the database, command-line options)."""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    """A language of the interface, the workflows and the printed documents."""

    EN = "en"
    RU = "ru"

    @classmethod
    def of(cls, value: str) -> Language:
        """`value` as a language; English for anything else."""
        try:
            return cls(value)
        except ValueError:
            return cls.EN


class Paper(StrEnum):
    """A paper size of the printed documents."""

    A4 = "A4"
    LETTER = "Letter"


LANGUAGES: tuple[Language, ...] = tuple(Language)
PAPER_SIZES: tuple[Paper, ...] = tuple(Paper)
