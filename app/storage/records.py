"""Stored values turned into domain objects; free of SQLAlchemy.

The repository (ORM rows) and the direct SQLite reader (plain `sqlite3` rows) both build
their domain objects here. A stored time is a datetime from the ORM or the ISO text SQLite
holds (which the ORM parses the same way); a stored day likewise.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime

from app.domain.encounter import (
    Addendum,
    Encounter,
    EncounterStatus,
    OrderState,
    OrderStatus,
    Patient,
)
from app.domain.errors import AnswerError
from app.domain.validation import from_json
from app.domain.values import AnswerValue
from app.domain.workflow import Workflow
from app.storage.errors import StorageError

StoredTime = datetime | str
StoredDay = date | str
WorkflowResolver = Callable[[str, str], Workflow]
"""Turns (content hash, definition text) of a snapshot into a Workflow."""


def utc(value: datetime) -> datetime:
    """`value` as an aware UTC datetime (SQLite returns naive UTC values)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def stored_time(value: StoredTime) -> datetime:
    """A stored time as an aware UTC datetime."""
    return utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def stored_day(value: StoredDay) -> date:
    """A stored day as a date."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def patient_from(
    patient_id: int,
    family_name: str,
    given_name: str,
    birth_date: StoredDay,
    chart_number: str | None,
) -> Patient:
    """The patient of one stored patient record."""
    return Patient(
        id=patient_id,
        family_name=family_name,
        given_name=given_name,
        birth_date=stored_day(birth_date),
        chart_number=chart_number or "",
    )


def order_from(status: str, on_date: StoredDay | None, note: str) -> OrderState:
    """The state of one stored order."""
    return OrderState(OrderStatus(status), stored_day(on_date) if on_date else None, note)


def addendum_from(
    seq: int,
    reason: str,
    opened_by: str,
    opened_at: StoredTime,
    signed_by: str | None,
    signed_at: StoredTime | None,
    sealed_digest: str | None = None,
) -> Addendum:
    """One stored addendum."""
    return Addendum(
        seq=seq,
        reason=reason,
        opened_by=opened_by,
        opened_at=stored_time(opened_at),
        signed_by=signed_by,
        signed_at=stored_time(signed_at) if signed_at else None,
        sealed_digest=sealed_digest,
    )


def answers_from(
    encounter_id: int, workflow: Workflow, stored: Iterable[tuple[str, str]]
) -> dict[str, AnswerValue]:
    """The stored (item id, JSON text) answers decoded against `workflow`, in its order.

    Answers of items the workflow lacks are left out; an answer that cannot be decoded
    raises StorageError naming the encounter and the item.
    """
    answers: dict[str, AnswerValue] = {}
    for item_id, value_json in stored:
        if not workflow.has_item(item_id):
            continue
        try:
            answers[item_id] = from_json(workflow.item(item_id), json.loads(value_json))
        except (AnswerError, ValueError) as error:
            raise StorageError(
                f"encounter {encounter_id}: stored answer {item_id} is unreadable ({error})"
            ) from error
    return {item.id: answers[item.id] for item in workflow.items() if item.id in answers}


def encounter_from(
    *,
    encounter_id: int,
    uid: str,
    patient: Patient,
    workflow_id: str,
    workflow_version: int,
    workflow_hash: str,
    status: str,
    language: str,
    clinician: str,
    created_at: StoredTime,
    updated_at: StoredTime,
    revision: int,
    finalized_by: str | None,
    finalized_at: StoredTime | None,
    answers: Mapping[str, AnswerValue],
    orders: Mapping[str, OrderState],
    addenda: tuple[Addendum, ...],
    sealed_digest: str | None = None,
) -> Encounter:
    """The encounter of one stored encounter record and its workflow snapshot's identity."""
    return Encounter(
        id=encounter_id,
        uid=uid,
        patient=patient,
        workflow_id=workflow_id,
        workflow_version=workflow_version,
        workflow_hash=workflow_hash,
        status=EncounterStatus(status),
        language=language,
        clinician=clinician,
        created_at=stored_time(created_at),
        updated_at=stored_time(updated_at),
        revision=revision,
        answers=answers,
        orders=orders,
        finalized_by=finalized_by,
        finalized_at=stored_time(finalized_at) if finalized_at else None,
        addenda=addenda,
        sealed_digest=sealed_digest,
    )


def check_snapshot(snapshot_id: int, content_hash: str, source_text: str) -> None:
    """Refuse a workflow snapshot whose text does not have its recorded SHA-256."""
    if hashlib.sha256(source_text.encode("utf-8")).hexdigest() != content_hash:
        raise StorageError(
            f"workflow snapshot {snapshot_id} was altered: its text does not have its "
            f"recorded SHA-256 {content_hash[:12]}; run 'workup audit verify'"
        )
