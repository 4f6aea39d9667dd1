"""Placeholders of patient instructions filled from the recorded answers."""

from __future__ import annotations

from app.domain.instructions import UNANSWERED, fill_instructions
from app.domain.workflow import Workflow


def test_placeholders_take_the_answer_or_a_neutral_phrase(workflow: Workflow) -> None:
    text = "Void: {item:peu_pre_void}. Unknown: {item:nope}."
    empty = fill_instructions(text, workflow, {}, "en")
    assert empty == f"Void: {UNANSWERED.en}. Unknown: {UNANSWERED.en}."
    answered = fill_instructions(text, workflow, {"peu_pre_void": "leave_some"}, "ru")
    assert answered == (
        "Void: помочитесь, но не до конца — оставьте в пузыре немного мочи. "
        f"Unknown: {UNANSWERED.ru}."
    )
    assert fill_instructions("no placeholder", workflow, {}, "en") == "no placeholder"
