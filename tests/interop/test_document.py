"""Tests of the JSON encounter document: lossless round trips and exact error messages."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.encounter import (
    Addendum,
    Encounter,
    EncounterStatus,
    OrderState,
    OrderStatus,
    Patient,
)
from app.domain.limits import MAX_INTEGER
from app.domain.values import AnswerValue, YnuDetails
from app.domain.workflow import (
    YNU_VALUES,
    Condition,
    Item,
    ItemKind,
    LocalizedText,
    Option,
    Role,
    Section,
    Workflow,
)
from app.interop import (
    FORMAT,
    FORMAT_VERSION,
    DocumentError,
    ExportError,
    InteropError,
    document_to_encounter,
    dumps,
    encounter_to_document,
    loads,
)

SOURCE_TEXT = """schema_version = 1
id = "test_workup"
version = 3
title = { en = "Test workup", ru = "Тестовое обследование" }
# the items of this test workflow are built in Python; this text only stands in for them
"""
SOURCE_HASH = hashlib.sha256(SOURCE_TEXT.encode("utf-8")).hexdigest()
MSK = timezone(timedelta(hours=3))


def _text(en: str, ru: str | None = None) -> LocalizedText:
    return LocalizedText(en, ru)


def _options(*values: str) -> tuple[Option, ...]:
    return tuple(Option(value, _text(value.capitalize())) for value in values)


HISTORY = Section(
    id="history",
    code="B1",
    title=_text("History", "Анамнез"),
    items=(
        Item("hx_anejaculation", ItemKind.CHECK, Role.OBSERVATION, _text("No ejaculate")),
        Item("hx_sx_fever", ItemKind.YNU, Role.OBSERVATION, _text("Fever", "Лихорадка")),
        Item("hx_med_alpha", ItemKind.YNU_DETAILS, Role.OBSERVATION, _text("Alpha-blocker")),
        Item(
            "hx_onset",
            ItemKind.SINGLE,
            Role.OBSERVATION,
            _text("Onset"),
            options=_options("lifelong", "acquired"),
            option_list="onset",
        ),
        Item(
            "hx_symptoms",
            ItemKind.MULTI,
            Role.OBSERVATION,
            _text("Symptoms"),
            options=_options("pain", "blood", "low_volume", "cloudy_urine"),
            option_list="symptoms",
        ),
        Item("hx_notes", ItemKind.TEXT, Role.OBSERVATION, _text("Notes")),
        Item(
            "sa_volume",
            ItemKind.NUMBER,
            Role.RESULT,
            _text("Semen volume"),
            unit="mL",
            minimum=Decimal("0"),
            maximum=Decimal("20"),
            decimals=2,
        ),
        Item(
            "hx_onset_date",
            ItemKind.DATE,
            Role.OBSERVATION,
            _text("Onset date"),
            allow_partial_date=True,
        ),
        Item("adm_last_ejaculation", ItemKind.DATETIME, Role.ADMIN, _text("Last ejaculation")),
    ),
)
ORDERS = Section(
    id="orders",
    code="E1",
    title=_text("Orders", "Назначения"),
    items=(
        Item("lab_pemu", ItemKind.CHECK, Role.ORDER, _text("Post-ejaculatory urine")),
        Item(
            "pemu_bladder",
            ItemKind.SINGLE,
            Role.ORDER_DETAIL,
            _text("Bladder emptying"),
            options=_options("void", "catheter"),
            option_list="bladder",
            show_when=Condition("lab_pemu", ("ordered",)),
            parent="lab_pemu",
        ),
        Item("lab_other", ItemKind.TEXT, Role.ORDER, _text("Other test, specify")),
    ),
)
WORKFLOW = Workflow(
    id="test_workup",
    version=3,
    title=_text("Test workup", "Тестовое обследование"),
    sections=(HISTORY, ORDERS),
    content_hash=SOURCE_HASH,
    source_text=SOURCE_TEXT,
)


def parse(text: str) -> Workflow:
    """Stand-in for the catalog's parser: knows the one test workflow."""
    if text == SOURCE_TEXT:
        return WORKFLOW
    raise ValueError("not a known workflow definition")


PATIENT = Patient(
    id=42,
    family_name='Иванов-Smith <&> "O\'Neil"',
    given_name="Пётр 🙂",
    birth_date=date(1985, 12, 1),
    chart_number="MRN-0042/β",
)
CREATED = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)

FULL_ANSWERS: dict[str, AnswerValue] = {
    "hx_anejaculation": True,
    "hx_sx_fever": "unknown",
    "hx_med_alpha": YnuDetails("yes", 'тамсулозин 0,4 мг <daily> & "night" 💊'),
    "hx_onset": "acquired",
    "hx_symptoms": ("pain", "low_volume"),
    "hx_notes": "Line one\nвторая строка\t<b>&amp;</b> 🧪\u00a0",
    "sa_volume": Decimal("12.50"),
    "hx_onset_date": "2019-05",
    "adm_last_ejaculation": "2024-02-27T22:15",
    "pemu_bladder": "catheter",
    "lab_other": "Фруктоза в эякуляте",
}


