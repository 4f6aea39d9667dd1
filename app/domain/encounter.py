"""Encounter state: patient, answers, order states, signatures, and the completion rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple

from app.domain.values import AnswerValue, YnuDetails, is_empty
from app.domain.workflow import Item, ItemKind, Section, Workflow


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


def condition_value(
    item: Item, answers: Mapping[str, AnswerValue], orders: Mapping[str, OrderState]
) -> tuple[str | bool, ...]:
    """The values of `item` that a show-when condition is tested against."""
    if item.is_order:
        state = orders.get(item.id)
        return (state.status.value,) if state else ()
    value = answers.get(item.id)
    if value is None:
        return (False,) if item.kind is ItemKind.CHECK else ()
    if isinstance(value, YnuDetails):
        return (value.choice,)
    if isinstance(value, tuple):
        return value
    if isinstance(value, (bool, str)):
        return (value,)
    return ()


def is_visible(
    workflow: Workflow,
    item: Item,
    answers: Mapping[str, AnswerValue],
    orders: Mapping[str, OrderState],
) -> bool:
    """Whether `item` is shown: its condition holds and the item it depends on is shown."""
    seen: set[str] = set()
    current: Item | None = item
    while current is not None and current.show_when is not None:
        if current.id in seen:
            return False
        seen.add(current.id)
        condition = current.show_when
        if not workflow.has_item(condition.item_id):
            return False
        target = workflow.item(condition.item_id)
        actual = condition_value(target, answers, orders)
        if not any(value in condition.values for value in actual):
            return False
        current = target
    return True


def is_answered(
    item: Item, answers: Mapping[str, AnswerValue], orders: Mapping[str, OrderState]
) -> bool:
    """Whether `item` has an answer (for an order: a status)."""
    if item.is_order:
        return item.id in orders
    return not is_empty(answers.get(item.id))


def section_completion(
    workflow: Workflow,
    section: Section,
    answers: Mapping[str, AnswerValue],
    orders: Mapping[str, OrderState],
) -> SectionCompletion:
    """Answered and required counts of the visible items of `section`."""
    required = answered = recorded = 0
    for item in section.items:
        if not is_visible(workflow, item, answers, orders):
            continue
        done = is_answered(item, answers, orders)
        recorded += done
        if item.required:
            required += 1
            answered += done
    return SectionCompletion(section.id, answered, required, recorded)


def missing_required(
    workflow: Workflow, answers: Mapping[str, AnswerValue], orders: Mapping[str, OrderState]
) -> list[tuple[Section, Item]]:
    """Required items that are shown but not yet answered, in document order."""
    return [
        (section, item)
        for section in workflow.sections
        for item in section.items
        if item.required
        and is_visible(workflow, item, answers, orders)
        and not is_answered(item, answers, orders)
    ]


def orders_without_decision(
    workflow: Workflow, answers: Mapping[str, AnswerValue], orders: Mapping[str, OrderState]
) -> list[tuple[Section, Item]]:
    """Shown order items with no state yet (neither ordered nor marked otherwise)."""
    return [
        (section, item)
        for section in workflow.sections
        for item in section.items
        if item.is_order and item.id not in orders and is_visible(workflow, item, answers, orders)
    ]


def data_entry_prompts(
    workflow: Workflow, answers: Mapping[str, AnswerValue], orders: Mapping[str, OrderState]
) -> list[tuple[Item, str]]:
    """Prompts purely about data entry: 'Yes' chosen but details empty, order without date."""
    prompts: list[tuple[Item, str]] = []
    for item in workflow.items():
        if not is_visible(workflow, item, answers, orders):
            continue
        value = answers.get(item.id)
        if isinstance(value, YnuDetails) and value.choice == "yes" and not value.details.strip():
            prompts.append((item, "details_empty"))
        state = orders.get(item.id)
        if state and state.status is OrderStatus.DONE_ELSEWHERE and state.date is None:
            prompts.append((item, "date_missing"))
    return prompts


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
