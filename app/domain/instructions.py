"""Patient instructions with their `{item:ID}` placeholders filled from the recorded answers."""

from __future__ import annotations

import re
from collections.abc import Mapping

from app.domain.values import AnswerValue, display_value, is_empty
from app.domain.workflow import LocalizedText, Workflow

PLACEHOLDER = re.compile(r"\{item:([^{}\s]+)\}")
"""`{item:ITEM_ID}` inside an instruction text."""

UNANSWERED = LocalizedText("as your laboratory instructs", "по указанию лаборатории")
"""What stands in for a placeholder whose item has no answer yet."""


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
