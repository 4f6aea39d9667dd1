"""Limits every path into the records shares (entry, import, workflow files, storage).

Each is defined once here; the PostgreSQL schema's column types are the reason for some.
"""

from __future__ import annotations

MAX_INTEGER = 2**31 - 1
"""The largest whole number stored (revisions, versions, ids): PostgreSQL's `integer`."""

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
