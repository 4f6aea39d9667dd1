"""Checking an answer against its item: the canonical shape of a value entered or read back.

Bounds are physical plausibility limits of a field, never clinical reference ranges.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from app.domain.errors import AnswerError
from app.domain.limits import MAX_NUMBER_DIGITS, MAX_NUMBER_EXPONENT, MAX_TEXT_LENGTH
from app.domain.values import AnswerValue, YnuDetails
from app.domain.workflow import YNU_VALUES, Item, ItemKind

_DATE_FULL = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DATE_MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}$")
_DATE_YEAR = re.compile(r"^[0-9]{4}$")
_DATETIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$")
_NUMBER = re.compile(r"^[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)([eE][+-]?[0-9]+)?$")
_STORED_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$")


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
