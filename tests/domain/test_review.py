"""What the review before signing lists in the shipped workflow (version 2)."""

from __future__ import annotations

from app.domain.encounter import OrderState, OrderStatus
from app.domain.rules import data_entry_prompts, missing_required, orders_without_decision
from app.domain.values import AnswerValue, YnuDetails
from app.domain.workflow import Workflow

BASE: dict[str, AnswerValue] = {
    "visit_date": "2026-11-21",
    "visit_clinician": "Dr",
    "visit_main_complaint": "dry orgasm",
}


def _missing(
    workflow: Workflow, answers: dict[str, AnswerValue], orders: dict[str, OrderState]
) -> list[str]:
    return [item.id for _section, item in missing_required(workflow, answers, orders)]


def test_pre_void_is_required_only_while_the_urine_test_is_ordered(workflow: Workflow) -> None:
    assert _missing(workflow, BASE, {}) == []
    ordered = {"peu_order": OrderState(OrderStatus.ORDERED)}
    assert _missing(workflow, BASE, ordered) == ["peu_pre_void"]
    assert _missing(workflow, {**BASE, "peu_pre_void": "empty_fully"}, ordered) == []
    declined = {"peu_order": OrderState(OrderStatus.DECLINED)}
    assert _missing(workflow, BASE, declined) == []


def test_alkalinisation_details_are_required_only_when_alkalinisation_is_ticked(
    workflow: Workflow,
) -> None:
    ordered = {"peu_order": OrderState(OrderStatus.ORDERED)}
    answers = {**BASE, "peu_pre_void": "empty_fully"}
    assert _missing(workflow, {**answers, "peu_alkalinisation": False}, ordered) == []
    ticked = {**answers, "peu_alkalinisation": True}
    assert _missing(workflow, ticked, ordered) == ["peu_alkalinisation_details"]
    assert _missing(workflow, {**ticked, "peu_alkalinisation_details": "NaHCO3"}, ordered) == []


def test_orders_without_decision_are_the_shown_orders_with_no_state(workflow: Workflow) -> None:
    every = [item.id for item in workflow.order_items()]
    assert [item.id for _s, item in orders_without_decision(workflow, BASE, {})] == every
    decided = {
        "lab_cbc": OrderState(OrderStatus.ORDERED),
        "lab_psa": OrderState(OrderStatus.NOT_INDICATED),
    }
    left = [item.id for _s, item in orders_without_decision(workflow, BASE, decided)]
    assert left == [item for item in every if item not in decided]


def test_data_entry_prompts(workflow: Workflow) -> None:
    answers = {**BASE, "hx_med_5ari": YnuDetails("yes", " ")}
    orders = {"lab_cbc": OrderState(OrderStatus.DONE_ELSEWHERE)}
    prompts = [(item.id, kind) for item, kind in data_entry_prompts(workflow, answers, orders)]
    assert prompts == [("hx_med_5ari", "details_empty"), ("lab_cbc", "date_missing")]