def make_encounter(**changes: Any) -> Encounter:
    """A draft encounter of the test workflow with every item kind answered."""
    encounter = Encounter(
        id=7,
        uid="0b5f8a2e-4c1d-4e7a-9a53-1f0c2d3e4b5a",
        patient=PATIENT,
        workflow_id=WORKFLOW.id,
        workflow_version=WORKFLOW.version,
        workflow_hash=SOURCE_HASH,
        status=EncounterStatus.DRAFT,
        language="ru",
        clinician="Dr. Андреев",
        created_at=CREATED,
        updated_at=CREATED + timedelta(minutes=42, microseconds=123456),
        revision=17,
        answers=dict(FULL_ANSWERS),
        orders={
            "lab_pemu": OrderState(OrderStatus.ORDERED, date(2024, 3, 1), "утром, <натощак> & 🚰"),
            "lab_other": OrderState(OrderStatus.DONE_ELSEWHERE, date(2023, 11, 30), ""),
        },
    )
    return replace(encounter, **changes)


def amended_encounter() -> Encounter:
    """A finalized encounter amended twice, both addenda signed."""
    return make_encounter(
        status=EncounterStatus.AMENDED,
        finalized_by="Dr. Андреев",
        finalized_at=datetime(2024, 3, 1, 13, 0, tzinfo=MSK),
        addenda=(
            Addendum(1, "Результат «PEMU» получен", "Dr. A", CREATED + timedelta(days=2)),
            Addendum(2, "Typo <fixed> & 🙂", "Dr. B", CREATED + timedelta(days=3)),
        ),
    )


def signed(addenda: tuple[Addendum, ...]) -> tuple[Addendum, ...]:
    return tuple(
        a._replace(signed_by=a.opened_by, signed_at=a.opened_at + timedelta(hours=1))
        for a in addenda
    )


def expected(encounter: Encounter) -> Encounter:
    """What reading back gives: the same encounter, without database ids."""
    return replace(encounter, id=None, patient=encounter.patient._replace(id=None))


def round_trip(encounter: Encounter) -> Encounter:
    text = dumps(encounter_to_document(encounter, WORKFLOW))
    read, workflow = document_to_encounter(loads(text.encode("utf-8")), parse)
    assert workflow is WORKFLOW
    return read


def valid_document() -> dict[str, Any]:
    document = encounter_to_document(
        replace(amended_encounter(), addenda=signed(amended_encounter().addenda)), WORKFLOW
    )
    return copy.deepcopy(document)


# ---------------------------------------------------------------------------------------
# Round trips


def test_draft_with_every_kind_round_trips() -> None:
    encounter = make_encounter()
    assert round_trip(encounter) == expected(encounter)


def test_numbers_keep_their_exponent() -> None:
    for text in ("12.50", "0.00", "2E+1", "0", "7.1"):
        read = round_trip(make_encounter(answers={"sa_volume": Decimal(text)}))
        value = read.answers["sa_volume"]
        assert isinstance(value, Decimal)
        assert str(value) == text
        assert value.as_tuple() == Decimal(text).as_tuple()


@pytest.mark.parametrize("status", list(OrderStatus))
def test_orders_in_every_status_round_trip(status: OrderStatus) -> None:
    orders = {
        "lab_pemu": OrderState(status, date(2024, 3, 2), "note <&> ✓"),
        "lab_other": OrderState(status, None, ""),
    }
    encounter = make_encounter(orders=orders)
    assert round_trip(encounter) == expected(encounter)


def test_finalized_encounter_round_trips() -> None:
    encounter = make_encounter(
        status=EncounterStatus.FINALIZED,
        finalized_by="Dr. Андреев",
        finalized_at=CREATED + timedelta(hours=1),
    )
    assert round_trip(encounter) == expected(encounter)


def test_amending_and_amended_encounters_round_trip() -> None:
    amending = amended_encounter()
    first, second = amending.addenda
    amending = replace(
        amending, status=EncounterStatus.AMENDING, addenda=(*signed((first,)), second)
    )
    assert round_trip(amending) == expected(amending)
    amended = replace(amending, status=EncounterStatus.AMENDED, addenda=signed(amending.addenda))
    assert round_trip(amended) == expected(amended)


