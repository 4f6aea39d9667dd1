"""Status and Yes/No/Unknown words: defined once in the domain, the same in the window's
translation file, the PDFs and the FHIR export."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from app.domain.encounter import EncounterStatus
from app.domain.labels import ANSWER_LABELS, STATUS_LABELS
from app.domain.vocabulary import LANGUAGES, PAPER_SIZES, Language, Paper
from app.domain.workflow import YNU_VALUES
from app.report.strings import strings_for

TS_FILE = Path(__file__).resolve().parents[1] / "resources" / "translations" / "workup_ru.ts"


def _translations(context: str) -> dict[str, str]:
    """Source → Russian of the messages of `context` in the interface's .ts file."""
    root = ElementTree.parse(TS_FILE).getroot()
    for element in root.iter("context"):
        if element.findtext("name") == context:
            return {
                message.findtext("source") or "": message.findtext("translation") or ""
                for message in element.iter("message")
                if message.find("translation") is not None
                and message.find("translation").get("type") is None  # type: ignore[union-attr]
            }
    raise AssertionError(f"no context {context} in {TS_FILE.name}")


def test_every_status_and_answer_has_english_and_russian() -> None:
    assert set(STATUS_LABELS) == set(EncounterStatus)
    assert tuple(ANSWER_LABELS) == YNU_VALUES
    for label in (*STATUS_LABELS.values(), *ANSWER_LABELS.values()):
        assert label.en
        assert label.ru


def test_the_window_and_the_pdf_say_the_same_for_each_status() -> None:
    window = _translations("status")
    for status, label in STATUS_LABELS.items():
        assert window[label.en] == label.ru, status
        assert strings_for(Language.EN)[f"status_{status.value}"] == label.en
        assert strings_for(Language.RU)[f"status_{status.value}"] == label.ru


def test_the_window_and_the_pdf_say_the_same_for_yes_no_unknown() -> None:
    buttons = _translations("YnuButtons")
    for answer, label in ANSWER_LABELS.items():
        assert buttons[label.en] == label.ru, answer
        assert strings_for(Language.EN)[answer] == label.en
        assert strings_for(Language.RU)[answer] == label.ru


@pytest.mark.parametrize("language", ["en", "ru"])
def test_languages_and_papers_are_the_plain_strings_stored_everywhere(language: str) -> None:
    assert language in LANGUAGES
    assert Language(language) == language
    assert f"{Language(language)}" == language
    assert PAPER_SIZES == ("A4", "Letter")
    sizes: dict[str, int] = {Paper.A4: 1, Paper.LETTER: 2}
    assert sizes["Letter"] == 2
