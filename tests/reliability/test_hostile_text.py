"""Hostile text in every free-text field: the summary and the sheet render it without failing.

Control characters, lone surrogates, markup, right-to-left text, emoji and a very long note
all go through the report API with domain objects built directly.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from app.domain.encounter import (
    Addendum,
    Encounter,
    EncounterStatus,
    OrderState,
    OrderStatus,
    Patient,
)
from app.domain.values import AnswerValue, YnuDetails
from app.domain.workflow import ItemKind, Workflow
from app.report.sheet import sheet_pdf
from app.report.summary_data import ClinicInfo
from app.report.summary_render import summary_pdf

WHEN = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SAMPLES = (
    "<b>&]]></b><br/><para>",
    "\x00\x01\x07\x1b[31m\x7f\u200b\ufeff",
    "\ud800 lone \udfff surrogates",
    "مرحبا بالعالم \u202eright-to-left\u202c שלום",
    "😀👨‍👩‍👧🏳️‍🌈 emoji",
    "line one\r\nline two\ttab\fform feed",
    "{item:sx_notes} %s %(name)s {0}",
    "Ёжик в тумане — Zürich",
)
HOSTILE = st.sampled_from(SAMPLES) | st.text(
    alphabet=st.characters(blacklist_categories=()), max_size=40
)


def _encounter(workflow: Workflow, texts: list[str]) -> Encounter:
    """An amending encounter with `texts` (cycled) in every free-text field."""
    pool = iter(texts * (len(list(workflow.items())) + 20))
    answers: dict[str, AnswerValue] = {}
    orders: dict[str, OrderState] = {}
    for item in workflow.items():
        if item.is_order:
            orders[item.id] = OrderState(OrderStatus.ORDERED, date(2026, 11, 21), next(pool))
        if item.kind is ItemKind.TEXT:
            answers[item.id] = next(pool)
        elif item.kind is ItemKind.YNU_DETAILS:
            answers[item.id] = YnuDetails("yes", next(pool))
    patient = Patient(1, next(pool) or "F", next(pool), date(1980, 1, 2), next(pool))
    return Encounter(
        id=7,
        uid="0" * 32,
        patient=patient,
        workflow_id=workflow.id,
        workflow_version=workflow.version,
        workflow_hash=workflow.content_hash,
        status=EncounterStatus.AMENDING,
        language="en",
        clinician=next(pool),
        created_at=WHEN,
        updated_at=WHEN,
        revision=3,
        answers=answers,
        orders=orders,
        finalized_by=next(pool),
        finalized_at=WHEN,
        addenda=(Addendum(1, next(pool), next(pool), WHEN),),
    )


def _pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


@settings(max_examples=25, deadline=None)
@given(texts=st.lists(HOSTILE, min_size=1, max_size=6), language=st.sampled_from(["en", "ru"]))
def test_the_summary_renders_any_text_in_every_field(
    workflow: Workflow, texts: list[str], language: str
) -> None:
    clinic = ClinicInfo(name=texts[0], address=texts[-1])
    pdf = summary_pdf(workflow, _encounter(workflow, texts), clinic, language, WHEN)
    assert pdf.startswith(b"%PDF")
    assert _pages(pdf) >= 1


@settings(max_examples=20, deadline=None)
@given(name=HOSTILE, address=HOSTILE, language=st.sampled_from(["en", "ru"]))
def test_the_sheet_renders_any_clinic_name_and_address(
    workflow: Workflow, name: str, address: str, language: str
) -> None:
    pdf = sheet_pdf(workflow, ClinicInfo(name=name, address=address), language)
    assert pdf.startswith(b"%PDF")
    assert _pages(pdf) >= 1


def test_every_sample_at_once_renders_and_markup_stays_literal(workflow: Workflow) -> None:
    texts = [*SAMPLES, "Literal <b>not bold</b> & co"]
    pdf = summary_pdf(
        workflow, _encounter(workflow, texts), ClinicInfo("<i>Clinic</i>"), "en", WHEN
    )
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "<b>not bold</b>" in text.replace("\n", " ")


def test_a_note_of_100000_characters_renders(workflow: Workflow) -> None:
    note = ("Long note with words, numbers 12345 and Кириллица. " * 2000)[:100_000]
    assert len(note) == 100_000
    encounter = _encounter(workflow, ["short"])
    orders = dict(encounter.orders)
    orders["sa_order"] = OrderState(OrderStatus.ORDERED, None, note)
    answers = dict(encounter.answers)
    answers["sx_notes"] = note
    encounter = Encounter(**{**encounter.__dict__, "orders": orders, "answers": answers})
    pdf = summary_pdf(workflow, encounter, ClinicInfo("Clinic"), "en", WHEN)
    assert _pages(pdf) > 10