def test_times_come_back_in_utc_with_the_same_instant() -> None:
    encounter = amended_encounter()
    encounter = replace(encounter, addenda=signed(encounter.addenda))
    read = round_trip(encounter)
    assert read.finalized_at == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    assert read.finalized_at is not None
    assert read.finalized_at.tzinfo is UTC
    assert read.updated_at.microsecond == 123456


def test_empty_encounter_round_trips() -> None:
    encounter = make_encounter(answers={}, orders={}, patient=PATIENT._replace(given_name=""))
    assert round_trip(encounter) == expected(encounter)


def test_read_answers_and_orders_are_plain_dicts() -> None:
    read = round_trip(make_encounter())
    assert type(read.answers) is dict
    assert type(read.orders) is dict


def test_document_layout() -> None:
    encounter = make_encounter(
        answers={"hx_med_alpha": YnuDetails("no"), "sa_volume": Decimal("1.5")},
        orders={"lab_pemu": OrderState(OrderStatus.DECLINED)},
        created_at=datetime(2024, 3, 1, 12, 30, tzinfo=MSK),
        updated_at=CREATED,
    )
    assert encounter_to_document(encounter, WORKFLOW) == {
        "format": "ejaculatory-disorder-workup/encounter",
        "format_version": 1,
        "encounter": {
            "uid": "0b5f8a2e-4c1d-4e7a-9a53-1f0c2d3e4b5a",
            "status": "draft",
            "language": "ru",
            "clinician": "Dr. Андреев",
            "created_at": "2024-03-01T09:30:00+00:00",
            "updated_at": "2024-03-01T09:30:00+00:00",
            "revision": 17,
            "finalized_by": None,
            "finalized_at": None,
            "addenda": [],
        },
        "patient": {
            "family_name": 'Иванов-Smith <&> "O\'Neil"',
            "given_name": "Пётр 🙂",
            "birth_date": "1985-12-01",
            "chart_number": "MRN-0042/β",
        },
        "workflow": {
            "id": "test_workup",
            "version": 3,
            "content_hash": SOURCE_HASH,
            "definition": SOURCE_TEXT,
        },
        "answers": {"hx_med_alpha": {"choice": "no", "details": ""}, "sa_volume": "1.5"},
        "orders": {"lab_pemu": {"status": "declined", "date": None, "note": ""}},
    }
    assert (FORMAT, FORMAT_VERSION) == ("ejaculatory-disorder-workup/encounter", 1)


def test_answers_are_written_in_workflow_order_and_text_is_deterministic() -> None:
    shuffled = dict(reversed(list(FULL_ANSWERS.items())))
    document = encounter_to_document(make_encounter(answers=shuffled), WORKFLOW)
    assert list(document["answers"]) == [
        item.id for item in WORKFLOW.items() if item.id in FULL_ANSWERS
    ]
    assert list(document["orders"]) == ["lab_pemu", "lab_other"]
    first = dumps(document)
    assert first == dumps(encounter_to_document(make_encounter(), WORKFLOW))
    assert first.endswith("}\n")
    assert "Иванов" in first  # written as UTF-8 text, not \\u escapes
    assert '\n  "format_version": 1,' in first


def test_loads_accepts_text_and_bytes_with_byte_order_mark() -> None:
    text = dumps(encounter_to_document(make_encounter(), WORKFLOW))
    assert loads(text) == loads(b"\xef\xbb\xbf" + text.encode("utf-8"))


# ---------------------------------------------------------------------------------------
# Property tests

# No NUL: entry refuses it (PostgreSQL stores none), so no stored answer holds one.
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
TIMEZONES = st.sampled_from([UTC, MSK, timezone(timedelta(hours=-5, minutes=-30))])
MOMENTS = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=TIMEZONES
)


def _partial_date(kind: int, day: date) -> str:
    full = f"{day.year:04d}-{day.month:02d}-{day.day:02d}"
    return full[: (10, 7, 4)[kind]]


def _minute(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment:%H:%M}"


def _answer_strategy(item: Item) -> st.SearchStrategy[AnswerValue]:
    option_values = [option.value for option in item.options]
    strategies: dict[ItemKind, st.SearchStrategy[AnswerValue]] = {
        ItemKind.CHECK: st.booleans(),
        ItemKind.YNU: st.sampled_from(YNU_VALUES),
        ItemKind.YNU_DETAILS: st.builds(YnuDetails, st.sampled_from(YNU_VALUES), TEXT),
        ItemKind.SINGLE: st.sampled_from(option_values or ["x"]),
        ItemKind.MULTI: st.sets(st.sampled_from(option_values or ["x"])).map(
            lambda chosen: tuple(value for value in option_values if value in chosen)
        ),
        ItemKind.TEXT: st.text(
            st.characters(codec="utf-8", exclude_characters="\x00"), max_size=200
        ),
        ItemKind.NUMBER: st.integers(-1, 2).flatmap(
            lambda places: st.integers(0, 20 * 10**places if places >= 0 else 2).map(
                lambda digits: Decimal(digits).scaleb(-places)
            )
        ),
        ItemKind.DATE: st.builds(_partial_date, st.integers(0, 2), st.dates()),
        ItemKind.DATETIME: st.datetimes().map(_minute),
    }
    return strategies[item.kind]


