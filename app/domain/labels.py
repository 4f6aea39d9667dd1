"""The words for an encounter's status and for a Yes/No/Unknown answer, defined once.

The printed documents and the FHIR export take them from here in English and Russian; the
window shows the same English through Qt translation (app/gui marks each for lupdate, and a
test checks that the Russian in resources/translations/workup_ru.ts is the Russian here)."""

from __future__ import annotations

from types import MappingProxyType

from app.domain.encounter import EncounterStatus
from app.domain.workflow import ANSWER_LABELS as ANSWER_LABELS
from app.domain.workflow import LocalizedText

STATUS_LABELS: MappingProxyType[EncounterStatus, LocalizedText] = MappingProxyType(
    {
        EncounterStatus.DRAFT: LocalizedText("Draft", "Черновик"),
        EncounterStatus.FINALIZED: LocalizedText("Finalized", "Завершено"),
        EncounterStatus.AMENDING: LocalizedText("Addendum open", "Открыто дополнение"),
        EncounterStatus.AMENDED: LocalizedText("Finalized, amended", "Завершено, дополнено"),
    }
)
"""An encounter status as the window, the summary PDF and the command line name it."""
