"""Patient instructions: the alternative and blocks that apply to what was recorded, with
their steps numbered and their `{item:ID}` placeholders filled from the recorded answers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from app.domain.encounter import OrderState, OrderStatus
from app.domain.rules import condition_value, is_answered, is_visible
from app.domain.values import AnswerValue, display_value, is_empty
from app.domain.workflow import (
    Condition,
    InstructionBlock,
    Instructions,
    Item,
    LocalizedText,
    Workflow,
)

PLACEHOLDER = re.compile(r"\{item:([^{}\s]+)\}")
"""`{item:ITEM_ID}` inside an instruction text."""

STEP = re.compile(r"^(\s*)#\.", re.MULTILINE)
"""`#.` at the start of a line: replaced by the next step number of the printed text."""

UNANSWERED = LocalizedText("as your laboratory instructs", "по указанию лаборатории")
"""What stands in for a placeholder whose item has no answer yet."""


class PatientInstructions(NamedTuple):
    """The instructions chosen for one order and their printed text in one language."""

    instructions: Instructions
    text: str


def conditions_hold(
    workflow: Workflow,
    conditions: Iterable[Condition],
    answers: Mapping[str, AnswerValue | None],
    orders: Mapping[str, OrderState],
) -> bool:
    """Whether every condition holds; a condition on a hidden item does not hold."""
    given = {key: value for key, value in answers.items() if value is not None}
    for condition in conditions:
        if not workflow.has_item(condition.item_id):
            return False
        target = workflow.item(condition.item_id)
        if not is_visible(workflow, target, given, orders):
            return False
        if condition.answered:
            if not is_answered(target, given, orders):
                return False
            continue
        actual = condition_value(target, given, orders)
        if not any(_same(value, wanted) for value in actual for wanted in condition.values):
            return False
    return True


def _same(value: str | bool, wanted: str | bool) -> bool:
    # True == 1 and "yes" != True: compare type and value so the kinds never mix.
    return type(value) is type(wanted) and value == wanted


def chosen_instructions(
    workflow: Workflow,
    item: Item,
    answers: Mapping[str, AnswerValue | None],
    orders: Mapping[str, OrderState],
) -> Instructions | None:
    """The first of the item's instruction alternatives whose conditions hold."""
    for choice in item.instructions:
        if conditions_hold(workflow, choice.when, answers, orders):
            return choice.instructions
    return None


def instruction_text(
    workflow: Workflow,
    instructions: Instructions,
    answers: Mapping[str, AnswerValue | None],
    orders: Mapping[str, OrderState],
    language: str,
) -> str:
    """The blocks whose conditions hold, steps numbered, placeholders filled."""
    parts = [
        block.text.get(language).strip("\n")
        for block in instructions.blocks
        if block_applies(workflow, block, answers, orders)
    ]
    return fill_instructions(number_steps("\n".join(parts)), workflow, answers, language)


def block_applies(
    workflow: Workflow,
    block: InstructionBlock,
    answers: Mapping[str, AnswerValue | None],
    orders: Mapping[str, OrderState],
) -> bool:
    """Whether `block` is printed: all of `when` holds and, if given, one of `when_any`."""
    if not conditions_hold(workflow, block.when, answers, orders):
        return False
    return not block.when_any or any(
        conditions_hold(workflow, (condition,), answers, orders) for condition in block.when_any
    )


def page_note_text(
    workflow: Workflow,
    answers: Mapping[str, AnswerValue | None],
    orders: Mapping[str, OrderState],
    language: str,
) -> str:
    """The workflow's note for the end of every instruction page, as far as it applies."""
    if workflow.page_note is None:
        return ""
    return instruction_text(workflow, workflow.page_note, answers, orders, language).strip()


def patient_instructions(
    workflow: Workflow,
    item: Item,
    answers: Mapping[str, AnswerValue | None],
    orders: Mapping[str, OrderState],
    language: str,
) -> PatientInstructions | None:
    """The instructions that apply to order `item` as recorded, and their text."""
    chosen = chosen_instructions(workflow, item, answers, orders)
    if chosen is None:
        return None
    return PatientInstructions(
        chosen, instruction_text(workflow, chosen, answers, orders, language)
    )


def order_instructions_preview(
    workflow: Workflow,
    item: Item,
    answers: Mapping[str, AnswerValue | None],
    orders: Mapping[str, OrderState],
    language: str,
) -> str:
    """The text order `item` would print if it were ordered now (empty when none applies)."""
    if item.id not in orders:
        orders = {**orders, item.id: OrderState(OrderStatus.ORDERED)}
    found = patient_instructions(workflow, item, answers, orders, language)
    return found.text if found is not None else ""


def number_steps(text: str) -> str:
    """`text` with each line-leading `#.` replaced by 1., 2., ... in order."""
    counter = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal counter
        counter += 1
        return f"{match.group(1)}{counter}."

    return STEP.sub(replace, text)


def fill_instructions(
    text: str, workflow: Workflow, answers: Mapping[str, AnswerValue | None], language: str
) -> str:
    """`text` with each `{item:ID}` replaced by the answer of ID, or by a neutral phrase."""

    def replace(match: re.Match[str]) -> str:
        item_id = match.group(1)
        value = answers.get(item_id)
        if not workflow.has_item(item_id) or value is None or is_empty(value):
            return UNANSWERED.get(language)
        return display_value(workflow.item(item_id), value, language)

    return PLACEHOLDER.sub(replace, text)
