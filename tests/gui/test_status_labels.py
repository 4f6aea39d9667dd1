"""The window's status words are the domain's, marked for translation."""

from __future__ import annotations

from app.domain.encounter import EncounterStatus
from app.domain.labels import STATUS_LABELS
from app.gui.models import STATUS_SOURCES, status_text


def test_the_window_marks_the_domain_status_words_for_translation() -> None:
    assert tuple(label.en for label in STATUS_LABELS.values()) == STATUS_SOURCES
    for status in EncounterStatus:
        assert status_text(status) == STATUS_LABELS[status].en
