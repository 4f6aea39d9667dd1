"""Answer values: their Python shapes, validation against an item, and a JSON form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from app.domain.errors import AnswerError
from app.domain.limits import MAX_NUMBER_DIGITS, MAX_NUMBER_EXPONENT, MAX_TEXT_LENGTH
from app.domain.workflow import YNU_VALUES, Item, ItemKind


@dataclass(frozen=True)
class YnuDetails:
    """A Yes/No/Unknown answer with its companion free-text details."""

    choice: str
    details: str = ""


AnswerValue = bool | str | Decimal | tuple[str, ...] | YnuDetails
"""check: bool; ynu, single, text, date, datetime: str; number: Decimal;
multi: tuple of option values; ynu_details: YnuDetails."""

_DATE_FULL = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DATE_MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}$")
_DATE_YEAR = re.compile(r"^[0-9]{4}$")
_DATETIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$")
_NUMBER = re.compile(r"^[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)([eE][+-]?[0-9]+)?$")
_STORED_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$")

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


def _fail(item: Item, template: str, **params: object) -> AnswerError:
    return AnswerError(item.id, template, **params)


def _check_text(item: Item, value: object) -> str:
    if not isinstance(value, str):
        raise _fail(item, "expects text")
    if len(value) > MAX_TEXT_LENGTH:
        raise _fail(item, "text is longer than {limit} characters", limit=MAX_TEXT_LENGTH)
    if "\0" in value:
        raise _fail(item, "text holds a NUL character")
    return value


def _check_date(item: Item, value: object, today: date) -> str:
    if not isinstance(value, str):
        raise _fail(item, "expects a date as YYYY-MM-DD")
    if _DATE_FULL.match(value):
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            raise _fail(item, "{value} is not a calendar date", value=repr(value)) from None
        if not item.allow_future and parsed > today:
            raise _fail(item, "{value} is in the future", value=value)
        return value
    if item.allow_partial_date and (_DATE_MONTH.match(value) or _DATE_YEAR.match(value)):
        year = int(value[:4])
        month = int(value[5:7]) if len(value) == 7 else 1
        if year < 1 or not 1 <= month <= 12:
            raise _fail(item, "{value} is not a valid month or year", value=repr(value))
        if not item.allow_future and (year, month) > (today.year, today.month):
            raise _fail(item, "{value} is in the future", value=value)
        return value
    wanted = "YYYY-MM-DD, YYYY-MM or YYYY" if item.allow_partial_date else "YYYY-MM-DD"
    raise _fail(item, "{value} is not a date as {wanted}", value=repr(value), wanted=wanted)


def _check_datetime(item: Item, value: object, today: date) -> str:
    if not isinstance(value, str) or not _DATETIME.match(value):
        raise _fail(item, "expects a date and time as YYYY-MM-DDTHH:MM")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _fail(item, "{value} is not a valid date and time", value=repr(value)) from None
    if not item.allow_future and parsed.date() > today:
        raise _fail(item, "{value} is in the future", value=value)
    return value


def _check_number(item: Item, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise _fail(item, "expects a number")
    text = str(value).strip()
    if not _NUMBER.match(text):
        raise _fail(item, "{value} is not a number", value=repr(value))
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise _fail(item, "{value} is not a number", value=repr(value)) from None
    if not number.is_finite():
        raise _fail(item, "{value} is not a finite number", value=repr(value))
    digits = number.as_tuple().digits
    if len(digits) > MAX_NUMBER_DIGITS or (number and abs(number.adjusted()) > MAX_NUMBER_EXPONENT):
        raise _fail(
            item,
            "{value} has more than {digits} digits or is beyond 1e{exponent}",
            value=text[:40],
            digits=MAX_NUMBER_DIGITS,
            exponent=MAX_NUMBER_EXPONENT,
        )
    if item.minimum is not None and number < item.minimum:
        raise _fail(
            item,
            "{value} is below the lowest possible value {limit}",
            value=number,
            limit=item.minimum,
        )
    if item.maximum is not None and number > item.maximum:
        raise _fail(
            item,
            "{value} is above the highest possible value {limit}",
            value=number,
            limit=item.maximum,
        )
    exponent = number.as_tuple().exponent
    if item.decimals is not None and isinstance(exponent, int) and -exponent > item.decimals:
        raise _fail(
            item, "{value} has more than {limit} decimal places", value=number, limit=item.decimals
        )
    return number


def validate_answer(item: Item, value: object, today: date) -> AnswerValue:
    """Return `value` in its canonical shape for `item`, or raise AnswerError.

    Bounds are physical plausibility limits of the field, never clinical reference ranges.
    """
    kind = item.kind
    if kind is ItemKind.CHECK:
        if not isinstance(value, bool):
            raise _fail(item, "expects ticked (true) or not ticked (false)")
        return value
    if kind is ItemKind.YNU:
        if value not in YNU_VALUES:
            raise _fail(
                item,
                "expects one of {choices}, not {value}",
                choices=", ".join(YNU_VALUES),
                value=repr(value),
            )
        assert isinstance(value, str)
        return value
    if kind is ItemKind.YNU_DETAILS:
        if not isinstance(value, YnuDetails):
            raise _fail(item, "expects a Yes/No/Unknown answer with details")
        if value.choice not in YNU_VALUES:
            raise _fail(
                item,
                "expects one of {choices}, not {value}",
                choices=", ".join(YNU_VALUES),
                value=repr(value.choice),
            )
        return YnuDetails(value.choice, _check_text(item, value.details))
    if kind is ItemKind.SINGLE:
        if not isinstance(value, str) or item.option(value) is None:
            raise _fail(item, "{value} is not one of its options", value=repr(value))
        return value
    if kind is ItemKind.MULTI:
        if not isinstance(value, (tuple, list, set, frozenset)):
            raise _fail(item, "expects a list of options")
        for choice in value:
            if not isinstance(choice, str) or item.option(choice) is None:
                raise _fail(item, "{value} is not one of its options", value=repr(choice))
        chosen = set(value)
        return tuple(option.value for option in item.options if option.value in chosen)
    if kind is ItemKind.TEXT:
        return _check_text(item, value)
    if kind is ItemKind.NUMBER:
        return _check_number(item, value)
    if kind is ItemKind.DATE:
        return _check_date(item, value, today)
    if kind is ItemKind.DATETIME:
        return _check_datetime(item, value, today)
    raise _fail(item, "has an unknown kind {kind}", kind=kind)  # pragma: no cover - enum is closed


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


def from_json(item: Item, raw: Any, today: date | None = None) -> AnswerValue:
    """Read a value of `item` from its JSON form, validating it; AnswerError when wrong.

    Values read back from storage or a document are not checked against `today`
    unless it is given, since a date recorded then may lie ahead of a wrong clock now.
    """
    horizon = today or date.max
    if item.kind is ItemKind.YNU_DETAILS:
        if not isinstance(raw, dict) or set(raw) - {"choice", "details"}:
            raise _fail(item, "expects an object with 'choice' and 'details'")
        raw = YnuDetails(raw.get("choice", ""), raw.get("details", ""))
    elif item.kind is ItemKind.MULTI and isinstance(raw, list):
        raw = tuple(raw)
    elif item.kind is ItemKind.NUMBER and not (isinstance(raw, str) and _STORED_NUMBER.match(raw)):
        raise _fail(item, 'expects a number written as a string such as "12.5"')
    return validate_answer(item, raw, horizon)


def display_value(item: Item, value: AnswerValue, language: str) -> str:
    """The recorded value as text, exactly as chosen (option labels, unit), no judgement."""
    yes_no = {"en": ("Yes", "No", "Unknown"), "ru": ("Да", "Нет", "Неизвестно")}
    words = dict(zip(YNU_VALUES, yes_no.get(language, yes_no["en"]), strict=True))
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
