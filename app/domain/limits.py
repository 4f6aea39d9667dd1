"""Limits every path into the records shares (entry, import, workflow files, storage).

Each is defined once here; the PostgreSQL schema's column types are the reason for some.
"""

from __future__ import annotations

import unicodedata
import uuid

MAX_INTEGER = 2**31 - 1
"""The largest whole number stored (revisions, versions, ids): PostgreSQL's `integer`."""

MAX_NAME_LENGTH = 200
"""Names of patients, clinicians and signers, and workstation names."""

MAX_CHART_NUMBER_LENGTH = 64
"""A patient's chart number."""

MAX_ID_LENGTH = 100
"""Workflow and item ids."""

MAX_TEXT_LENGTH = 100_000
"""Free text: notes, details, reasons, order notes."""

MAX_NUMBER_DIGITS = 30
"""Significant digits of a number answer."""

MAX_NUMBER_EXPONENT = 30
"""How far a number answer's exponent may go either way (1e30, 1e-30)."""

MAX_CONDITION_DEPTH = 50
"""How many show_when conditions may hang one after another (an item shown when an item
shown when ...): the window and the PDF follow the chain for every item."""

MAX_NESTING = 200
"""How deeply a settings, encounter or workflow document may nest lists and tables."""

MAX_WORKFLOW_FILE_BYTES = 2_000_000
"""A workflow file larger than this is refused unread (the shipped one is about 100 kB)."""


def nesting_depth(text: str, opening: str = "[{", closing: str = "]}") -> int:
    """The deepest nesting of brackets in `text`, ignoring brackets inside quoted strings.

    A cheap look before a recursive parser (json, tomllib) sees the text: Python's
    parsers recurse once per level and stop with RecursionError far below memory limits.
    """
    depth = deepest = 0
    quote: str | None = None
    escaped = False
    for character in text:
        if quote is not None:
            if escaped:
                escaped = False
            elif character == "\\" and quote == '"':
                escaped = True
            elif character == quote:
                quote = None
            continue
        if character in "\"'":
            quote = character
        elif character in opening:
            depth += 1
            deepest = max(deepest, depth)
        elif character in closing:
            depth -= 1
    return deepest


def text_problem(value: str, limit: int, *, one_line: bool = False) -> str | None:
    """What is wrong with a text for a field of at most `limit` characters, or None.

    No text may hold a NUL character (PostgreSQL stores none); a one-line field (a name, a
    chart number) holds no line break, tab or other control character either.
    """
    if "\0" in value:
        return "holds a NUL character"
    if len(value) > limit:
        return f"is longer than {limit} characters"
    if one_line and any(unicodedata.category(character) == "Cc" for character in value):
        return "holds a line break, tab or other control character"
    return None


def canonical_uid(text: str) -> str | None:
    """The canonical spelling (lower case, hyphenated) of a UUID written any usual way, or
    None when `text` is not a UUID."""
    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        return None
