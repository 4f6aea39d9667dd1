"""What an imported encounter must satisfy before it is stored: the same rules as entry.

A document that the format accepts (app/interop) can still describe an encounter the
application itself could never have recorded: a signature without a name, times out of
order or in the future, an answer beyond the limits of entry, a signed encounter with a
required item unanswered. `admit` refuses those, naming the field as the document does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime

from app.domain.encounter import Encounter, OrderStatus
from app.domain.errors import AnswerError, DomainError
from app.domain.limits import (
    MAX_CHART_NUMBER_LENGTH,
    MAX_NAME_LENGTH,
    MAX_TEXT_LENGTH,
    canonical_uid,
    text_problem,
)
from app.domain.rules import missing_required
from app.domain.validation import validate_answer
from app.domain.workflow import Workflow

EARLIEST_DATE = date(1900, 1, 1)


class AdmissionError(DomainError):
    """The imported encounter breaks a rule of entry or of the lifecycle."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"field '{field}': {message}")
        self.field = field


def admit(encounter: Encounter, workflow: Workflow, now: datetime) -> Encounter:
    """`encounter` with its uid in canonical spelling, or AdmissionError naming the field."""
    uid = canonical_uid(encounter.uid)
    if uid is None:
        raise AdmissionError("encounter.uid", f"{encounter.uid[:40]!r} is not a UUID")
    _check_people(encounter)
    _check_times(encounter, now)
    _check_dates(encounter, now.date())
    _check_answers(encounter, workflow, now.date())
    if not encounter.status.editable or encounter.addenda:
        missing = missing_required(workflow, encounter.answers, encounter.orders)
        if missing:
            _section, item = missing[0]
            raise AdmissionError(
                f"answers.{item.id}",
                f"required item {item.id!r} is not answered, but the encounter is signed",
            )
    return replace(encounter, uid=uid)


def _text(field: str, value: str, limit: int, *, one_line: bool, nonblank: bool) -> None:
    if nonblank and not value.strip():
        raise AdmissionError(field, "must not be empty")
    problem = text_problem(value, limit, one_line=one_line)
    if problem is not None:
        raise AdmissionError(field, problem)


def _check_people(encounter: Encounter) -> None:
    patient = encounter.patient
    for field, value, limit, nonblank in (
        ("patient.family_name", patient.family_name, MAX_NAME_LENGTH, True),
        ("patient.given_name", patient.given_name, MAX_NAME_LENGTH, True),
        ("patient.chart_number", patient.chart_number, MAX_CHART_NUMBER_LENGTH, False),
        ("encounter.clinician", encounter.clinician, MAX_NAME_LENGTH, True),
    ):
        _text(field, value, limit, one_line=True, nonblank=nonblank)
    if encounter.finalized_by is not None:
        _text(
            "encounter.finalized_by",
            encounter.finalized_by,
            MAX_NAME_LENGTH,
            one_line=True,
            nonblank=True,
        )
    for index, addendum in enumerate(encounter.addenda):
        where = f"encounter.addenda[{index}]"
        _text(f"{where}.reason", addendum.reason, MAX_TEXT_LENGTH, one_line=False, nonblank=True)
        _text(
            f"{where}.opened_by", addendum.opened_by, MAX_NAME_LENGTH, one_line=True, nonblank=True
        )
        if addendum.signed_by is not None:
            _text(
                f"{where}.signed_by",
                addendum.signed_by,
                MAX_NAME_LENGTH,
                one_line=True,
                nonblank=True,
            )


def _moments(encounter: Encounter) -> Iterator[tuple[str, datetime]]:
    """Every time of the encounter, in the order the lifecycle makes them."""
    yield "encounter.created_at", encounter.created_at
    if encounter.finalized_at is not None:
        yield "encounter.finalized_at", encounter.finalized_at
    for index, addendum in enumerate(encounter.addenda):
        yield f"encounter.addenda[{index}].opened_at", addendum.opened_at
        if addendum.signed_at is not None:
            yield f"encounter.addenda[{index}].signed_at", addendum.signed_at


def _check_times(encounter: Encounter, now: datetime) -> None:
    previous: tuple[str, datetime] | None = None
    for field, moment in _moments(encounter):
        if previous is not None and moment < previous[1]:
            raise AdmissionError(field, f"is earlier than {previous[0].split('.', 1)[1]}")
        previous = (field, moment)
    if previous is not None and encounter.updated_at < previous[1]:
        raise AdmissionError(
            "encounter.updated_at", f"is earlier than {previous[0].split('.', 1)[1]}"
        )
    for field, moment in (*_moments(encounter), ("encounter.updated_at", encounter.updated_at)):
        if moment > now:
            raise AdmissionError(field, "is in the future")


def _check_dates(encounter: Encounter, today: date) -> None:
    birth = encounter.patient.birth_date
    if birth > today:
        raise AdmissionError("patient.birth_date", "is in the future")
    if birth < EARLIEST_DATE:
        raise AdmissionError("patient.birth_date", "is before 1900")
    for item_id, state in encounter.orders.items():
        field = f"orders.{item_id}"
        problem = text_problem(state.note, MAX_TEXT_LENGTH)
        if problem is not None:
            raise AdmissionError(f"{field}.note", problem)
        if state.date is None:
            continue
        if state.date < EARLIEST_DATE:
            raise AdmissionError(f"{field}.date", "is before 1900")
        if state.status is OrderStatus.DONE_ELSEWHERE and state.date > today:
            raise AdmissionError(f"{field}.date", "the date it was done is in the future")


def _check_answers(encounter: Encounter, workflow: Workflow, today: date) -> None:
    for item_id, value in encounter.answers.items():
        try:
            validate_answer(workflow.item(item_id), value, today)
        except AnswerError as error:
            raise AdmissionError(f"answers.{item_id}", error.message) from None
