"""The marker of a conflict check that is not wanted; free of SQLAlchemy."""

from __future__ import annotations

from typing import Final


class Unset:
    """Marks a conflict check that is not wanted."""


UNSET: Final = Unset()
