"""The summary as plain data: what goes where, and what never appears."""

from __future__ import annotations

from dataclasses import replace

from app.domain.encounter import EncounterStatus, OrderState, OrderStatus
from app.domain.workflow import Workflow
from app.report import ClinicInfo
from app.report.summary_data import SummaryData, build_summary_data
from tests.report.builders import ANSWERS, GENERATED, ORDERS, make_encounter

CLINIC = ClinicInfo("City Urology Clinic", "1 Main Street")


def _build(
    workflow: Workflow,
    status: EncounterStatus = EncounterStatus.DRAFT,
    language: str = "en",
    **changes: object,
) -> SummaryData:
    encounter = make_encounter(workflow, status, language=language)
    if changes:
        encounter = replace(encounter, **changes)  # type: ignore[arg-type]
    return build_summary_data(workflow, encounter, CLINIC, language, GENERATED)


def test_ordered_items_carry_codes_dates_notes_and_details(small_workflow: Workflow) -> None:
    data = _build(small_workflow)
    ordered = {entry.item_id: entry for entry in data.orders}
    assert list(ordered) == ["lab_cbc", "lab_psa", "lab_other", "sa_order", "peu_order"]
    cbc = ordered["lab_cbc"]
    assert [code.text() for code in cbc.codes] == [
        "LOINC 58410-2 — Complete blood count (hemogram) panel - Blood by Automated count"
    ]
    assert (cbc.status, cbc.date, cbc.note) == ("Ordered", "2 May 2024", "Morning sample please")
    assert ordered["lab_psa"].status == "Done elsewhere"
    assert ordered["lab_psa"].codes[0].system == "SNOMED CT"
    assert ordered["lab_other"].answer == "Zinc in seminal plasma"
    assert [(field.label, field.value) for field in ordered["sa_order"].details] == [
        ("Where the sample will be produced", "At the laboratory"),
        ("Repeat analysis planned", "Unknown"),
    ]


def test_not_ordered_items_are_listed_only_in_their_part(small_workflow: Workflow) -> None:
    data = _build(small_workflow)
    not_ordered = {entry.item_id: entry for entry in data.not_ordered}
    assert list(not_ordered) == ["lab_glucose", "lab_hba1c"]
    assert not_ordered["lab_glucose"].status == "Declined"
    assert not_ordered["lab_glucose"].note == "Patient prefers his GP"
    assert not_ordered["lab_hba1c"].status == "Not indicated"
    assert not_ordered["lab_hba1c"].codes == ()
    assert not {entry.item_id for entry in data.orders} & set(not_ordered)


def test_recorded_part_holds_only_answers_in_workflow_order(small_workflow: Workflow) -> None:
    data = _build(small_workflow)
    ids = [entry.item_id for section in data.recorded for entry in section.entries]
    assert ids == [
        "hx_dry",
        "hx_urinary",
        "hx_onset",
        "hx_context",
        "hx_none",
        "hx_volume",
        "hx_onset_date",
        "hx_collected",
        "hx_notes",
        "ex_testes",
    ]
    values = {entry.item_id: entry.value for section in data.recorded for entry in section.entries}
    assert values["hx_urinary"] == "Yes: Weak stream & <b>urgency</b>"
    assert values["hx_volume"] == "0.5 mL"
    assert values["hx_onset_date"] == "2023-05"
    assert values["hx_context"] == "Lifelong (since first ejaculations); Acquired"
    assert [section.code for section in data.recorded] == ["B1", "C"]


def test_russian_values_use_russian_words(small_workflow: Workflow) -> None:
    data = _build(small_workflow, language="ru")
    values = {entry.item_id: entry.value for section in data.recorded for entry in section.entries}
    assert values["hx_dry"] == "Да"
    assert values["hx_volume"] == "0,5 мл"
    assert data.document_title == "Обследование при нарушениях эякуляции"
    assert data.orders[0].status == "Назначено"
    assert data.page_label(2, 5) == "стр. 2 из 5"


