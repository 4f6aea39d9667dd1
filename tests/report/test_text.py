"""Cleaning, wrapping and chunking of arbitrary text."""

from __future__ import annotations

from datetime import date, datetime

from app.report.text import (
    REPLACEMENT,
    chunks,
    clean,
    format_date,
    format_datetime,
    one_line,
    wrap,
)


def _measure(text: str) -> float:
    return float(len(text))


def test_clean_replaces_controls_and_surrogates_but_keeps_line_breaks() -> None:
    raw = "a\x00b\x1bc\x7f\ud800d\r\ne\rf\tg"
    assert clean(raw) == f"a{REPLACEMENT}b{REPLACEMENT}c{REPLACEMENT}{REPLACEMENT}d\ne\nf    g"


def test_one_line_flattens_and_clamps() -> None:
    assert one_line("  Ivanov\n  Pyotr ") == "Ivanov Pyotr"
    clamped = one_line("x" * 500, limit=10)
    assert len(clamped) == 10
    assert clamped.endswith("…")


def test_wrap_keeps_lines_within_width_and_cuts_long_words() -> None:
    lines = wrap("short words here " + "y" * 25 + "\n\nlast", 10, _measure)
    assert all(len(line) <= 10 for line in lines)
    assert "".join(lines).replace(" ", "") == ("shortwordshere" + "y" * 25 + "last")
    assert "" in lines  # the empty source line survives


def test_chunks_never_return_nothing() -> None:
    assert chunks([], 3, "") == [[""]]
    assert chunks(["a", "b", "c", "d"], 3, "") == [["a", "b", "c"], ["d"]]


def test_dates_are_written_with_month_names() -> None:
    assert format_date(date(2024, 5, 2), "en") == "2 May 2024"
    assert format_date(date(2024, 5, 2), "ru") == "2 мая 2024"
    assert format_datetime(datetime(2024, 5, 2, 7, 5), "en") == "2 May 2024, 07:05"
