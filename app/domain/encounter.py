"""Encounter state: patient, answers, order states, signatures, and the completion rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple

from app.domain.values import AnswerValue


class EncounterStatus(StrEnum):
    """Where an encounter is in its lifecycle."""

    DRAFT = "draft"
    FINALIZED = "finalized"
    AMENDING = "amending"
    AMENDED = "amended"

    @property
    def editable(self) -> bool:
        """Whether answers and orders may change in this state."""
        return self in (EncounterStatus.DRAFT, EncounterStatus.AMENDING)


class OrderStatus(StrEnum):
    """The state of one order item."""

    ORDERED = "ordered"
    DONE_ELSEWHERE = "done_elsewhere"
    NOT_INDICATED = "not_indicated"
    DECLINED = "declined"


class OrderState(NamedTuple):
    """An order's status, its date (ordered, or done elsewhere) and a note for the performer."""

    status: OrderStatus
    date: date | None = None
    note: str = ""


class Patient(NamedTuple):
    """A patient as the clinic identifies them."""

    id: int | None
    family_name: str
    given_name: str
    birth_date: date
    chart_number: str = ""

    @property
    def display_name(self) -> str:
        """Family name, given name."""
        return f"{self.family_name}, {self.given_name}" if self.given_name else self.family_name


class Addendum(NamedTuple):
    """An amendment after finalizing: its reason, who opened it, and its own signature."""

    seq: int
    reason: str
    opened_by: str
    opened_at: datetime
    signed_by: str | None = None
    signed_at: datetime | None = None
    sealed_digest: str | None = None
    """SHA-256 of the sealed content (app.domain.seal) when the addendum was signed."""


@dataclass(frozen=True)
class Encounter:
    """Everything recorded in one workup of one patient."""

    id: int | None
    uid: str
    patient: Patient
    workflow_id: str
    workflow_version: int
    workflow_hash: str
    status: EncounterStatus
    language: str
    clinician: str
    created_at: datetime
    updated_at: datetime
    revision: int = 0
    answers: Mapping[str, AnswerValue] = field(default_factory=dict)
    orders: Mapping[str, OrderState] = field(default_factory=dict)
    finalized_by: str | None = None
    finalized_at: datetime | None = None
    addenda: tuple[Addendum, ...] = ()
    sealed_digest: str | None = None
    """SHA-256 of the sealed content (app.domain.seal) when it was finalized."""


class SectionCompletion(NamedTuple):
    """How many required, visible items of a section are answered."""

    section_id: str
    answered: int
    required: int
    recorded: int

    @property
    def complete(self) -> bool:
        """All required items are answered."""
        return self.answered >= self.required


class EncounterSummary(NamedTuple):
    """One row of the encounter list."""

    id: int
    uid: str
    patient_id: int
    patient_name: str
    birth_date: date
    chart_number: str
    workflow_id: str
    workflow_version: int
    status: EncounterStatus
    clinician: str
    created_at: datetime
    updated_at: datetime


class AuditEvent(NamedTuple):
    """One append-only record of a change: who, when, where, what, old and new value."""

    id: int
    encounter_id: int | None
    at: datetime
    actor: str
    workstation: str
    action: str
    item_id: str | None
    old_json: str | None
    new_json: str | None
