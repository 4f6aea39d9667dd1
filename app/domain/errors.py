"""Exceptions of the domain layer."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain layer raises."""


def fill_template(template: str, params: dict[str, str]) -> str:
    """`template` with each `{name}` replaced by `params[name]`; other braces stay as they are."""
    text = template
    for name, value in params.items():
        text = text.replace("{" + name + "}", value)
    return text


class AnswerError(DomainError):
    """An answer does not fit its item (wrong shape, unknown option, out of bounds).

    `template` is the message with `{name}` fields and `params` their values, so that an
    interface can show the message in its own language; `message` is the English text.
    """

    def __init__(self, item_id: str, template: str, **params: object) -> None:
        self.item_id = item_id
        self.template = template
        self.params = {name: str(value) for name, value in params.items()}
        self.message = fill_template(template, self.params)
        super().__init__(f"item {item_id}: {self.message}")


class EncounterLockedError(DomainError):
    """The encounter is finalized or amended and refuses changes."""


class LifecycleError(DomainError):
    """A lifecycle step (finalize, amend, sign) is not possible in the current state."""
