"""A small workflow and encounters built directly from the domain dataclasses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from app.domain.encounter import (
    Addendum,
    Encounter,
    EncounterStatus,
    OrderState,
    OrderStatus,
    Patient,
)
from app.domain.values import AnswerValue, YnuDetails
from app.domain.workflow import (
    Code,
    CodeStatus,
    Condition,
    InstructionBlock,
    InstructionChoice,
    Instructions,
    Item,
    ItemKind,
    LocalizedText,
    Option,
    Role,
    Section,
    Workflow,
)

GENERATED = datetime(2024, 5, 2, 9, 45)
VISIT = date(2024, 5, 2)


def text(en: str, ru: str) -> LocalizedText:
    """A label in both languages."""
    return LocalizedText(en, ru)


def observation(item_id: str, kind: ItemKind, en: str, ru: str, **extra: object) -> Item:
    """An observation item."""
    return Item(item_id, kind, Role.OBSERVATION, text(en, ru), **extra)  # type: ignore[arg-type]


def order(item_id: str, en: str, ru: str, **extra: object) -> Item:
    """A check-kind order item."""
    return Item(item_id, ItemKind.CHECK, Role.ORDER, text(en, ru), **extra)  # type: ignore[arg-type]


COMPLAINT_OPTIONS = (
    Option("lifelong", text("Lifelong (since first ejaculations)", "Первичное (с начала)")),
    Option("acquired", text("Acquired", "Вторичное")),
)
SITE_OPTIONS = (
    Option("lab", text("At the laboratory", "В лаборатории")),
    Option("home", text("At home", "Дома")),
)
VOID_OPTIONS = (
    Option("full", text("Empty the bladder completely", "Полностью опорожнить мочевой пузырь")),
    Option("partial", text("Leave a little urine", "Оставить немного мочи")),
)
LOINC_CBC = Code(
    "loinc_58410_2",
    "http://loinc.org",
    "58410-2",
    "Complete blood count (hemogram) panel - Blood by Automated count",
)
LOINC_SEMEN = Code("loinc_3160_9", "http://loinc.org", "3160-9", "Volume of Semen")
SNOMED_PSA = Code("sct_63476009", "http://snomed.info/sct", "63476009", "PSA measurement")


def plain_instructions(key: str, en: str, ru: str) -> tuple[InstructionChoice, ...]:
    """Unconditional instructions under `key`, as an order item carries them."""
    return (InstructionChoice(Instructions(key, (InstructionBlock(text(en, ru)),))),)


SA_INSTRUCTIONS = plain_instructions(
    "semen_analysis",
    "1. Do not ejaculate for 2 to 7 days before the test.\n"
    "2. Produce the sample into the pot the lab gives you.\n\n"
    "Bring the pot to the lab within one hour.",
    "1. Воздержитесь от семяизвержения 2–7 дней до анализа.\n"
    "2. Соберите материал в контейнер, выданный лабораторией.\n\n"
    "Доставьте контейнер в лабораторию в течение часа.",
)
PEU_INSTRUCTIONS = plain_instructions(
    "post_ejaculatory_urine",
    "3. Pass urine as printed on this sheet: {item:peu_pre_void}.\n4. Use no lubricant.",
    "3. Помочитесь, как указано в памятке: {item:peu_pre_void}.\n4. Не используйте смазку.",
)


def make_workflow() -> Workflow:
    """Three sections covering every kind, orders with codes, details and instructions."""
    history = Section(
        "history",
        "B1",
        text("Presenting complaints", "Жалобы"),
        (
            observation("hx_dry", ItemKind.YNU, "Orgasm without ejaculate", "Оргазм без эякулята"),
            observation(
                "hx_urinary",
                ItemKind.YNU_DETAILS,
                "Urinary symptoms",
                "Расстройства мочеиспускания",
            ),
            observation(
                "hx_onset",
                ItemKind.SINGLE,
                "Onset pattern",
                "Характер начала",
                options=COMPLAINT_OPTIONS,
            ),
            observation(
                "hx_context",
                ItemKind.MULTI,
                "What preceded the onset",
                "Что предшествовало началу",
                options=COMPLAINT_OPTIONS,
            ),
            observation("hx_none", ItemKind.CHECK, "No factor identified", "Фактор не выявлен"),
            observation(
                "hx_volume",
                ItemKind.NUMBER,
                "Patient's estimate of volume",
                "Объём по оценке пациента",
                unit="mL",
            ),
            observation(
                "hx_onset_date",
                ItemKind.DATE,
                "Approximate date the problem began",
                "Примерная дата начала",
                allow_partial_date=True,
            ),
            observation(
                "hx_collected",
                ItemKind.DATETIME,
                "Date and time of collection",
                "Дата и время получения",
            ),
            observation("hx_notes", ItemKind.TEXT, "Clinician's notes", "Заметки врача"),
            observation("hx_unasked", ItemKind.YNU, "Nocturnal emissions", "Ночные поллюции"),
            observation("hx_unasked_text", ItemKind.TEXT, "Earlier tests", "Ранее проведённые"),
        ),
    )
    orders = Section(
        "orders",
        "D",
        text("Laboratory tests", "Лабораторные исследования"),
        (
            order(
                "lab_cbc",
                "Complete blood count",
                "Общий анализ крови",
                codes=(LOINC_CBC,),
                code_status=CodeStatus.VERIFIED,
            ),
            order(
                "lab_psa",
                "PSA, total",
                "ПСА общий",
                codes=(SNOMED_PSA,),
                code_status=CodeStatus.VERIFIED,
            ),
            order("lab_glucose", "Fasting blood glucose", "Глюкоза крови натощак"),
            order("lab_hba1c", "Glycated haemoglobin", "Гликированный гемоглобин"),
            order("lab_unstated", "Prolactin", "Пролактин"),
            Item(
                "lab_other",
                ItemKind.TEXT,
                Role.ORDER,
                text("Other laboratory test (specify)", "Другое исследование (указать)"),
            ),
            order(
                "sa_order",
                "Semen analysis",
                "Спермограмма",
                codes=(LOINC_SEMEN,),
                instructions=SA_INSTRUCTIONS,
            ),
            Item(
                "sa_site",
                ItemKind.SINGLE,
                Role.ORDER_DETAIL,
                text("Where the sample will be produced", "Место получения эякулята"),
                options=SITE_OPTIONS,
                parent="sa_order",
                show_when=Condition("sa_order", ("ordered",)),
            ),
            Item(
                "sa_repeat",
                ItemKind.YNU,
                Role.ORDER_DETAIL,
                text("Repeat analysis planned", "Запланирован повторный анализ"),
                parent="sa_order",
                show_when=Condition("sa_order", ("ordered",)),
            ),
            order(
                "peu_order",
                "Urine examination after ejaculation",
                "Исследование мочи после эякуляции",
                instructions=PEU_INSTRUCTIONS,
            ),
            Item(
                "peu_pre_void",
                ItemKind.SINGLE,
                Role.ORDER_DETAIL,
                text("Bladder before the test", "Мочевой пузырь перед анализом"),
                options=VOID_OPTIONS,
                parent="peu_order",
                show_when=Condition("peu_order", ("ordered",)),
            ),
        ),
    )
    exam = Section(
        "exam",
        "C",
        text("Physical examination", "Физикальный осмотр"),
        (
            observation("ex_testes", ItemKind.TEXT, "Testes", "Яички"),
            observation(
                "ex_reflex", ItemKind.YNU, "Cremasteric reflex present", "Кремастерный рефлекс"
            ),
        ),
    )
    return Workflow(
        "test_workup",
        3,
        text("Test ejaculation workup", "Тестовое обследование"),
        (history, orders, exam),
    )


ANSWERS: Mapping[str, AnswerValue] = {
    "hx_dry": "yes",
    "hx_urinary": YnuDetails("yes", "Weak stream & <b>urgency</b>"),
    "hx_onset": "acquired",
    "hx_context": ("lifelong", "acquired"),
    "hx_none": True,
    "hx_volume": Decimal("0.5"),
    "hx_onset_date": "2023-05",
    "hx_collected": "2024-05-01T08:30",
    "hx_notes": "Markup stays literal: <b>&amp;]]> and Кириллица",
    "lab_other": "Zinc in seminal plasma",
    "sa_site": "lab",
    "sa_repeat": "unknown",
    "peu_pre_void": "partial",
    "ex_testes": "Both palpable",
}

ORDERS: Mapping[str, OrderState] = {
    "lab_cbc": OrderState(OrderStatus.ORDERED, date(2024, 5, 2), "Morning sample please"),
    "lab_psa": OrderState(OrderStatus.DONE_ELSEWHERE, date(2024, 4, 20)),
    "lab_glucose": OrderState(OrderStatus.DECLINED, None, "Patient prefers his GP"),
    "lab_hba1c": OrderState(OrderStatus.NOT_INDICATED),
    "lab_other": OrderState(OrderStatus.ORDERED),
    "sa_order": OrderState(OrderStatus.ORDERED, date(2024, 5, 3)),
    "peu_order": OrderState(OrderStatus.ORDERED, date(2024, 5, 3)),
}

PATIENT = Patient(7, "Ivanov", "Pyotr", date(1985, 3, 14), "CH-0042")


def make_encounter(
    workflow: Workflow,
    status: EncounterStatus = EncounterStatus.DRAFT,
    *,
    answers: Mapping[str, AnswerValue] | None = None,
    orders: Mapping[str, OrderState] | None = None,
    patient: Patient = PATIENT,
    language: str = "en",
) -> Encounter:
    """An encounter of `workflow` in `status` with the standard answers and orders."""
    encounter = Encounter(
        id=1,
        uid="0f3c9a7e-1234-4bcd-9def-001122334455",
        patient=patient,
        workflow_id=workflow.id,
        workflow_version=workflow.version,
        workflow_hash="abc",
        status=status,
        language=language,
        clinician="Dr Anna Smirnova",
        created_at=datetime(2024, 5, 2, 9, 0),
        updated_at=datetime(2024, 5, 2, 9, 30),
        revision=4,
        answers=dict(ANSWERS if answers is None else answers),
        orders=dict(ORDERS if orders is None else orders),
    )
    if status in (EncounterStatus.FINALIZED, EncounterStatus.AMENDED, EncounterStatus.AMENDING):
        encounter = replace(
            encounter, finalized_by="Dr Anna Smirnova", finalized_at=datetime(2024, 5, 2, 9, 40)
        )
    if status in (EncounterStatus.AMENDED, EncounterStatus.AMENDING):
        signed = status is EncounterStatus.AMENDED
        encounter = replace(
            encounter,
            addenda=(
                Addendum(
                    1,
                    "Lab result arrived; added PSA date",
                    "Dr Boris Petrov",
                    datetime(2024, 5, 10, 11, 0),
                    "Dr Boris Petrov" if signed else None,
                    datetime(2024, 5, 10, 11, 20) if signed else None,
                ),
            ),
        )
    return encounter
