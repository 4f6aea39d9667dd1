"""The errors the services report, and the input checks every service shares."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, Self, TypeVar

from app.domain.errors import AnswerError, DomainError, fill_template
from app.domain.limits import (
    text_problem,
)
from app.storage import errors as storage_errors
from app.storage.urls import hide_secrets as hide_secrets
from app.storage.urls import shown_url as shown_url

if TYPE_CHECKING:
    from app.storage.backup import BackupInfo as BackupInfo


P = ParamSpec("P")
R = TypeVar("R")


LANGUAGES = ("en", "ru")
CHANGED_BEFORE_SIGNING = (
    "the workup was changed after it was shown; it is shown again as stored: "
    "review the changes, then sign"
)


class ServiceError(Exception):
    """Base of the errors the services report; the message is meant for the user.

    Errors made from a template (`ServiceError.of`) also carry `template` and `params`, so
    that an interface can show the message in its own language.
    """

    template: str | None = None
    params: dict[str, str] = {}  # noqa: RUF012 - never mutated; replaced per instance

    @classmethod
    def of(cls, template: str, **params: object) -> Self:
        """The error with message `template`, its `{name}` fields filled from `params`."""
        texts = {name: str(value) for name, value in params.items()}
        error = cls(fill_template(template, texts))
        error.template = template
        error.params = texts
        return error


class InvalidInputError(ServiceError):
    """What the user entered cannot be accepted."""


class NotFoundError(ServiceError):
    """The patient, encounter or workflow does not exist."""


class LockedError(ServiceError):
    """The encounter is signed and cannot be changed."""


class UnavailableError(ServiceError):
    """The database cannot be used (missing, damaged, unreachable, wrong schema)."""


class ChangedError(ServiceError):
    """The encounter changed after the revision the signer reviewed; review it again."""


class ConflictError(ServiceError):
    """Another workstation changed the same item; carries the current value and its author."""

    def __init__(self, message: str, item_id: str, current: Any, updated_by: str) -> None:
        super().__init__(message)
        self.item_id = item_id
        self.current = current
        self.updated_by = updated_by


def _translated(function: Callable[P, R]) -> Callable[P, R]:
    """Turn storage and domain errors into service errors with the same message."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except storage_errors.ConflictError as error:
            conflict = ConflictError(
                str(error), error.item_id, error.current_json, error.updated_by
            )
            conflict.template = "item {item} was changed by {who} at {when}"
            conflict.params = {
                "item": error.item_id,
                "who": error.updated_by or "?",
                "when": error.updated_at,
            }
            raise conflict from error
        except storage_errors.NotFoundError as error:
            raise NotFoundError(str(error)) from error
        except storage_errors.RevisionChangedError as error:
            raise ChangedError.of(CHANGED_BEFORE_SIGNING) from error
        except storage_errors.LockedError as error:
            raise LockedError(str(error)) from error
        except (storage_errors.DuplicateError, storage_errors.RefusedValueError) as error:
            raise InvalidInputError(str(error)) from error
        except storage_errors.DamagedRecordError as error:
            raise ServiceError(str(error)) from error
        except storage_errors.StorageError as error:
            raise UnavailableError(str(error)) from error
        except AnswerError as error:
            invalid = InvalidInputError(str(error))
            invalid.template, invalid.params = error.template, error.params
            raise invalid from error
        except DomainError as error:
            raise InvalidInputError(str(error)) from error

    return wrapper


def _refuse_bad_text(what: str, value: str, limit: int, *, one_line: bool = False) -> None:
    """InvalidInputError naming the field when `value` breaks a limit every path shares."""
    problem = text_problem(value, limit, one_line=one_line)
    if problem is not None:
        raise InvalidInputError(f"the {what} {problem}")


def _language(language: str) -> str:
    if language not in LANGUAGES:
        raise InvalidInputError(f"unknown language '{language}'; use en or ru")
    return language
