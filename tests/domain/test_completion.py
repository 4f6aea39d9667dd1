"""Show-when conditions, completion counts and missing required items."""

from __future__ import annotations

from app.domain.encounter import OrderState, OrderStatus
from app.domain.rules import data_entry_prompts, is_visible, missing_required, section_completion
from app.domain.values import YnuDetails
from app.domain.workflow import Condition, Item, ItemKind, LocalizedText, Role, Section, Workflow


def _workflow() -> Workflow:
    def item(item_id: str, kind: ItemKind, role: Role = Role.OBSERVATION, **extra: object) -> Item:
        return Item(id=item_id, kind=kind, role=role, label=LocalizedText(item_id), **extra)  # type: ignore[arg-type]

    return Workflow(
        id="w",
        version=1,
        title=LocalizedText("W"),
        sections=(
            Section(
                id="s",
                code="S",
                title=LocalizedText("S"),
                items=(
                    item("leak", ItemKind.YNU, required=True),
                    item(
                        "leak_when",
                        ItemKind.TEXT,
                        required=True,
                        show_when=Condition("leak", ("yes",)),
                    ),
                    item(
                        "leak_more", ItemKind.TEXT, show_when=Condition("leak_when_flag", (True,))
                    ),
                    item("leak_when_flag", ItemKind.CHECK, show_when=Condition("leak", ("yes",))),
                    item("surgery", ItemKind.YNU_DETAILS),
                ),
            ),
            Section(
                id="orders",
                code="O",
                title=LocalizedText("O"),
                items=(
                    item("test", ItemKind.CHECK, Role.ORDER),
                    item(
                        "detail",
                        ItemKind.TEXT,
                        Role.ORDER_DETAIL,
                        required=True,
                        parent="test",
                        show_when=Condition("test", ("ordered",)),
                    ),
                ),
            ),
        ),
    )


def test_conditions_follow_answers_and_chain() -> None:
    workflow = _workflow()
    more = workflow.item("leak_more")
    assert not is_visible(workflow, workflow.item("leak_when"), {}, {})
    assert is_visible(workflow, workflow.item("leak_when"), {"leak": "yes"}, {})
    assert not is_visible(workflow, workflow.item("leak_when"), {"leak": "no"}, {})
    assert is_visible(workflow, more, {"leak": "yes", "leak_when_flag": True}, {})
    # the flag is still ticked but its own condition no longer holds
    assert not is_visible(workflow, more, {"leak": "no", "leak_when_flag": True}, {})


def test_order_details_show_only_while_ordered() -> None:
    workflow = _workflow()
    detail = workflow.item("detail")
    for status, shown in [(OrderStatus.ORDERED, True), (OrderStatus.DECLINED, False)]:
        assert is_visible(workflow, detail, {}, {"test": OrderState(status)}) is shown


def test_completion_counts_only_visible_required_items() -> None:
    workflow = _workflow()
    section = workflow.section("s")
    first = section_completion(workflow, section, {}, {})
    assert (first.answered, first.required, first.complete) == (0, 1, False)
    second = section_completion(workflow, section, {"leak": "yes"}, {})
    assert (second.answered, second.required) == (1, 2)
    third = section_completion(workflow, section, {"leak": "yes", "leak_when": "night"}, {})
    assert third.complete
    assert third.recorded == 2
    missing = missing_required(workflow, {"leak": "yes"}, {"test": OrderState(OrderStatus.ORDERED)})
    assert [item.id for _section, item in missing] == ["leak_when", "detail"]


def test_data_entry_prompts_are_about_entry_only() -> None:
    workflow = _workflow()
    prompts = data_entry_prompts(
        workflow,
        {"surgery": YnuDetails("yes", " ")},
        {"test": OrderState(OrderStatus.DONE_ELSEWHERE)},
    )
    assert [(item.id, code) for item, code in prompts] == [
        ("surgery", "details_empty"),
        ("test", "date_missing"),
    ]
