"""Patient instruction pages of the shipped workflow follow what was recorded (EN and RU)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime

import pytest

from app.domain.encounter import Encounter, EncounterStatus, OrderState, OrderStatus, Patient
from app.domain.values import AnswerValue, YnuDetails
from app.domain.workflow import Item, ItemKind, Workflow
from app.report.summary_data import ClinicInfo, InstructionPage, SummaryData, build_summary_data
from app.report.summary_render import summary_pdf
from tests.support import flat, pdf_pages

GENERATED = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
ALKALI = "Sodium bicarbonate 2 g at 20:00 and 07:00"
ORDERED = OrderState(OrderStatus.ORDERED, date(2026, 11, 24))
NOTE = {
    "en": (
        "Do not stop or change a prescribed medicine on your own — discuss it with the doctor "
        "who prescribed it."
    ),
    "ru": (
        "Не отменяйте и не меняйте назначенные препараты самостоятельно — обсудите это с "
        "врачом, который их назначил."
    ),
}


def _encounter(
    workflow: Workflow,
    answers: Mapping[str, AnswerValue],
    orders: Mapping[str, OrderState],
    language: str = "en",
) -> Encounter:
    moment = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    return Encounter(
        id=1,
        uid="5f0e4a9c-1111-4222-8333-944455556666",
        patient=Patient(1, "Ivanov", "Pyotr", date(1984, 3, 14), "CH-7"),
        workflow_id=workflow.id,
        workflow_version=workflow.version,
        workflow_hash=workflow.content_hash,
        status=EncounterStatus.DRAFT,
        language=language,
        clinician="Dr Smirnova",
        created_at=moment,
        updated_at=moment,
        answers={"visit_date": "2026-11-21", **answers},
        orders=orders,
    )


def _data(
    workflow: Workflow,
    answers: Mapping[str, AnswerValue],
    orders: Mapping[str, OrderState],
    language: str,
    *,
    patient_copy: bool = False,
) -> SummaryData:
    encounter = _encounter(workflow, answers, orders, language)
    return build_summary_data(
        workflow, encounter, ClinicInfo("Clinic"), language, GENERATED, patient_copy=patient_copy
    )


def _page(
    workflow: Workflow,
    item_id: str,
    answers: Mapping[str, AnswerValue],
    orders: Mapping[str, OrderState],
    language: str,
) -> InstructionPage:
    pages = [
        page
        for page in _data(workflow, answers, orders, language).instructions
        if item_id in page.item_ids
    ]
    assert len(pages) == 1
    return pages[0]


def _steps(text: str) -> list[int]:
    return [int(number) for number in re.findall(r"^(\d+)\. ", text, re.MULTILINE)]


def _assert_numbered(text: str) -> None:
    assert "#." not in text
    assert "{item:" not in text
    steps = _steps(text)
    assert steps == list(range(1, len(steps) + 1))


PEU = {"peu_order": ORDERED}
PEU_ANSWERS: dict[str, AnswerValue] = {"peu_purpose": "diagnostic", "peu_pre_void": "empty_fully"}

# -- alkalinisation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "step"),
    [
        ("en", "Take the urine-alkalinising preparation your doctor prescribed"),
        ("ru", "Примите назначенный врачом препарат для ощелачивания мочи"),
    ],
)
@pytest.mark.parametrize("purpose", ["diagnostic", "retrieval", "catheter"])
def test_alkalinisation_step_only_when_prescribed_with_the_typed_details(
    workflow: Workflow, language: str, step: str, purpose: str
) -> None:
    base = {**PEU_ANSWERS, "peu_purpose": purpose}
    with_alkali = {
        **base,
        "peu_alkalinisation": True,
        "peu_alkalinisation_details": ALKALI,
    }
    text = _page(workflow, "peu_order", with_alkali, PEU, language).text
    assert f"{step}" in text
    assert ALKALI in text
    _assert_numbered(text)
    # not ticked: no step, even with details left behind from an earlier answer
    without = {**with_alkali, "peu_alkalinisation": False}
    text = _page(workflow, "peu_order", without, PEU, language).text
    assert step not in text
    assert ALKALI not in text
    _assert_numbered(text)


# -- the purpose of the post-ejaculatory urine ---------------------------------------------

PURPOSE_TEXTS = {
    "en": {
        "self": 'pass urine into the second pot marked "urine"',
        "pre_void": "Before masturbating: empty your bladder completely.",
        "keep": 'If the "urine" pot already contains some liquid, do not pour it out.',
        "catheter": "The assisted-reproduction laboratory will explain the procedure",
    },
    "ru": {
        "self": "помочитесь во второй контейнер с пометкой «моча»",
        "pre_void": "Перед мастурбацией: полностью опорожните мочевой пузырь.",
        "keep": "Если в контейнере «моча» уже есть жидкость, не выливайте её.",
        "catheter": "Порядок процедуры вам объяснят в лаборатории ВРТ",
    },
}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_urine_page_follows_the_purpose(workflow: Workflow, language: str) -> None:
    texts = PURPOSE_TEXTS[language]
    pages = {
        purpose: _page(
            workflow, "peu_order", {**PEU_ANSWERS, "peu_purpose": purpose}, PEU, language
        ).text
        for purpose in ("diagnostic", "retrieval", "catheter")
    }
    for text in pages.values():
        _assert_numbered(text)
    assert texts["self"] in pages["diagnostic"]
    assert texts["pre_void"] in pages["diagnostic"]
    assert texts["keep"] not in pages["diagnostic"]
    assert texts["catheter"] not in pages["diagnostic"]
    assert texts["self"] in pages["retrieval"]
    assert texts["keep"] in pages["retrieval"]
    # catheter recovery: the laboratory explains it; no self-collection steps
    assert texts["catheter"] in pages["catheter"]
    assert texts["self"] not in pages["catheter"]
    assert texts["pre_void"] not in pages["catheter"]
    assert texts["keep"] not in pages["catheter"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Before masturbating: pass urine, but not completely: leave a little urine"),
        ("ru", "Перед мастурбацией: помочитесь, но не до конца — оставьте в пузыре немного мочи."),
    ],
)
def test_pre_void_variant_reads_as_a_sentence(
    workflow: Workflow, language: str, expected: str
) -> None:
    answers = {**PEU_ANSWERS, "peu_pre_void": "leave_some"}
    assert expected in _page(workflow, "peu_order", answers, PEU, language).text


# -- semen analysis: collection site --------------------------------------------------------

SITE_TEXTS = {
    "en": ("Produce the sample in the lab's private collection room.", "within one hour"),
    "ru": ("Сдайте материал в отдельной комнате лаборатории.", "в течение одного часа"),
}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_semen_page_prints_only_the_chosen_collection_site(
    workflow: Workflow, language: str
) -> None:
    room, home = SITE_TEXTS[language]
    orders = {"sa_order": ORDERED}
    at_lab = _page(workflow, "sa_order", {"sa_collection_site": "lab_room"}, orders, language)
    at_home = _page(workflow, "sa_order", {"sa_collection_site": "home"}, orders, language)
    not_chosen = _page(workflow, "sa_order", {}, orders, language)
    assert room in at_lab.text
    assert home not in at_lab.text
    assert home in at_home.text
    assert room not in at_home.text
    assert room not in not_chosen.text
    assert home not in not_chosen.text
    for page in (at_lab, at_home, not_chosen):
        _assert_numbered(page.text)


@pytest.mark.parametrize(
    ("language", "wash", "few_drops"),
    [
        (
            "en",
            "Just before collecting, pass urine. Then wash your hands and penis with soap and "
            "water, rinse off all the soap, and dry them.",
            "If only a few drops or no fluid come out, still hand in the container",
        ),
        (
            "ru",
            "Непосредственно перед сбором помочитесь. Затем вымойте руки и половой член с мылом, "
            "тщательно смойте мыло и насухо вытрите.",
            "Если эякулята выделилось очень мало или не выделилось совсем, всё равно сдайте "
            "контейнер",
        ),
    ],
)
def test_semen_page_washing_and_few_drops(
    workflow: Workflow, language: str, wash: str, few_drops: str
) -> None:
    text = _page(workflow, "sa_order", {}, {"sa_order": ORDERED}, language).text
    assert wash in text
    assert few_drops in text


# -- semen analysis and urine at the same visit: one combined page ------------------------

COMBINED_ORDER = {
    "en": [
        "do not ejaculate",
        "Take the urine-alkalinising preparation",
        "Before masturbating: empty your bladder completely",
        'straight into the pot marked "semen"',
        'pass urine into the second pot marked "urine"',
        "Hand both pots to the staff",
    ],
    "ru": [
        "воздерживайтесь от семяизвержения",
        "Примите назначенный врачом препарат",
        "Перед мастурбацией: полностью опорожните мочевой пузырь",
        "сразу в контейнер с пометкой «эякулят»",
        "помочитесь во второй контейнер с пометкой «моча»",
        "Сразу передайте оба контейнера персоналу",
    ],
}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_same_visit_semen_and_urine_share_one_page_in_order(
    workflow: Workflow, language: str
) -> None:
    orders = {"sa_order": ORDERED, "peu_order": ORDERED}
    answers = {
        **PEU_ANSWERS,
        "peu_same_visit_sa": True,
        "peu_alkalinisation": True,
        "peu_alkalinisation_details": ALKALI,
        "sa_collection_site": "home",
    }
    data = _data(workflow, answers, orders, language)
    (page,) = data.instructions
    assert page.item_ids == ("sa_order", "peu_order")
    assert len(page.order_labels) == 2
    positions = [page.text.find(part) for part in COMBINED_ORDER[language]]
    assert -1 not in positions, positions
    assert positions == sorted(positions)
    _assert_numbered(page.text)
    # the home-collection paragraph of the semen page does not apply at a same-visit test
    assert SITE_TEXTS[language][1] not in page.text
    # not the same visit: a page each
    separate = _data(workflow, {**answers, "peu_same_visit_sa": False}, orders, language)
    assert [page.item_ids for page in separate.instructions] == [("sa_order",), ("peu_order",)]
    # catheter recovery is never combined with self-collection
    catheter = _data(workflow, {**answers, "peu_purpose": "catheter"}, orders, language)
    assert [page.item_ids for page in catheter.instructions] == [("sa_order",), ("peu_order",)]


# -- medicine safety ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ru"])
def test_medicine_safety_sentence_when_a_medicine_or_prescriber_referral(
    workflow: Workflow, language: str
) -> None:
    orders = {"lab_cbc": ORDERED, "sa_order": ORDERED}
    plain = _data(workflow, {}, orders, language)
    assert plain.instructions
    assert all(NOTE[language] not in page.text for page in plain.instructions)
    no_medicine = {"hx_med_alpha_blocker": YnuDetails("no", "")}
    assert all(
        NOTE[language] not in page.text
        for page in _data(workflow, no_medicine, orders, language).instructions
    )
    medicine = {"hx_med_5ari": YnuDetails("yes", "finasteride 5 mg")}
    for data in (
        _data(workflow, medicine, orders, language),
        _data(workflow, {}, {**orders, "ref_prescriber": ORDERED}, language),
    ):
        assert data.instructions
        for page in data.instructions:
            assert page.text.endswith("\n\n" + NOTE[language])
            assert page.text.count(NOTE[language]) == 1


def _medicine_recorded(workflow: Workflow) -> list[dict[str, AnswerValue]]:
    """One answer set per medicine field of the shipped workflow, recording a medicine in
    that field alone: every item of the medicines section (section B3) and the leakage
    item about a new medicine."""
    found: list[dict[str, AnswerValue]] = []
    section = next(s for s in workflow.sections if s.id == "history_medicines")
    for item in section.items:
        if item.kind is ItemKind.TEXT:
            found.append({item.id: "Metformin 500 mg twice a day"})
        else:
            assert item.kind is ItemKind.YNU_DETAILS, item.id
            found.append({item.id: YnuDetails("yes", "")})
    found.append({"hx_sx_semen_leakage": "yes", "leak_new_medicine": YnuDetails("yes", "")})
    return found


@pytest.mark.parametrize("language", ["en", "ru"])
def test_medicine_safety_sentence_follows_every_medicine_field(
    workflow: Workflow, language: str
) -> None:
    orders = {"lab_cbc": ORDERED}
    recorded = _medicine_recorded(workflow)
    assert len(recorded) == 11
    for answers in recorded:
        data = _data(workflow, answers, orders, language)
        assert data.instructions
        for page in data.instructions:
            assert page.text.endswith("\n\n" + NOTE[language]), answers
    # nothing recorded in them: a blank free-text field, "no" to each, leakage without
    # a new medicine, a new medicine under leakage that is not recorded (hidden)
    nothing: list[dict[str, AnswerValue]] = [
        {"hx_med_list": "   ", "hx_med_other": ""},
        {item.id: YnuDetails("no", "") for item in _ynu_medicine_items(workflow)},
        {"hx_sx_semen_leakage": "yes", "leak_new_medicine": YnuDetails("no", "")},
        {"hx_sx_semen_leakage": "no", "leak_new_medicine": YnuDetails("yes", "")},
    ]
    for answers in nothing:
        data = _data(workflow, answers, orders, language)
        assert all(NOTE[language] not in page.text for page in data.instructions), answers


def _ynu_medicine_items(workflow: Workflow) -> list[Item]:
    section = next(s for s in workflow.sections if s.id == "history_medicines")
    return [item for item in section.items if item.kind is ItemKind.YNU_DETAILS]


# -- one page per distinct instruction ------------------------------------------------------


def test_hormones_and_fasting_glucose_share_one_page(workflow: Workflow) -> None:
    ids = ("lab_glucose_fasting", "lab_testosterone", "lab_lh", "lab_fsh", "lab_prolactin")
    data = _data(workflow, {}, dict.fromkeys(ids, ORDERED), "en")
    (page,) = data.instructions
    assert page.item_ids == ids
    assert "at least 8 hours without food; water is allowed" in page.text


@pytest.mark.parametrize(
    ("language", "heading", "text"),
    [
        ("en", "Referral", "Make an appointment with the specialist named above."),
        ("ru", "Направление", "Запишитесь на приём к указанному выше специалисту."),
    ],
)
def test_referrals_get_the_referral_text_and_other_shows_what_was_specified(
    workflow: Workflow, language: str, heading: str, text: str
) -> None:
    orders = {"ref_neurology": ORDERED, "ref_other": ORDERED, "lab_other": ORDERED}
    answers = {"ref_other": "Andrologist, Dr Orlov", "lab_other": "Zinc in seminal plasma"}
    data = _data(workflow, answers, orders, language)
    referral, other_test = sorted(data.instructions, key=lambda page: page.heading != heading)
    assert referral.heading == heading
    assert text in referral.text
    assert referral.item_ids == ("ref_neurology", "ref_other")
    assert "Andrologist, Dr Orlov" in referral.order_labels
    assert other_test.order_labels == ("Zinc in seminal plasma",)
    assert other_test.heading != heading


def _all_ordered(workflow: Workflow) -> dict[str, OrderState]:
    return {item.id: ORDERED for item in workflow.order_items()}


def _full_answers() -> dict[str, AnswerValue]:
    return {
        **PEU_ANSWERS,
        "peu_same_visit_sa": True,
        "peu_alkalinisation": True,
        "peu_alkalinisation_details": ALKALI,
        "hx_med_alpha_blocker": YnuDetails("yes", "silodosin 8 mg"),
        "lab_other": "Zinc",
        "inst_neurophys_other": "Pudendal SSEP",
        "inst_other": "Pelvic MRI",
        "ref_other": "Andrologist",
    }


@pytest.mark.parametrize("language", ["en", "ru"])
def test_full_workup_prints_at_most_ten_instruction_pages(
    workflow: Workflow, language: str
) -> None:
    orders = _all_ordered(workflow)
    assert len(orders) >= 29
    data = _data(workflow, _full_answers(), orders, language)
    assert len(data.instructions) <= 10
    listed = [item_id for page in data.instructions for item_id in page.item_ids]
    assert sorted(listed) == sorted(orders)  # every order is on exactly one page
    pdf = summary_pdf(
        workflow, _encounter(workflow, _full_answers(), orders), ClinicInfo(), "en", GENERATED
    )
    assert pdf.startswith(b"%PDF")


# -- the patient copy -----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ru"])
def test_patient_copy_holds_no_history_item(workflow: Workflow, language: str) -> None:
    answers: dict[str, AnswerValue] = {
        **_full_answers(),
        "visit_main_complaint": "Dry orgasm since spring",
        "hx_sx_urinary": YnuDetails("yes", "Nocturia twice"),
        "hx_diabetes": "type2",
        "hx_neuro_head_injury": YnuDetails("yes", "Concussion 2019"),
        "ex_penis_meatus": "Unremarkable meatus",
        "note_clinician": "Private clinician remark",
        "note_order_reason": "Clinical question for orders",
        "follow_up_date": "2026-12-15",
    }
    encounter = _encounter(workflow, answers, _all_ordered(workflow), language)
    full = flat(
        " ".join(pdf_pages(summary_pdf(workflow, encounter, ClinicInfo(), language, GENERATED)))
    )
    copy = flat(
        " ".join(
            pdf_pages(
                summary_pdf(
                    workflow, encounter, ClinicInfo(), language, GENERATED, patient_copy=True
                )
            )
        )
    )
    for secret in (
        "Dry orgasm since spring",
        "Nocturia twice",
        "Concussion 2019",
        "Unremarkable meatus",
        "Private clinician remark",
        "Clinical question for orders",
        "silodosin 8 mg",
    ):
        assert secret in full  # the clinician's summary has them
        assert secret not in copy
    history = [
        item
        for item in workflow.items()
        if not item.is_order and item.role.value in ("observation", "result")
    ]
    for item in history:
        label = flat(item.label.get(language))
        assert label not in copy, item.id
    assert ALKALI in copy  # the order details meant for the patient stay
    assert ("15 December 2026" if language == "en" else "15 декабря 2026") in copy