ANSWERABLE = [item for item in WORKFLOW.items() if not (item.is_order and item.kind == "check")]


@st.composite
def answers_strategy(draw: st.DrawFn) -> dict[str, AnswerValue]:
    chosen = draw(st.lists(st.sampled_from(ANSWERABLE), unique_by=lambda item: item.id))
    return {item.id: draw(_answer_strategy(item)) for item in chosen}


ORDER_STATES = st.builds(OrderState, st.sampled_from(OrderStatus), st.none() | st.dates(), TEXT)


@st.composite
def lifecycle_strategy(draw: st.DrawFn) -> dict[str, Any]:
    status = draw(st.sampled_from(EncounterStatus))
    if status is EncounterStatus.DRAFT:
        return {"status": status}
    count = {
        EncounterStatus.FINALIZED: 0,
        EncounterStatus.AMENDING: draw(st.integers(1, 3)),
        EncounterStatus.AMENDED: draw(st.integers(1, 3)),
    }[status]
    addenda = tuple(
        Addendum(seq, draw(TEXT), draw(TEXT), draw(MOMENTS), draw(TEXT), draw(MOMENTS))
        for seq in range(1, count + 1)
    )
    if status is EncounterStatus.AMENDING:
        addenda = (*addenda[:-1], addenda[-1]._replace(signed_by=None, signed_at=None))
    return {
        "status": status,
        "finalized_by": draw(TEXT),
        "finalized_at": draw(MOMENTS),
        "addenda": addenda,
    }


@st.composite
def encounters(draw: st.DrawFn) -> Encounter:
    patient = Patient(
        id=draw(st.none() | st.integers(1, 10**6)),
        family_name=draw(TEXT.filter(lambda name: bool(name.strip()))),
        given_name=draw(TEXT),
        birth_date=draw(st.dates()),
        chart_number=draw(TEXT),
    )
    return make_encounter(
        patient=patient,
        uid=draw(TEXT.filter(lambda uid: bool(uid.strip()))),
        language=draw(st.sampled_from(["en", "ru"])),
        clinician=draw(TEXT),
        created_at=draw(MOMENTS),
        updated_at=draw(MOMENTS),
        revision=draw(st.integers(0, MAX_INTEGER)),
        answers=draw(answers_strategy()),
        orders={
            item_id: draw(ORDER_STATES)
            for item_id in draw(st.sets(st.sampled_from(["lab_pemu", "lab_other"])))
        },
        **draw(lifecycle_strategy()),
    )


EXPLICIT_ROUND_TRIPS = {
    "every item kind": {},
    "white space at both ends of texts": {
        "answers": {
            **FULL_ANSWERS,
            "hx_notes": "  \t leading and trailing \n ",
            "lab_other": "\u00a0 non-breaking \u00a0",
            "hx_med_alpha": YnuDetails("yes", "  тамсулозин  "),
        },
        "clinician": "  Dr. Space  ",
    },
    "Cyrillic everywhere": {
        "answers": {**FULL_ANSWERS, "hx_notes": "Жалобы: «сухой» оргазм — ёжик, Ъ"},
        "clinician": "Д-р Волкова",
        "patient": PATIENT._replace(family_name="Иванов", given_name="Пётр", chart_number="Ф-1"),
    },
    "a 100,000-character note": {"answers": {**FULL_ANSWERS, "hx_notes": "абв\n" * 25_000}},
    "the largest revision": {"revision": MAX_INTEGER},
}


@pytest.mark.parametrize("changes", EXPLICIT_ROUND_TRIPS.values(), ids=EXPLICIT_ROUND_TRIPS)
def test_chosen_encounters_round_trip(changes: dict[str, Any]) -> None:
    """The cases a random draw may miss, every run."""
    encounter = make_encounter(**changes)
    read = round_trip(encounter)
    assert read == expected(encounter)
    assert read.answers == encounter.answers


@settings(max_examples=100, deadline=None)
@given(encounters())
def test_generated_encounters_round_trip(encounter: Encounter) -> None:
    read = round_trip(encounter)
    assert read == expected(encounter)
    for item_id, value in encounter.answers.items():
        assert type(read.answers[item_id]) is type(value)
        if isinstance(value, Decimal):
            assert str(read.answers[item_id]) == str(value)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
    | st.sampled_from(
        ["yes", "ordered", "draft", "2024-01-01", "2024-01-01T00:00:00+00:00", "12.5", "pain"]
    ),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["choice", "details", "status", "x", ""]), children)
    ),
    max_leaves=6,
)


