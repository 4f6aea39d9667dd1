"""Answer values: their Python shapes, their JSON form and how they are shown.

Checking a value against its item is in app.domain.validation."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.domain.workflow import ANSWER_LABELS, Item, ItemKind


@dataclass(frozen=True)
class YnuDetails:
    """A Yes/No/Unknown answer with its companion free-text details."""

    choice: str
    details: str = ""


AnswerValue = bool | str | Decimal | tuple[str, ...] | YnuDetails
"""check: bool; ynu, single, text, date, datetime: str; number: Decimal;
multi: tuple of option values; ynu_details: YnuDetails."""


_RUSSIAN_UNITS: dict[str, tuple[str, str, str]] = {
    "years": ("год", "года", "лет"),
    "year": ("год", "года", "лет"),
    "months": ("месяц", "месяца", "месяцев"),
    "month": ("месяц", "месяца", "месяцев"),
    "weeks": ("неделя", "недели", "недель"),
    "days": ("день", "дня", "дней"),
    "day": ("день", "дня", "дней"),
    "hours": ("час", "часа", "часов"),
    "h": ("ч", "ч", "ч"),
    "min": ("мин", "мин", "мин"),
    "minutes": ("минута", "минуты", "минут"),
    "s": ("с", "с", "с"),
    "mL": ("мл", "мл", "мл"),
    "ml": ("мл", "мл", "мл"),
    "L": ("л", "л", "л"),
    "cm": ("см", "см", "см"),
    "mm": ("мм", "мм", "мм"),
    "kg": ("кг", "кг", "кг"),
    "g": ("г", "г", "г"),
    "times": ("раз", "раза", "раз"),
}


def unit_text(unit: str, language: str, number: Decimal | None = None) -> str:
    """A unit in `language`, agreeing with `number` where the language needs it.

    Units the table does not know are printed as written in the workflow file.
    """
    forms = _RUSSIAN_UNITS.get(unit) if language == "ru" else None
    if forms is None:
        return unit
    one, few, many = forms
    if number is None:
        return many
    if number != number.to_integral_value():
        return few
    whole = abs(int(number))
    if whole % 10 == 1 and whole % 100 != 11:
        return one
    if 2 <= whole % 10 <= 4 and not 12 <= whole % 100 <= 14:
        return few
    return many


def number_text(value: Decimal, language: str) -> str:
    """A number as `language` writes it (a decimal comma in Russian)."""
    number = format(value, "f")
    return number.replace(".", ",") if language == "ru" else number


def is_empty(value: AnswerValue | None) -> bool:
    """Whether a value counts as no answer (absent, blank text, nothing chosen)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, tuple):
        return not value
    return False


def to_json(item: Item, value: AnswerValue) -> Any:
    """The JSON form of a canonical value of `item`."""
    if isinstance(value, YnuDetails):
        return {"choice": value.choice, "details": value.details}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def display_value(item: Item, value: AnswerValue, language: str) -> str:
    """The recorded value as text, exactly as chosen (option labels, unit), no judgement."""
    words = {value: label.get(language) for value, label in ANSWER_LABELS.items()}
    if isinstance(value, bool):
        return words["yes"] if value else words["no"]
    if isinstance(value, YnuDetails):
        text = words.get(value.choice, value.choice)
        return f"{text}: {value.details}" if value.details.strip() else text
    if isinstance(value, tuple):
        return "; ".join(item.option_label(choice, language) for choice in value)
    if isinstance(value, Decimal):
        number = number_text(value, language)
        return f"{number} {unit_text(item.unit, language, value)}" if item.unit else number
    if item.kind is ItemKind.YNU:
        return words.get(value, value)
    if item.kind is ItemKind.SINGLE:
        return item.option_label(value, language)
    if item.kind is ItemKind.DATETIME:
        day, _, clock = value.partition("T")
        return f"{date_text(day, language)} {clock}".strip()
    if item.kind is ItemKind.DATE:
        return date_text(value, language)
    return value


def date_text(value: str, language: str) -> str:
    """A recorded (possibly partial) ISO date as the language writes it: 21.11.2026, 11.2026."""
    if language != "ru":
        return value
    parts = value.split("-")
    if len(parts) in (2, 3) and all(part.isdigit() for part in parts):
        return ".".join(reversed(parts))
    return value