def test_answers_of_hidden_items_are_left_out(small_workflow: Workflow) -> None:
    orders = dict(ORDERS)
    orders["sa_order"] = OrderState(OrderStatus.DECLINED)
    data = _build(small_workflow, orders=orders)
    everything = repr(data)
    assert "At the laboratory" not in everything  # sa_site is hidden once not ordered


def test_instructions_only_for_ordered_items_with_placeholders_filled(
    small_workflow: Workflow,
) -> None:
    data = _build(small_workflow)
    pages = {page.item_ids[0]: page for page in data.instructions}
    assert list(pages) == ["sa_order", "peu_order"]
    assert "Leave a little urine" in pages["peu_order"].text
    assert "{item:" not in pages["peu_order"].text
    assert pages["peu_order"].patient_name == "Ivanov, Pyotr"
    assert pages["peu_order"].date == "3 May 2024"


def test_unanswered_placeholder_uses_neutral_wording(small_workflow: Workflow) -> None:
    answers = {key: value for key, value in ANSWERS.items() if key != "peu_pre_void"}
    en = _build(small_workflow, answers=answers)
    ru = _build(small_workflow, language="ru", answers=answers)
    assert "as your laboratory instructs" in en.instructions[-1].text
    assert "по указанию лаборатории" in ru.instructions[-1].text


def test_done_elsewhere_gets_no_instructions_and_missing_date_is_said(
    small_workflow: Workflow,
) -> None:
    orders = dict(ORDERS)
    orders["sa_order"] = OrderState(OrderStatus.DONE_ELSEWHERE)
    data = _build(small_workflow, orders=orders)
    assert [page.item_ids for page in data.instructions] == [("peu_order",)]
    semen = next(entry for entry in data.orders if entry.item_id == "sa_order")
    assert semen.date == "date not recorded"


def test_draft_and_final_states(small_workflow: Workflow) -> None:
    draft = _build(small_workflow)
    assert draft.is_draft
    assert draft.draft_mark == "DRAFT"
    assert draft.signature == ()
    final = _build(small_workflow, EncounterStatus.FINALIZED)
    assert not final.is_draft
    assert final.draft_mark == ""
    assert [field.value for field in final.signature] == ["Dr Anna Smirnova", "2 May 2024, 09:40"]
    amending = _build(small_workflow, EncounterStatus.AMENDING)
    assert amending.is_draft
    assert amending.addenda[0].fields[-1].value == "Not signed yet."


def test_amended_encounter_lists_addenda(small_workflow: Workflow) -> None:
    data = _build(small_workflow, EncounterStatus.AMENDED)
    assert not data.is_draft
    addendum = data.addenda[0]
    assert addendum.heading == "Addendum 1"
    assert addendum.reason == "Lab result arrived; added PSA date"
    assert [field.value for field in addendum.fields] == [
        "Dr Boris Petrov",
        "10 May 2024, 11:00",
        "Dr Boris Petrov",
        "10 May 2024, 11:20",
    ]


def test_header_footer_and_patient_block(small_workflow: Workflow) -> None:
    data = _build(small_workflow)
    assert data.clinic_name == "City Urology Clinic"
    assert data.workflow_version == "version 3"
    assert [field.value for field in data.patient] == ["Ivanov, Pyotr", "14 March 1985", "CH-0042"]
    assert [field.value for field in data.encounter] == ["2 May 2024", "Dr Anna Smirnova", "Draft"]
    assert data.footer_encounter == "Encounter 0f3c9a7e, revision 4"
    assert data.footer_generated == "Generated 2 May 2024, 09:45"


def test_unknown_language_falls_back_to_english(small_workflow: Workflow) -> None:
    data = _build(small_workflow, language="de")
    assert data.language == "en"
    assert data.document_title == "Ejaculatory disorder workup"


def test_control_characters_are_cleaned_in_data(small_workflow: Workflow) -> None:
    answers = dict(ANSWERS)
    answers["hx_notes"] = "bell\x07 nul\x00 surrogate\ud800 end"
    data = _build(small_workflow, answers=answers)
    note = next(
        entry.value
        for section in data.recorded
        for entry in section.entries
        if entry.item_id == "hx_notes"
    )
    assert note == "bell\ufffd nul\ufffd surrogate\ufffd end"
