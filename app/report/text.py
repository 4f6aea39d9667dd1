"""Making arbitrary text safe to print: cleaning, clamping, wrapping, dates."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

from app.report.strings import strings_for

T = TypeVar("T")

REPLACEMENT = "\ufffd"
SHORT_FIELD_LIMIT = 200
"""Identifying one-line fields (names, chart number, clinic) are clamped to this length."""

# C0 controls except tab and newline, DEL, C1 controls and UTF-16 surrogates.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean(text: str) -> str:
    """`text` with line ends unified and unprintable characters replaced by U+FFFD."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    return _UNPRINTABLE.sub(REPLACEMENT, text)


def one_line(text: str, limit: int = SHORT_FIELD_LIMIT) -> str:
    """`text` cleaned, on one line, clamped to `limit` characters (an ellipsis marks a cut)."""
    flat = " ".join(clean(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def wrap(
    text: str, width: float, measure: Callable[[str], float], first_extra: float = 0.0
) -> list[str]:
    """Break `text` into lines no wider than `width`; words longer than a line are cut.

    Source line breaks are kept; an empty source line stays an empty line. The first line
    has `first_extra` points less room (a lead-in printed wider than `measure` tells).
    """
    lines: list[str] = []

    def room() -> float:
        return width - first_extra if not lines else width

    for source in text.split("\n"):
        current = ""
        for word in source.split(" "):
            candidate = f"{current} {word}" if current else word
            if measure(candidate) <= room():
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            while len(word) > 1 and measure(word) > room():
                cut = _longest_prefix(word, room(), measure)
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    return lines


def _longest_prefix(word: str, width: float, measure: Callable[[str], float]) -> int:
    """The length of the longest prefix of `word` that fits `width` (at least 1)."""
    # Grow the upper bound first, so a 50,000-character word costs a line's worth per cut.
    high_index = 64
    while high_index < len(word) and measure(word[:high_index]) <= width:
        high_index *= 2
    low_index, high_index = 1, min(high_index, len(word))
    while low_index < high_index:
        middle = (low_index + high_index + 1) // 2
        if measure(word[:middle]) <= width:
            low_index = middle
        else:
            high_index = middle - 1
    return low_index


def chunks(lines: list[T], size: int, empty: T) -> list[list[T]]:
    """`lines` in consecutive groups of at most `size` lines (at least one: `[empty]`)."""
    if not lines:
        return [[empty]]
    return [lines[start : start + size] for start in range(0, len(lines), size)]


def format_date(value: date, language: str) -> str:
    """A calendar date written out with the month name, e.g. "1 May 2024" / "1 мая 2024"."""
    months = strings_for(language)["months"].split()
    return f"{value.day} {months[value.month - 1]} {value.year}"


def format_datetime(value: datetime, language: str) -> str:
    """A date and time to the minute, in the clock time it was recorded."""
    return f"{format_date(value.date(), language)}, {value:%H:%M}"
