"""Exceptions of the domain layer."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain layer raises."""


class AnswerError(DomainError):
    """An answer does not fit its item (wrong shape, unknown option, out of bounds)."""

    def __init__(self, item_id: str, message: str) -> None:
        super().__init__(f"item {item_id}: {message}")
        self.item_id = item_id
        self.message = message


class EncounterLockedError(DomainError):
    """The encounter is finalized or amended and refuses changes."""


class LifecycleError(DomainError):
    """A lifecycle step (finalize, amend, sign) is not possible in the current state."""
