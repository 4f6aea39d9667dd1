"""Nothing interpretive is ever printed (clinical-content §13)."""

from __future__ import annotations

import re

import pytest

from app.domain.encounter import EncounterStatus
from app.domain.workflow import Workflow
from app.report.sheet import sheet_pdf
from app.report.strings import STRINGS
from app.report.summary_data import ClinicInfo
from app.report.summary_render import summary_pdf
from tests.report.builders import GENERATED, make_encounter
from tests.support import pdf_pages

INTERPRETIVE = re.compile(
    r"abnormal|normal range|\blow\b|\bhigh\b|likely|consistent with|suspect|diagnos"
    r"|reference (range|limit|interval)|\bflag|нормальн|норма\b|\bнорм\b|пониж|повыш"
    r"|подозр|вероятн|диагноз|отклонен|референс",
    re.IGNORECASE,
)


def test_fixed_strings_are_procedural() -> None:
    for language, strings in STRINGS.items():
        for key, value in strings.items():
            assert not INTERPRETIVE.search(value), (language, key, value)


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("status", [EncounterStatus.DRAFT, EncounterStatus.AMENDED])
def test_documents_print_nothing_interpretive(
    small_workflow: Workflow, language: str, status: EncounterStatus
) -> None:
    clinic = ClinicInfo("City Urology Clinic", "1 Main Street")
    encounter = make_encounter(small_workflow, status, language=language)
    texts = pdf_pages(summary_pdf(small_workflow, encounter, clinic, language, GENERATED))
    texts += pdf_pages(sheet_pdf(small_workflow, clinic, language))
    for text in texts:
        assert not INTERPRETIVE.search(text), INTERPRETIVE.search(text)