def _locations(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) of a JSON value, containers included."""
    found: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        for key, child in value.items():
            found.append((value, key))
            found.extend(_locations(child))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.append((value, index))
            found.extend(_locations(child))
    return found


@st.composite
def mutated_documents(draw: st.DrawFn) -> dict[str, Any]:
    document: dict[str, Any] = valid_document()
    for _ in range(draw(st.integers(1, 3))):
        container, key = draw(st.sampled_from(_locations(document)))
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            container[key] = draw(JSON_VALUES)
        elif action == "delete":
            del container[key]
        elif isinstance(container, dict):
            container[draw(TEXT)] = draw(JSON_VALUES)
        else:
            container.append(draw(JSON_VALUES))
        if not _locations(document):
            break
    return document


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_mutated_documents_raise_only_document_error(document: dict[str, Any]) -> None:
    for candidate in (document, loads(dumps(document))):
        problem = _read_problem(candidate)
        assert problem is None or problem.startswith("field '")


def _read_problem(document: object) -> str | None:
    """The message of the DocumentError reading `document` raises, None when it reads."""
    try:
        document_to_encounter(document, parse)
    except DocumentError as error:
        return str(error)
    return None


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_mutated_text_raises_only_document_error(data: st.DataObject) -> None:
    text = dumps(valid_document())
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 5)))
    mutated = text[:start] + data.draw(st.text(max_size=3)) + text[end:]
    with contextlib.suppress(DocumentError):
        document_to_encounter(loads(mutated.encode("utf-8", "surrogatepass")), parse)


# ---------------------------------------------------------------------------------------
# Refused documents: one per kind of problem, with its exact message

Mutator = Callable[[dict[str, Any]], object]


def _set(path: str, value: object) -> Mutator:
    *parents, last = path.split(".")

    def mutate(document: dict[str, Any]) -> None:
        target: Any = document
        for step in parents:
            target = target[int(step)] if isinstance(target, list) else target[step]
        target[last] = value

    return mutate


def _all(*mutators: Mutator) -> Mutator:
    def mutate(document: dict[str, Any]) -> None:
        for mutator in mutators:
            mutator(document)

    return mutate


def _delete(path: str) -> Mutator:
    *parents, last = path.split(".")

    def mutate(document: dict[str, Any]) -> None:
        target: Any = document
        for step in parents:
            target = target[step]
        del target[last]

    return mutate


OTHER_HASH = hashlib.sha256(b"other").hexdigest()
EDITED = SOURCE_TEXT + "# edited\n"
BAD_DOCUMENTS: list[tuple[str, Mutator, str]] = [
    (
        "wrong format",
        _set("format", "fhir/bundle"),
        "field 'format': expected 'ejaculatory-disorder-workup/encounter', got 'fhir/bundle'",
    ),
    (
        "missing format",
        _delete("format"),
        "field 'format': required field is missing",
    ),
    (
        "newer version",
        _set("format_version", 2),
        "field 'format_version': this document was written by a newer version "
        "(format_version 2); update the application",
    ),
    (
        "version not an integer",
        _set("format_version", "1"),
        "field 'format_version': expected an integer, got '1'",
    ),
    (
        "version zero",
        _set("format_version", 0),
        "field 'format_version': expected a whole number from 1 to 2147483647, got 0",
    ),
    ("missing patient", _delete("patient"), "field 'patient': required field is missing"),
    (
        "patient not an object",
        _set("patient", ["Ivanov"]),
        "field 'patient': expected an object, got an array",
    ),
    (
        "bad birth date",
        _set("patient.birth_date", "1985-13-01"),
        "field 'patient.birth_date': expected a date as YYYY-MM-DD, got '1985-13-01'",
    ),
    (
        "birth date not padded",
        _set("patient.birth_date", "1985-1-01"),
        "field 'patient.birth_date': expected a date as YYYY-MM-DD, got '1985-1-01'",
    ),
    (
        "blank family name",
        _set("patient.family_name", "  "),
        "field 'patient.family_name': must not be empty",
    ),
    (
        "database id in patient",
        _set("patient.id", 42),
        "field 'patient.id': unknown field",
    ),
    (
        "unknown top-level field",
        _set("exported_at", "2024-03-01T10:00:00+00:00"),
        "field 'exported_at': unknown field",
    ),
    (
        "text answer holding an object",
        _set("answers.hx_notes", {"a b": 1}),
        "field 'answers.hx_notes': expects text",
    ),
    (
        "unknown answer id",
        _set("answers.hx_nope", "yes"),
        "field 'answers.hx_nope': the workflow has no item 'hx_nope'",
    ),
    (
        "answer id needing quotes",
        _set("answers.Fever?", "yes"),
        "field 'answers[\"Fever?\"]': the workflow has no item 'Fever?'",
    ),
    (
        "answer for a check order",
        _set("answers.lab_pemu", True),
        "field 'answers.lab_pemu': item 'lab_pemu' is an order of kind check and has no "
        "answer; its state belongs under 'orders'",
    ),
    (
        "bad ynu value",
        _set("answers.hx_sx_fever", "maybe"),
        "field 'answers.hx_sx_fever': expects one of yes, no, unknown, not 'maybe'",
    ),
    (
        "bad option value",
        _set("answers.hx_onset", "sudden"),
        "field 'answers.hx_onset': 'sudden' is not one of its options",
    ),
    (
        "bad multi option",
        _set("answers.hx_symptoms", ["pain", "itch"]),
        "field 'answers.hx_symptoms': 'itch' is not one of its options",
    ),
    (
        "multi holding an object",
        _set("answers.hx_symptoms", ["pain", {"x": 1}]),
        "field 'answers.hx_symptoms[1]': expected an option value, got an object",
    ),
    (
        "ynu details with extra key",
        _set("answers.hx_med_alpha", {"choice": "yes", "details": "", "dose": 1}),
        "field 'answers.hx_med_alpha': expects an object with 'choice' and 'details'",
    ),
    (
        "number out of bounds",
        _set("answers.sa_volume", "99"),
        "field 'answers.sa_volume': 99 is above the highest possible value 20",
    ),
    (
        "number as JSON number",
        _set("answers.sa_volume", 12.5),
        "field 'answers.sa_volume': expects a number written as a string such as \"12.5\"",
    ),
    (
        "too many decimals",
        _set("answers.sa_volume", "1.125"),
        "field 'answers.sa_volume': 1.125 has more than 2 decimal places",
    ),
    (
        "bad partial date",
        _set("answers.hx_onset_date", "2019-13"),
        "field 'answers.hx_onset_date': '2019-13' is not a valid month or year",
    ),
    (
        "answer datetime with seconds",
        _set("answers.adm_last_ejaculation", "2024-02-27T22:15:00"),
        "field 'answers.adm_last_ejaculation': expects a date and time as YYYY-MM-DDTHH:MM",
    ),
    (
        "order for unknown item",
        _set("orders.lab_nope", {"status": "ordered", "date": None, "note": ""}),
        "field 'orders.lab_nope': the workflow has no item 'lab_nope'",
    ),
    (
        "order for an observation",
        _set("orders.hx_notes", {"status": "ordered", "date": None, "note": ""}),
        "field 'orders.hx_notes': item 'hx_notes' is not an order",
    ),
    (
        "bad order status",
        _set("orders.lab_pemu.status", "pending"),
        "field 'orders.lab_pemu.status': 'pending' is not one of ordered, done_elsewhere, "
        "not_indicated, declined",
    ),
    (
        "bad order date",
        _set("orders.lab_pemu.date", "2024-02-30"),
        "field 'orders.lab_pemu.date': expected a date as YYYY-MM-DD, got '2024-02-30'",
    ),
    (
        "order without note",
        _delete("orders.lab_pemu.note"),
        "field 'orders.lab_pemu.note': required field is missing",
    ),
    (
        "hash mismatch",
        _set("workflow.definition", EDITED),
        f"field 'workflow.content_hash': {SOURCE_HASH} is not the SHA-256 of "
        "'workflow.definition' "
        f"({hashlib.sha256(EDITED.encode()).hexdigest()}); "
        "the definition was changed",
    ),
    (
        "hash not hexadecimal",
        _set("workflow.content_hash", "ABC"),
        "field 'workflow.content_hash': expected 64 lower-case hexadecimal digits, got 'ABC'",
    ),
    (
        "workflow id mismatch",
        _set("workflow.id", "other_workup"),
        "field 'workflow.id': is 'other_workup' but the definition has id 'test_workup'",
    ),
    (
        "workflow version mismatch",
        _set("workflow.version", 2),
        "field 'workflow.version': is 2 but the definition has version 3",
    ),
    (
        "naive datetime",
        _set("encounter.created_at", "2024-03-01T10:00:00"),
        "field 'encounter.created_at': expected a date and time with its UTC offset as "
        "YYYY-MM-DDTHH:MM:SS+00:00, got '2024-03-01T10:00:00'",
    ),
    (
        "datetime out of range in UTC",
        _set("encounter.updated_at", "0001-01-01T00:00:00+05:00"),
        "field 'encounter.updated_at': expected a date and time with its UTC offset as "
        "YYYY-MM-DDTHH:MM:SS+00:00, got '0001-01-01T00:00:00+05:00'",
    ),
    (
        "bad status",
        _set("encounter.status", "closed"),
        "field 'encounter.status': 'closed' is not one of draft, finalized, amending, amended",
    ),
    (
        "bad language",
        _set("encounter.language", "de"),
        "field 'encounter.language': 'de' is not one of en, ru",
    ),
    (
        "negative revision",
        _set("encounter.revision", -1),
        "field 'encounter.revision': expected a whole number from 0 to 2147483647, got -1",
    ),
    (
        "boolean revision",
        _set("encounter.revision", True),
        "field 'encounter.revision': expected an integer, got true",
    ),
    (
        "addenda numbered wrongly",
        _set("encounter.addenda.1.seq", 3),
        "field 'encounter.addenda[1].seq': expected 2 (addenda are numbered 1, 2, ...), got 3",
    ),
    (
        "addendum signed without time",
        _set("encounter.addenda.0.signed_at", None),
        "field 'encounter.addenda[0].signed_at': 'signed_by' and 'signed_at' must both be "
        "given or both null",
    ),
    (
        "open addendum in an amended encounter",
        lambda d: (
            _set("encounter.addenda.1.signed_at", None)(d)
            or _set("encounter.addenda.1.signed_by", None)(d)
        ),
        "field 'encounter.addenda': addendum 2 is unsigned, so the status is amending",
    ),
    (
        "amending without an open addendum",
        _set("encounter.status", "amending"),
        "field 'encounter.addenda': an amending encounter has an unsigned last addendum",
    ),
    (
        "draft with a signature",
        _set("encounter.status", "draft"),
        "field 'encounter.finalized_by': a draft encounter is not finalized yet; expected null",
    ),
    (
        "finalized without signature",
        lambda d: (
            _set("encounter.finalized_by", None)(d) or _set("encounter.finalized_at", None)(d)
        ),
        "field 'encounter.finalized_by': expected who finalized the encounter (status amended)",
    ),
    (
        "finalized time without signer",
        _set("encounter.finalized_by", None),
        "field 'encounter.finalized_at': 'finalized_by' and 'finalized_at' must both be given "
        "or null",
    ),
    (
        "draft with addenda",
        _all(
            _set("encounter.status", "draft"),
            _set("encounter.finalized_by", None),
            _set("encounter.finalized_at", None),
        ),
        "field 'encounter.addenda': a draft encounter has no addenda; expected []",
    ),
    (
        "open addendum before the last",
        _all(
            _set("encounter.addenda.0.signed_by", None), _set("encounter.addenda.0.signed_at", None)
        ),
        "field 'encounter.addenda': addendum 1 is unsigned but is not the last one",
    ),
    (
        "amended without addenda",
        _set("encounter.addenda", []),
        "field 'encounter.addenda': an amended encounter has at least one addendum",
    ),
    (
        "addenda not an array",
        _set("encounter.addenda", {}),
        "field 'encounter.addenda': expected an array, got an object",
    ),
    (
        "revision as a fraction",
        _set("encounter.revision", 3.0),
        "field 'encounter.revision': expected an integer, got the number 3.0",
    ),
    (
        "lone surrogate",
        _set("answers.hx_notes", "bad \ud800 text"),
        "field 'answers.hx_notes': holds text that is not valid Unicode",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [pytest.param(mutate, message, id=name) for name, mutate, message in BAD_DOCUMENTS],
)
def test_bad_document_is_refused_naming_the_field(mutate: Mutator, message: str) -> None:
    document = valid_document()
    mutate(document)
    with pytest.raises(DocumentError) as caught:
        document_to_encounter(document, parse)
    assert str(caught.value) == message


def test_error_carries_path_and_message() -> None:
    document = valid_document()
    document["patient"]["birth_date"] = "1985-13-01"
    with pytest.raises(DocumentError) as caught:
        document_to_encounter(document, parse)
    assert caught.value.path == "patient.birth_date"
    assert caught.value.message == "expected a date as YYYY-MM-DD, got '1985-13-01'"
    assert isinstance(caught.value, InteropError)


def test_unparsable_definition_is_refused() -> None:
    document = valid_document()
    document["workflow"]["definition"] = "garbage = ["
    document["workflow"]["content_hash"] = hashlib.sha256(b"garbage = [").hexdigest()
    with pytest.raises(DocumentError) as caught:
        document_to_encounter(document, parse)
    assert str(caught.value) == (
        "field 'workflow.definition': could not be read as a workflow: "
        "not a known workflow definition"
    )


def test_definition_hashed_differently_by_the_parser_is_refused() -> None:
    def parse_other_hash(text: str) -> Workflow:
        return replace(parse(text), content_hash=OTHER_HASH)

    with pytest.raises(DocumentError) as caught:
        document_to_encounter(valid_document(), parse_other_hash)
    assert str(caught.value) == (
        f"field 'workflow.content_hash': is {SOURCE_HASH} but the workflow parser computed "
        f"{OTHER_HASH}"
    )


def test_newer_version_is_reported_before_unknown_fields() -> None:
    document = valid_document()
    document["format_version"] = 5
    document["signatures"] = []
    with pytest.raises(DocumentError, match=r"format_version 5\); update the application$"):
        document_to_encounter(document, parse)


def test_document_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(DocumentError) as caught:
        document_to_encounter([1, 2], parse)
    assert str(caught.value) == "field '(document)': expected an object, got an array"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            '{"format": ',
            "not a JSON document: line 1 column 12: Expecting value",
            id="truncated",
        ),
        pytest.param(
            '{\n  "format": "x",\n}',
            "not a JSON document: line 3 column 1: "
            "Expecting property name enclosed in double quotes",
            id="trailing comma",
        ),
        pytest.param("", "not a JSON document: line 1 column 1: Expecting value", id="empty"),
        pytest.param(
            '{"a": NaN}', "not a JSON document: NaN is not a JSON number", id="not a number"
        ),
        pytest.param(
            '{"a": 1, "a": 2}', "not a JSON document: key 'a' appears twice", id="duplicate key"
        ),
        pytest.param("[" * 100_000, "not a JSON document: nested too deeply", id="too deep"),
    ],
)
def test_bad_json_is_refused(text: str, message: str) -> None:
    with pytest.raises(DocumentError) as caught:
        loads(text)
    assert str(caught.value) == message
    assert caught.value.path is None


def test_huge_integer_is_refused() -> None:
    with pytest.raises(DocumentError, match=r"^not a JSON document: Exceeds the limit"):
        loads("1" * 5000)


def test_non_utf8_bytes_are_refused() -> None:
    with pytest.raises(DocumentError) as caught:
        loads(b'{"a": "\xff"}')
    assert str(caught.value) == "not a JSON document: not UTF-8 text (byte 0xff at position 7)"


# ---------------------------------------------------------------------------------------
# Encounters that cannot be exported


@pytest.mark.parametrize(
    ("encounter", "workflow", "message"),
    [
        pytest.param(
            make_encounter(created_at=datetime(2024, 3, 1, 9, 30)),
            WORKFLOW,
            "created_at 2024-03-01T09:30:00 has no UTC offset",
            id="naive time",
        ),
        pytest.param(
            make_encounter(workflow_version=2),
            WORKFLOW,
            "encounter 0b5f8a2e-4c1d-4e7a-9a53-1f0c2d3e4b5a was recorded with workflow "
            "test_workup v2, not test_workup v3",
            id="other workflow version",
        ),
        pytest.param(
            make_encounter(workflow_hash=OTHER_HASH),
            WORKFLOW,
            "encounter 0b5f8a2e-4c1d-4e7a-9a53-1f0c2d3e4b5a was recorded with workflow "
            f"content {OTHER_HASH}, not {SOURCE_HASH}",
            id="other workflow content",
        ),
        pytest.param(
            make_encounter(workflow_hash=OTHER_HASH),
            replace(WORKFLOW, content_hash=OTHER_HASH),
            "the content hash of workflow test_workup v3 is not the SHA-256 of its source "
            "text, so the document could not be read back",
            id="hash not of source",
        ),
        pytest.param(
            make_encounter(answers={"hx_gone": "yes"}),
            WORKFLOW,
            "workflow test_workup v3 has no item hx_gone",
            id="unknown item",
        ),
        pytest.param(
            make_encounter(answers={"lab_pemu": True}),
            WORKFLOW,
            "item lab_pemu is an order of kind check and has no answer",
            id="answer of check order",
        ),
        pytest.param(
            make_encounter(answers={"hx_symptoms": ("low_volume", "pain")}),
            WORKFLOW,
            "item hx_symptoms: the answer is not in its canonical form",
            id="choices out of option order",
        ),
        pytest.param(
            make_encounter(answers={"sa_volume": Decimal("25")}),
            WORKFLOW,
            "item sa_volume: the answer is not valid: 25 is above the highest possible value 20",
            id="invalid answer",
        ),
        pytest.param(
            make_encounter(orders={"hx_notes": OrderState(OrderStatus.ORDERED)}),
            WORKFLOW,
            "item hx_notes has an order state but is not an order",
            id="order state of observation",
        ),
    ],
)
def test_unexportable_encounter_is_refused(
    encounter: Encounter, workflow: Workflow, message: str
) -> None:
    with pytest.raises(ExportError) as caught:
        encounter_to_document(encounter, workflow)
    assert str(caught.value) == message


def test_document_survives_json_module_round_trip_unchanged() -> None:
    document = valid_document()
    assert json.loads(dumps(document)) == document
