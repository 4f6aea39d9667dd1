"""The rendered summary: text that comes out of the PDF, pages, marks and robustness."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from pypdf import PdfReader

from app.domain.encounter import EncounterStatus, Patient
from app.domain.workflow import Workflow
from app.report.errors import ReportError
from app.report.summary_data import ClinicInfo
from app.report.summary_render import render_summary, summary_pdf
from tests.report.builders import ANSWERS, GENERATED, ORDERS, PATIENT, make_encounter
from tests.support import flat, pdf_pages

CLINIC = ClinicInfo("City Urology Clinic", "1 Main Street, Springfield")


def _pdf(
    workflow: Workflow,
    status: EncounterStatus = EncounterStatus.DRAFT,
    language: str = "en",
    **changes: object,
) -> bytes:
    encounter = make_encounter(workflow, status, language=language)
    if changes:
        encounter = replace(encounter, **changes)  # type: ignore[arg-type]
    return summary_pdf(workflow, encounter, CLINIC, language, GENERATED)


@pytest.fixture(scope="module")
def draft_pages() -> list[str]:
    from tests.report.builders import make_workflow

    return pdf_pages(_pdf(make_workflow()))


def _parts(pages: list[str]) -> tuple[str, str, str]:
    """Orders part, Not ordered part and the rest, from the clinical pages."""
    text = flat(" ".join(pages))
    orders, _, rest = text.partition("Not ordered")
    orders = orders.partition("Orders")[2]
    not_ordered, _, recorded = rest.partition("Recorded history and examination")
    return orders, not_ordered, recorded


def test_orders_part_lists_every_ordered_item_with_codes(draft_pages: list[str]) -> None:
    orders, _, _ = _parts(draft_pages)
    for label in (
        "Complete blood count",
        "PSA, total",
        "Other laboratory test (specify)",
        "Semen analysis",
        "Urine examination after ejaculation",
    ):
        assert label in orders
    assert "LOINC 58410-2 — Complete blood count (hemogram) panel" in orders
    assert "SNOMED CT 63476009 — PSA measurement" in orders
    assert "LOINC 3160-9 — Volume of Semen" in orders
    assert "Note for the performer: Morning sample please" in orders
    assert "Where the sample will be produced: At the laboratory" in orders
    assert "Zinc in seminal plasma" in orders
    assert "Fasting blood glucose" not in orders
    assert "Glycated haemoglobin" not in orders


def test_declined_and_not_indicated_only_in_their_part(draft_pages: list[str]) -> None:
    orders, not_ordered, recorded = _parts(draft_pages)
    assert "Fasting blood glucose Declined Patient prefers his GP" in not_ordered
    assert "Glycated haemoglobin Not indicated" in not_ordered
    for label in ("Fasting blood glucose", "Glycated haemoglobin"):
        assert label not in orders
        assert label not in recorded


def test_unanswered_items_appear_nowhere(draft_pages: list[str]) -> None:
    text = flat(" ".join(draft_pages))
    for label in ("Nocturnal emissions", "Earlier tests", "Prolactin", "Cremasteric reflex"):
        assert label not in text


def test_recorded_answers_are_literal(draft_pages: list[str]) -> None:
    text = flat(" ".join(draft_pages))
    assert "Markup stays literal: <b>&amp;]]> and Кириллица" in text
    assert "Yes: Weak stream & <b>urgency</b>" in text
    assert "Lifelong (since first ejaculations); Acquired" in text


def test_every_page_is_numbered_and_marked_draft(draft_pages: list[str]) -> None:
    total = len(draft_pages)
    assert total == 4  # clinical part + two instruction pages
    for number, page in enumerate(draft_pages, start=1):
        assert f"page {number} of {total}" in page
        assert "DRAFT" in page
        assert "Encounter 0f3c9a7e, revision 4" in page
        assert "Generated 2 May 2024, 09:45" in page


def test_finalized_summary_has_no_draft_mark_and_a_signature(small_workflow: Workflow) -> None:
    pages = pdf_pages(_pdf(small_workflow, EncounterStatus.FINALIZED))
    assert not any("DRAFT" in page for page in pages)
    text = flat(" ".join(pages))
    assert "Finalized and signed by Dr Anna Smirnova" in text
    assert "Signed at 2 May 2024, 09:40" in text


def test_amended_summary_prints_addenda(small_workflow: Workflow) -> None:
    pages = pdf_pages(_pdf(small_workflow, EncounterStatus.AMENDED))
    assert not any("DRAFT" in page for page in pages)
    text = flat(" ".join(pages))
    assert "Addendum 1" in text
    assert "Reason: Lab result arrived; added PSA date" in text
    assert "Signed by Dr Boris Petrov" in text


def test_amending_summary_is_a_draft(small_workflow: Workflow) -> None:
    pages = pdf_pages(_pdf(small_workflow, EncounterStatus.AMENDING))
    assert all("DRAFT" in page for page in pages)


def test_instruction_pages_carry_patient_and_date(draft_pages: list[str]) -> None:
    semen, urine = draft_pages[-2:]
    for page in (semen, urine):
        assert "Patient instructions" in page
        assert "Ivanov, Pyotr" in page
        assert "3 May 2024" in page
    assert "Do not ejaculate for 2 to 7 days" in flat(semen)
    assert "Pass urine as printed on this sheet: Leave a little urine." in flat(urine)


def test_instructions_can_be_left_out(small_workflow: Workflow) -> None:
    encounter = make_encounter(small_workflow)
    from app.report.summary_data import build_summary_data

    data = build_summary_data(small_workflow, encounter, CLINIC, "en", GENERATED)
    pages = pdf_pages(render_summary(data, include_instructions=False))
    assert len(pages) == 2
    assert "Patient instructions" not in " ".join(pages)


def test_russian_round_trips(small_workflow: Workflow) -> None:
    patient = Patient(8, "Иванов", "Пётр", PATIENT.birth_date, "К-17")
    pages = pdf_pages(_pdf(small_workflow, language="ru", patient=patient))
    text = flat(" ".join(pages))
    for expected in (
        "Обследование при нарушениях эякуляции",
        "Тестовое обследование, версия 3",
        "Иванов, Пётр",
        "Назначения",
        "Не назначено",
        "Глюкоза крови натощак Отказ пациента",
        "Записанные данные анамнеза и осмотра",
        "Памятка для пациента",
        "Помочитесь, как указано в памятке: Оставить немного мочи.",
        "ЧЕРНОВИК",
    ):
        assert expected in text
    for number, page in enumerate(pages, start=1):
        assert f"стр. {number} из {len(pages)}" in page
        assert "ЧЕРНОВИК" in page


def test_huge_note_is_split_across_pages(small_workflow: Workflow) -> None:
    words = " ".join(f"w{index:05d}" for index in range(50_000 // 7))
    note = ("START " + words + " FINISH")[:50_000]
    note = note[: -len("FINISH")] + "FINISH"
    answers = dict(ANSWERS)
    answers["hx_notes"] = note
    orders = dict(ORDERS)
    pages = pdf_pages(_pdf(small_workflow, answers=answers, orders=orders))
    assert len(pages) > 6
    text = flat(" ".join(pages))
    assert "START w00000" in text
    assert "FINISH" in text
    for number, page in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in page


def test_huge_unbroken_note_in_an_order(small_workflow: Workflow) -> None:
    from app.domain.encounter import OrderState, OrderStatus

    orders = dict(ORDERS)
    orders["lab_cbc"] = OrderState(OrderStatus.ORDERED, None, "x" * 50_000)
    orders["lab_glucose"] = OrderState(OrderStatus.DECLINED, None, "y\n" * 3_000)
    pages = pdf_pages(_pdf(small_workflow, orders=orders))
    assert len(pages) > 5
    assert sum(page.count("x") for page in pages) >= 50_000


@pytest.mark.parametrize(
    "nasty",
    [
        "control \x00\x01\x08\x0b\x0c\x1b\x7f\x85 chars",
        "lone surrogate \ud800 and \udfff",
        "right to left: שלום עולם / مرحبا بالعالم",
        "emoji 😀🩺👨‍⚕️ and a flag 🇷🇺",
        "markup <para>&nbsp;</b><br/>]]><![CDATA[ x ]]> &#0; &bogus;",
        "\n\n\n   \t  \n",
    ],
)
def test_hostile_text_does_not_break_rendering(small_workflow: Workflow, nasty: str) -> None:
    answers = dict(ANSWERS)
    answers["hx_notes"] = nasty
    patient = Patient(9, nasty, nasty, PATIENT.birth_date, nasty)
    data = _pdf(
        small_workflow,
        answers=answers,
        patient=patient,
        clinician=nasty,
    )
    pages = pdf_pages(data)
    assert pages
    if "markup" in nasty:
        assert "<para>&nbsp;</b><br/>]]><![CDATA[" in flat(" ".join(pages))


def test_clinic_with_markup_and_empty_clinic(small_workflow: Workflow) -> None:
    encounter = make_encounter(small_workflow)
    for clinic in (ClinicInfo(), ClinicInfo("A & B <Clinic>", "Line 1\nLine 2")):
        pages = pdf_pages(summary_pdf(small_workflow, encounter, clinic, "en", GENERATED))
        assert "Ejaculatory disorder workup" in " ".join(pages[0].split())
        if clinic.name:
            assert "A & B <Clinic>" in pages[0]


def _page_size(data: bytes) -> tuple[float, float]:
    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def test_paper_sizes(small_workflow: Workflow) -> None:
    encounter = make_encounter(small_workflow)
    a4 = summary_pdf(small_workflow, encounter, CLINIC, "en", GENERATED)
    letter = summary_pdf(small_workflow, encounter, CLINIC, "en", GENERATED, paper="Letter")
    assert _page_size(a4) == (595, 842)
    assert _page_size(letter) == (612, 792)
    with pytest.raises(ReportError, match="unknown paper size"):
        summary_pdf(small_workflow, encounter, CLINIC, "en", GENERATED, paper="A5")


def test_no_text_smaller_than_nine_points(small_workflow: Workflow) -> None:
    reader = PdfReader(io.BytesIO(_pdf(small_workflow)))
    sizes: set[float] = set()
    for page in reader.pages:
        content = page.get_contents()
        assert content is not None
        stream = content.get_data().decode("latin-1")
        sizes |= {float(size) for size in re.findall(r"/\S+ ([\d.]+) Tf", stream)}
    assert sizes
    assert min(sizes) >= 9


def test_each_signature_prints_the_start_of_its_sealed_digest(small_workflow: Workflow) -> None:
    first, second = "0123456789abcdef" + "1" * 48, "fedcba9876543210" + "2" * 48
    encounter = make_encounter(small_workflow, EncounterStatus.AMENDED)
    encounter = replace(
        encounter,
        sealed_digest=first,
        addenda=(encounter.addenda[0]._replace(sealed_digest=second),),
    )
    text = flat(
        " ".join(pdf_pages(summary_pdf(small_workflow, encounter, CLINIC, "en", GENERATED)))
    )
    assert "Content SHA-256 (first 16 digits) 0123 4567 89ab cdef" in text
    assert "Content SHA-256 (first 16 digits) fedc ba98 7654 3210" in text
    assert "1111" not in text
    unsealed = flat(" ".join(pdf_pages(_pdf(small_workflow, EncounterStatus.FINALIZED))))
    assert "SHA-256" not in unsealed
