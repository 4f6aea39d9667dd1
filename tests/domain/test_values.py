"""Answer validation, JSON form and display text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.domain.errors import AnswerError
from app.domain.validation import from_json, validate_answer
from app.domain.values import YnuDetails, date_text, display_value, is_empty, to_json
from app.domain.workflow import Item, ItemKind, LocalizedText, Option, Role

TODAY = date(2026, 11, 21)


def _item(kind: ItemKind, **extra: object) -> Item:
    return Item(id="x", kind=kind, role=Role.OBSERVATION, label=LocalizedText("X", "Икс"), **extra)  # type: ignore[arg-type]


CHOICES = (Option("a", LocalizedText("Alpha", "Альфа")), Option("b", LocalizedText("Beta", "Бета")))


@pytest.mark.parametrize(
    ("item", "value", "expected"),
    [
        (_item(ItemKind.CHECK), True, True),
        (_item(ItemKind.YNU), "unknown", "unknown"),
        (
            _item(ItemKind.YNU_DETAILS),
            YnuDetails("yes", "since 2020"),
            YnuDetails("yes", "since 2020"),
        ),
        (_item(ItemKind.SINGLE, options=CHOICES), "b", "b"),
        (_item(ItemKind.MULTI, options=CHOICES), ["b", "a", "b"], ("a", "b")),
        (_item(ItemKind.TEXT), "free <text> & more", "free <text> & more"),
        (_item(ItemKind.NUMBER, minimum=Decimal(0)), "1,5", Decimal("1.5")),
        (_item(ItemKind.NUMBER), 3, Decimal(3)),
        (_item(ItemKind.DATE), "2026-11-21", "2026-11-21"),
        (_item(ItemKind.DATE, allow_partial_date=True), "2024-02", "2024-02"),
        (_item(ItemKind.DATE, allow_partial_date=True), "2024", "2024"),
        (_item(ItemKind.DATE, allow_future=True), "2027-01-01", "2027-01-01"),
        (_item(ItemKind.DATETIME), "2026-11-21T08:15", "2026-11-21T08:15"),
    ],
)
def test_valid_values_are_canonicalised(item: Item, value: object, expected: object) -> None:
    canonical = validate_answer(item, value, TODAY)
    assert canonical == expected
    assert from_json(item, to_json(item, canonical)) == canonical


@pytest.mark.parametrize(
    ("item", "value", "message"),
    [
        (_item(ItemKind.CHECK), "yes", "item x: expects ticked"),
        (_item(ItemKind.YNU), None, "item x: expects one of yes, no, unknown, not None"),
        (_item(ItemKind.YNU_DETAILS), "yes", "expects a Yes/No/Unknown answer with details"),
        (_item(ItemKind.SINGLE, options=CHOICES), "c", "'c' is not one of its options"),
        (_item(ItemKind.MULTI, options=CHOICES), "a", "expects a list of options"),
        (_item(ItemKind.TEXT), 5, "expects text"),
        (
            _item(ItemKind.NUMBER, minimum=Decimal(0)),
            "-0.1",
            "-0.1 is below the lowest possible value 0",
        ),
        (
            _item(ItemKind.NUMBER, maximum=Decimal(14)),
            "14.5",
            "above the highest possible value 14",
        ),
        (_item(ItemKind.NUMBER, decimals=1), "1.25", "more than 1 decimal places"),
        (_item(ItemKind.NUMBER), "NaN", "'NaN' is not a number"),
        (_item(ItemKind.NUMBER), "1_000", "'1_000' is not a number"),
        (_item(ItemKind.NUMBER), "١٢", "is not a number"),
        (_item(ItemKind.DATE, allow_partial_date=True), "١٢٣٤", "is not a date"),
        (_item(ItemKind.MULTI, options=CHOICES), [["a"]], "is not one of its options"),
        (_item(ItemKind.NUMBER), True, "expects a number"),
        (_item(ItemKind.DATE), "2026-11-22", "2026-11-22 is in the future"),
        (_item(ItemKind.DATE), "2024-02", "is not a date as YYYY-MM-DD"),
        (_item(ItemKind.DATE, allow_partial_date=True), "2024-13", "not a valid month or year"),
        (_item(ItemKind.DATETIME), "2026-11-21 08:15", "expects a date and time"),
        (_item(ItemKind.DATETIME), "2026-11-21T25:00", "not a valid date and time"),
    ],
)
def test_invalid_values_name_the_item_and_the_problem(
    item: Item, value: object, message: str
) -> None:
    with pytest.raises(AnswerError, match=message):
        validate_answer(item, value, TODAY)


def test_numbers_keep_their_written_precision() -> None:
    item = _item(ItemKind.NUMBER, unit="mL")
    value = validate_answer(item, "2.50", TODAY)
    assert to_json(item, value) == "2.50"
    assert display_value(item, value, "en") == "2.50 mL"
    assert display_value(item, value, "ru") == "2,50 мл"


def test_display_is_the_recorded_value_in_the_language() -> None:
    assert display_value(_item(ItemKind.YNU), "unknown", "ru") == "Неизвестно"
    assert (
        display_value(_item(ItemKind.YNU_DETAILS), YnuDetails("yes", "TURP 2019"), "en")
        == "Yes: TURP 2019"
    )
    assert display_value(_item(ItemKind.MULTI, options=CHOICES), ("a", "b"), "ru") == "Альфа; Бета"
    assert display_value(_item(ItemKind.DATETIME), "2026-11-21T08:15", "en") == "2026-11-21 08:15"


def test_stored_numbers_are_read_strictly() -> None:
    item = _item(ItemKind.NUMBER)
    assert from_json(item, "-2.50") == Decimal("-2.50")
    for raw in (" 12,5 ", "12.5 ", 12.5, "1e400x"):
        with pytest.raises(AnswerError, match="expects a number written as a string"):
            from_json(item, raw)


def test_empty_values() -> None:
    assert all(is_empty(value) for value in (None, "  ", ()))
    assert not any(is_empty(value) for value in (False, "no"))


def test_dates_are_written_as_the_language_writes_them() -> None:
    assert date_text("2026-11-21", "ru") == "21.11.2026"
    assert date_text("2026-11", "ru") == "11.2026"
    assert date_text("2026", "ru") == "2026"
    assert date_text("2026-11-21", "en") == "2026-11-21"
    assert date_text("not-a-date", "ru") == "not-a-date"
