"""What the recorded answers make of a workflow: which items are shown, how complete each
section is, what is still required, and what is worth a look before signing.

These are the rules of the editing use case; the interface asks the service layer
(app.services.session) for their results and never computes them itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.domain.encounter import OrderState, OrderStatus, SectionCompletion
from app.domain.values import AnswerValue, YnuDetails, is_empty
from app.domain.workflow import Item, ItemKind, Section, Workflow

RETIRED_ITEMS = frozenset({"export_language", "export_instructions"})
"""Items of earlier workflow versions that the application no longer reads: the PDF's
language and whether it holds the patient's instructions are chosen when exporting. An
encounter recorded against such a version keeps their stored values, but they are not shown
(a field that does nothing would mislead)."""


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
    """Whether `item` is shown: its condition holds and the item it depends on is shown;
    a retired item (RETIRED_ITEMS) never is."""
    if item.id in RETIRED_ITEMS:
        return False
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


def review_notes(
    workflow: Workflow, answers: Mapping[str, AnswerValue], orders: Mapping[str, OrderState]
) -> list[tuple[Section, Item, str]]:
    """What is worth a look before signing, without stopping it: orders with no decision
    ("no_decision"), then the data-entry prompts ("details_empty": Yes chosen but no
    details; "date_missing": done elsewhere without a date), in document order."""
    notes = [
        (section, item, "no_decision")
        for section, item in orders_without_decision(workflow, answers, orders)
    ]
    notes += [
        (workflow.section_of(item.id), item, kind)
        for item, kind in data_entry_prompts(workflow, answers, orders)
    ]
    position = {item.id: index for index, item in enumerate(workflow.items())}
    return sorted(notes, key=lambda note: position[note[1].id])
