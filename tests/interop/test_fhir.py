"""Tests of the FHIR export: the Questionnaire of a workflow and the Bundle of an encounter."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.provenance import Provenance
from fhir.resources.R4B.questionnaire import Questionnaire, QuestionnaireItem
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse,
    QuestionnaireResponseItem,
)
from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.servicerequest import ServiceRequest

from app.catalog.loader import load_workflow_file
from app.config import shipped_workflows_dir
from app.domain.encounter import (
    Addendum,
    Encounter,
    EncounterStatus,
    OrderState,
    OrderStatus,
    Patient,
)
from app.domain.rules import is_visible
from app.domain.validation import validate_answer
from app.domain.values import AnswerValue, YnuDetails, display_value, is_empty
from app.domain.workflow import CodeStatus, Item, ItemKind, Workflow
from app.interop import (
    FHIR_VERSION,
    ExportError,
    encounter_bundle,
    encounter_bundle_json,
    questionnaire_canonical,
    questionnaire_response_answers,
    questionnaire_response_orders,
    questionnaire_url,
    workflow_questionnaire,
    workflow_questionnaire_json,
)
from app.interop.fhir import (
    CHART_NUMBER_SYSTEM,
    ITEM_SYSTEM,
    ORDER_STATUS_SYSTEM,
    YNU_SYSTEM,
    option_system,
)

MSK = timezone(timedelta(hours=3))
TODAY = date(2026, 11, 21)
GENERATED = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
ALLOWED_TYPES = {"Patient", "QuestionnaireResponse", "ServiceRequest", "Provenance"}
FORBIDDEN_WORDS = ("diagnos", "abnormal", "likely", "диагноз")


@pytest.fixture(scope="module")
def workflow() -> Workflow:
    """The shipped workflow, loaded from its file."""
    return load_workflow_file(shipped_workflows_dir() / "retrograde_ejaculation.toml")


@pytest.fixture(scope="module")
def questionnaire(workflow: Workflow) -> Questionnaire:
    """The Questionnaire of the shipped workflow."""
    return workflow_questionnaire(workflow)


@pytest.fixture(scope="module")
def questionnaire_json(workflow: Workflow) -> str:
    """The Questionnaire of the shipped workflow as JSON text."""
    return workflow_questionnaire_json(workflow)


# ---------------------------------------------------------------------------------------
# Building an encounter that answers every item


def _condition_values(workflow: Workflow, item: Item) -> list[str]:
    """The values other items' conditions wait for on `item` (so those items get shown)."""
    return [
        str(value)
        for other in workflow.items()
        if other.show_when is not None and other.show_when.item_id == item.id
        for value in other.show_when.values
    ]


def _value_for(workflow: Workflow, item: Item, index: int) -> AnswerValue:
    wanted = _condition_values(workflow, item)
    raw: object
    if item.kind is ItemKind.CHECK:
        raw = index % 3 != 0
    elif item.kind is ItemKind.YNU:
        raw = wanted[0] if wanted else ("yes", "no", "unknown")[index % 3]
    elif item.kind is ItemKind.YNU_DETAILS:
        raw = (
            YnuDetails("yes", f"details of {item.id}: «тест» <&> 10 mg")
            if index % 2
            else YnuDetails(("no", "unknown")[index % 4 // 2])
        )
    elif item.kind is ItemKind.SINGLE:
        values = [option.value for option in item.options]
        chosen = [value for value in wanted if value in values]
        raw = chosen[0] if chosen else values[index % len(values)]
    elif item.kind is ItemKind.MULTI:
        raw = tuple(option.value for option in item.options[:2])
    elif item.kind is ItemKind.TEXT:
        raw = f"Text of {item.id}: Ünïcödé, кириллица, <b>&amp;</b>\nsecond line"
    elif item.kind is ItemKind.NUMBER:
        raw = Decimal("12.5") if item.decimals != 0 else Decimal("12")
    elif item.kind is ItemKind.DATE:
        raw = "2024-05" if item.allow_partial_date else "2024-05-17"
    else:
        raw = "2026-11-20T08:30"
    return validate_answer(item, raw, TODAY)


ORDERED_ON_PURPOSE = {"sa_order", "peu_order", "inst_trus", "lab_other", "lab_psa"}
STATUS_CYCLE = (
    OrderStatus.ORDERED,
    OrderStatus.DONE_ELSEWHERE,
    OrderStatus.NOT_INDICATED,
    OrderStatus.DECLINED,
)


def _orders(workflow: Workflow) -> dict[str, OrderState]:
    orders: dict[str, OrderState] = {}
    for index, item in enumerate(workflow.order_items()):
        status = (
            OrderStatus.ORDERED
            if item.id in ORDERED_ON_PURPOSE
            else STATUS_CYCLE[index % len(STATUS_CYCLE)]
        )
        when = None if index % 2 else date(2026, 11, 21 - index % 5)
        note = f"note for {item.id}" if index % 3 == 0 else ""
        orders[item.id] = OrderState(status, when, note)
    return orders


def _encounter(
    workflow: Workflow,
    answers: dict[str, AnswerValue],
    orders: dict[str, OrderState],
    *,
    status: EncounterStatus = EncounterStatus.AMENDED,
    language: str = "en",
) -> Encounter:
    finalized = status is not EncounterStatus.DRAFT
    addenda: tuple[Addendum, ...] = ()
    if status in (EncounterStatus.AMENDED, EncounterStatus.AMENDING):
        addenda = (
            Addendum(
                1,
                "Partner history added",
                "Dr. Petrova",
                datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
                "Dr. Petrova",
                datetime(2026, 11, 22, 9, 30, tzinfo=UTC),
            ),
        )
        if status is EncounterStatus.AMENDING:
            addenda += (
                Addendum(2, "Typo", "Dr. Petrova", datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
            )
    return Encounter(
        id=7,
        uid="0b6f3c52-5a43-4a8b-9d7e-2f2f6a1b9c01",
        patient=Patient(7, "Иванов", "Иван", date(1985, 3, 14), "CH-0042"),
        workflow_id=workflow.id,
        workflow_version=workflow.version,
        workflow_hash=workflow.content_hash,
        status=status,
        language=language,
        clinician="Dr. Petrova",
        created_at=datetime(2026, 11, 21, 6, 0, tzinfo=UTC),
        updated_at=datetime(2026, 11, 22, 9, 30, tzinfo=UTC),
        revision=12,
        answers=answers,
        orders=orders,
        finalized_by="Dr. Petrova" if finalized else None,
        finalized_at=datetime(2026, 11, 21, 11, 0, tzinfo=UTC) if finalized else None,
        addenda=addenda,
    )


def _full_answers(workflow: Workflow) -> dict[str, AnswerValue]:
    answers: dict[str, AnswerValue] = {}
    for index, item in enumerate(workflow.items()):
        if item.is_order and item.kind is ItemKind.CHECK:
            continue
        answers[item.id] = _value_for(workflow, item, index)
    answers["peu_alkalinisation"] = False  # hides the answered peu_alkalinisation_details
    return answers


@pytest.fixture(scope="module")
def encounter(workflow: Workflow) -> Encounter:
    """An amended encounter answering every item, with orders in every status."""
    return _encounter(workflow, _full_answers(workflow), _orders(workflow))


@pytest.fixture(scope="module")
def bundle(encounter: Encounter, workflow: Workflow) -> Bundle:
    """The Bundle of `encounter`, datetimes in Moscow time."""
    return encounter_bundle(encounter, workflow, GENERATED, local_zone=MSK)


def _resources(bundle: Bundle) -> list[Resource]:
    return [entry.resource for entry in bundle.entry or [] if entry.resource is not None]


def _of_type(bundle: Bundle, kind: type[Any]) -> list[Any]:
    return [resource for resource in _resources(bundle) if isinstance(resource, kind)]


def _response(bundle: Bundle) -> QuestionnaireResponse:
    (response,) = _of_type(bundle, QuestionnaireResponse)
    assert isinstance(response, QuestionnaireResponse)
    return response


def _expected_answers(encounter: Encounter, workflow: Workflow) -> dict[str, AnswerValue]:
    """What the response must hold: answers of shown items, not empty, no check orders."""
    return {
        item_id: value
        for item_id, value in encounter.answers.items()
        if is_visible(workflow, workflow.item(item_id), encounter.answers, encounter.orders)
        and not is_empty(value)
        and not (workflow.item(item_id).is_order and encounter.orders.get(item_id) is None)
    }


def _questions(items: list[QuestionnaireItem] | None) -> Iterator[QuestionnaireItem]:
    for question in items or []:
        yield question
        yield from _questions(question.item)


def _response_items(items: list[QuestionnaireResponseItem] | None) -> Iterator[Any]:
    for entry in items or []:
        yield entry
        yield from _response_items(entry.item)
        for answer in entry.answer or []:
            yield from _response_items(answer.item)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for child in value.values():
            yield from _strings(child)
    elif isinstance(value, list):
        for child in value:
            yield from _strings(child)


def _workflow_texts(workflow: Workflow) -> list[str]:
    texts = [workflow.title.en, workflow.title.ru or ""]
    for section in workflow.sections:
        texts += [section.title.en, section.title.ru or ""]
    for item in workflow.items():
        texts += [item.label.en, item.label.ru or ""]
        for option in item.options:
            texts += [option.value, option.label.en, option.label.ru or ""]
    if workflow.description:
        texts += [workflow.description.en, workflow.description.ru or ""]
    return sorted({text for text in texts if text}, key=len, reverse=True)


def _assert_nothing_interpretive(text: str, workflow: Workflow) -> None:
    """No forbidden word in any string, once the workflow's own wording is taken out."""
    own = _workflow_texts(workflow)
    for string in _strings(json.loads(text)):
        for phrase in own:
            string = string.replace(phrase, "")
        lowered = string.lower()
        for word in FORBIDDEN_WORDS:
            assert word not in lowered, string


# ---------------------------------------------------------------------------------------
# The Questionnaire


def test_questionnaire_round_trips_through_json(
    questionnaire: Questionnaire, questionnaire_json: str
) -> None:
    assert questionnaire_json == questionnaire.model_dump_json(indent=2) + "\n"
    parsed = Questionnaire.model_validate_json(questionnaire_json)
    assert parsed.model_dump_json(indent=2) + "\n" == questionnaire_json
    assert json.loads(questionnaire_json)["resourceType"] == "Questionnaire"


def test_questionnaire_header(workflow: Workflow, questionnaire: Questionnaire) -> None:
    assert FHIR_VERSION == "4.0.1"
    assert questionnaire.url == questionnaire_url(workflow)
    assert questionnaire.url == f"urn:ejaculatory-disorder-workup:questionnaire:{workflow.id}"
    assert questionnaire.version == str(workflow.version)
    assert questionnaire_canonical(workflow) == f"{questionnaire.url}|{workflow.version}"
    assert questionnaire.status == "active"
    assert questionnaire.title == workflow.title.en
    assert questionnaire.name == "RetrogradeEjaculation"


def test_questionnaire_has_every_section_and_item_in_order(
    workflow: Workflow, questionnaire: Questionnaire
) -> None:
    groups = questionnaire.item or []
    assert [group.linkId for group in groups] == [section.id for section in workflow.sections]
    for group, section in zip(groups, workflow.sections, strict=True):
        assert group.type == "group"
        assert group.text == section.title.en
        expected: list[str] = []
        for item in section.items:
            expected.append(item.id)
            if item.is_order and item.kind is not ItemKind.CHECK:
                expected.append(f"{item.id}_text")
        assert [question.linkId for question in group.item or []] == expected
    link_ids = [question.linkId for question in _questions(questionnaire.item)]
    assert len(link_ids) == len(set(link_ids))
    assert {item.id for item in workflow.items()} <= set(link_ids)


def test_questionnaire_item_types_options_codes_and_required(
    workflow: Workflow, questionnaire: Questionnaire
) -> None:
    by_id = {question.linkId: question for question in _questions(questionnaire.item)}
    types = {
        ItemKind.CHECK: "boolean",
        ItemKind.YNU: "choice",
        ItemKind.YNU_DETAILS: "choice",
        ItemKind.SINGLE: "choice",
        ItemKind.MULTI: "choice",
        ItemKind.TEXT: "text",
        ItemKind.NUMBER: "decimal",
        ItemKind.DATE: "date",
        ItemKind.DATETIME: "dateTime",
    }
    for item in workflow.items():
        question = by_id[item.id]
        assert question.text == item.label.en
        assert bool(question.required) == item.required
        options = [
            (option.valueCoding.system, option.valueCoding.code)
            for option in question.answerOption or []
            if option.valueCoding is not None
        ]
        assert len(options) == len(question.answerOption or [])
        if item.is_order:
            assert question.type == "choice"
            assert options == [(ORDER_STATUS_SYSTEM, status.value) for status in OrderStatus]
            if item.kind is not ItemKind.CHECK:
                text = by_id[f"{item.id}_text"]
                assert text.type == "string"
                (when,) = text.enableWhen or []
                assert (when.question, when.operator, when.answerBoolean) == (
                    item.id,
                    "exists",
                    True,
                )
        else:
            assert question.type == types[item.kind]
            assert bool(question.repeats) == (item.kind is ItemKind.MULTI)
        if not item.is_order and item.kind in (ItemKind.YNU, ItemKind.YNU_DETAILS):
            assert options == [(YNU_SYSTEM, value) for value in ("yes", "no", "unknown")]
        if not item.is_order and item.kind in (ItemKind.SINGLE, ItemKind.MULTI):
            assert options == [(option_system(item), option.value) for option in item.options]
            assert option_system(item) == f"urn:ejaculatory-disorder-workup:list:{item.option_list}"
        if item.kind is ItemKind.YNU_DETAILS:
            (child,) = question.item or []
            assert (child.linkId, child.type) == (f"{item.id}_details", "string")
        codes = [(coding.system, coding.code) for coding in question.code or []]
        verified = item.code_status is CodeStatus.VERIFIED
        assert codes == ([(c.system, c.code) for c in item.codes] if verified else [])


def test_questionnaire_carries_russian_translations(questionnaire_json: str) -> None:
    data = json.loads(questionnaire_json)
    translation = data["_title"]["extension"][0]
    assert translation["url"] == "http://hl7.org/fhir/StructureDefinition/translation"
    assert {"url": "lang", "valueCode": "ru"} in translation["extension"]


def test_enable_when_reproduces_every_show_when(
    workflow: Workflow, questionnaire: Questionnaire
) -> None:
    by_id = {question.linkId: question for question in _questions(questionnaire.item)}
    conditions = 0
    for item in workflow.items():
        question = by_id[item.id]
        if item.show_when is None:
            assert not question.enableWhen
            continue
        conditions += 1
        condition = item.show_when
        target = workflow.item(condition.item_id)
        found: set[tuple[object, str, object]] = set()
        for when in question.enableWhen or []:
            assert when.question == condition.item_id
            if when.answerCoding is not None:
                found.add((when.operator, str(when.answerCoding.system), when.answerCoding.code))
            else:
                found.add((when.operator, "boolean", when.answerBoolean))
        if target.is_order:
            system = ORDER_STATUS_SYSTEM
        elif target.kind in (ItemKind.YNU, ItemKind.YNU_DETAILS):
            system = YNU_SYSTEM
        else:
            system = option_system(target)
        expected = {
            ("=", "boolean", value) if isinstance(value, bool) else ("=", system, value)
            for value in condition.values
        }
        assert found == expected
        assert question.enableBehavior == ("any" if len(found) > 1 else None)
    assert conditions >= 7


def test_questionnaire_number_items_carry_unit_and_bounds(
    workflow: Workflow, questionnaire: Questionnaire
) -> None:
    by_id = {question.linkId: question for question in _questions(questionnaire.item)}
    item = workflow.item("hx_diabetes_years")
    extensions = {ext.url: ext for ext in by_id[item.id].extension or []}
    unit = extensions["http://hl7.org/fhir/StructureDefinition/questionnaire-unit"]
    assert unit.valueCoding is not None
    assert unit.valueCoding.display == item.unit
    assert extensions["http://hl7.org/fhir/StructureDefinition/minValue"].valueDecimal == 0
    assert extensions["http://hl7.org/fhir/StructureDefinition/maxValue"].valueDecimal == 120


def test_questionnaire_says_nothing_interpretive(
    workflow: Workflow, questionnaire_json: str
) -> None:
    _assert_nothing_interpretive(questionnaire_json, workflow)


def test_clashing_generated_link_id_is_refused(workflow: Workflow) -> None:
    section = workflow.sections[1]
    ynu_details = next(item for item in section.items if item.kind is ItemKind.YNU_DETAILS)
    clash = section.items[0]._replace(id=f"{ynu_details.id}_details", show_when=None)
    sections = list(workflow.sections)
    sections[1] = section._replace(items=(*section.items, clash))
    broken = Workflow(workflow.id, workflow.version, workflow.title, tuple(sections))
    with pytest.raises(ExportError, match=f"{ynu_details.id}_details"):
        workflow_questionnaire(broken)


# ---------------------------------------------------------------------------------------
# The Bundle


def test_bundle_and_every_resource_round_trip_through_json(
    encounter: Encounter, workflow: Workflow, bundle: Bundle
) -> None:
    text = encounter_bundle_json(encounter, workflow, GENERATED, local_zone=MSK)
    assert text == bundle.model_dump_json(indent=2) + "\n"
    parsed = Bundle.model_validate_json(text)
    assert parsed.model_dump(mode="json") == bundle.model_dump(mode="json")
    assert parsed.type == "collection"
    assert parsed.timestamp == GENERATED
    classes: dict[str, type[Any]] = {
        "Patient": FhirPatient,
        "QuestionnaireResponse": QuestionnaireResponse,
        "ServiceRequest": ServiceRequest,
        "Provenance": Provenance,
    }
    for entry in json.loads(text)["entry"]:
        resource = entry["resource"]
        model = classes[resource["resourceType"]]
        again = model.model_validate_json(json.dumps(resource))
        assert again.model_dump(mode="json") == resource
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"


def test_bundle_is_deterministic(encounter: Encounter, workflow: Workflow) -> None:
    first = encounter_bundle_json(encounter, workflow, GENERATED, local_zone=MSK)
    assert first == encounter_bundle_json(encounter, workflow, GENERATED, local_zone=MSK)


def test_bundle_holds_only_the_listed_resource_types(bundle: Bundle) -> None:
    types = [resource.get_resource_type() for resource in _resources(bundle)]
    assert set(types) <= ALLOWED_TYPES
    assert types.count("Patient") == 1
    assert types.count("QuestionnaireResponse") == 1
    assert "Condition" not in types


def test_bundle_says_nothing_interpretive(
    encounter: Encounter, workflow: Workflow, bundle: Bundle
) -> None:
    text = bundle.model_dump_json()
    _assert_nothing_interpretive(text, workflow)
    assert '"Condition"' not in text


def test_references_resolve_inside_the_bundle(bundle: Bundle) -> None:
    urls = {entry.fullUrl for entry in bundle.entry or []}
    data = bundle.model_dump(mode="json")
    references = [
        value
        for entry in data["entry"]
        for key, value in _pairs(entry["resource"])
        if key == "reference"
    ]
    assert references
    assert set(references) <= urls


def _pairs(value: object) -> Iterator[tuple[str, object]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield key, child
            yield from _pairs(child)
    elif isinstance(value, list):
        for child in value:
            yield from _pairs(child)


def test_patient(bundle: Bundle, encounter: Encounter) -> None:
    (patient,) = _of_type(bundle, FhirPatient)
    (name,) = patient.name
    assert (name.family, name.given) == ("Иванов", ["Иван"])
    assert patient.birthDate == date(1985, 3, 14)
    (identifier,) = patient.identifier
    assert (identifier.system, identifier.value) == (CHART_NUMBER_SYSTEM, "CH-0042")


def test_patient_without_chart_number_has_no_identifier(
    encounter: Encounter, workflow: Workflow
) -> None:
    bare = replace(encounter, patient=encounter.patient._replace(chart_number="", given_name=""))
    (patient,) = _of_type(encounter_bundle(bare, workflow, GENERATED), FhirPatient)
    assert patient.identifier is None
    assert patient.name[0].given is None


def test_response_header(bundle: Bundle, encounter: Encounter, workflow: Workflow) -> None:
    response = _response(bundle)
    assert response.status == "amended"
    assert response.questionnaire == questionnaire_canonical(workflow)
    assert response.authored == encounter.updated_at
    assert response.author is not None
    assert response.author.display == "Dr. Petrova"
    assert response.identifier is not None
    assert response.identifier.value == encounter.uid
    (patient,) = _of_type(bundle, FhirPatient)
    assert response.subject is not None
    assert response.subject.reference == f"urn:uuid:{patient.id}"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (EncounterStatus.DRAFT, "in-progress"),
        (EncounterStatus.FINALIZED, "completed"),
        (EncounterStatus.AMENDING, "in-progress"),
        (EncounterStatus.AMENDED, "amended"),
    ],
)
def test_response_status_and_one_provenance_per_signature(
    workflow: Workflow, status: EncounterStatus, expected: str
) -> None:
    encounter = _encounter(workflow, {}, {}, status=status)
    bundle = encounter_bundle(encounter, workflow, GENERATED)
    assert _response(bundle).status == expected
    signatures = {
        EncounterStatus.DRAFT: 0,
        EncounterStatus.FINALIZED: 1,
        EncounterStatus.AMENDING: 2,  # the open second addendum is not signed yet
        EncounterStatus.AMENDED: 2,
    }
    assert len(_of_type(bundle, Provenance)) == signatures[status]


def test_provenance_of_finalizing_and_of_the_addendum(bundle: Bundle) -> None:
    finalized, addendum = _of_type(bundle, Provenance)
    response = _response(bundle)
    requests = _of_type(bundle, ServiceRequest)
    for provenance in (finalized, addendum):
        targets = [target.reference for target in provenance.target]
        assert targets[0] == f"urn:uuid:{response.id}"
        assert targets[1:] == [f"urn:uuid:{request.id}" for request in requests]
        (agent,) = provenance.agent
        assert agent.who.display == "Dr. Petrova"
        assert agent.type.coding[0].code == "attester"
    assert finalized.recorded == datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
    assert addendum.recorded == datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    assert addendum.occurredPeriod.start == datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    assert addendum.reason[0].text == "Partner history added"


def test_every_item_kind_is_answered_in_the_test_encounter(
    encounter: Encounter, workflow: Workflow
) -> None:
    expected = _expected_answers(encounter, workflow)
    kinds = {workflow.item(item_id).kind for item_id in expected}
    assert kinds == set(ItemKind)
    assert {state.status for state in encounter.orders.values()} == set(OrderStatus)
    assert len(expected) < len(encounter.answers)  # some answered items are hidden


def test_response_answers_round_trip(
    bundle: Bundle, encounter: Encounter, workflow: Workflow
) -> None:
    parsed = Bundle.model_validate_json(bundle.model_dump_json())
    response = _response(parsed)
    answers = questionnaire_response_answers(response, workflow, local_zone=MSK)
    assert answers == _expected_answers(encounter, workflow)


def test_order_statuses_round_trip(
    bundle: Bundle, encounter: Encounter, workflow: Workflow
) -> None:
    statuses = questionnaire_response_orders(_response(bundle), workflow)
    assert statuses == {item_id: state.status for item_id, state in encounter.orders.items()}


def test_answers_are_typed_per_kind(
    bundle: Bundle, encounter: Encounter, workflow: Workflow
) -> None:
    expected = _expected_answers(encounter, workflow)
    entries = {entry.linkId: entry for entry in _response_items(_response(bundle).item)}
    for item_id, value in expected.items():
        item = workflow.item(item_id)
        if item.is_order:
            (answer,) = entries[f"{item_id}_text"].answer
            assert answer.valueString == value
            continue
        answers = entries[item_id].answer
        first = answers[0]
        if item.kind is ItemKind.CHECK:
            assert first.valueBoolean is value
        elif item.kind is ItemKind.YNU:
            assert (first.valueCoding.system, first.valueCoding.code) == (YNU_SYSTEM, value)
        elif item.kind is ItemKind.YNU_DETAILS:
            assert isinstance(value, YnuDetails)
            assert first.valueCoding.code == value.choice
            nested = [(child.linkId, child.answer[0].valueString) for child in first.item or []]
            assert nested == ([(f"{item_id}_details", value.details)] if value.details else [])
        elif item.kind is ItemKind.SINGLE:
            assert isinstance(value, str)
            coding = first.valueCoding
            assert (coding.system, coding.code) == (option_system(item), value)
            assert coding.display == item.option_label(value, "en")
        elif item.kind is ItemKind.MULTI:
            assert [answer.valueCoding.code for answer in answers] == list(value)  # type: ignore[arg-type]
        elif item.kind is ItemKind.TEXT:
            assert first.valueString == value
        elif item.kind is ItemKind.NUMBER:
            assert first.valueDecimal == value
        elif item.kind is ItemKind.DATE:
            written = first.valueDate
            assert (written.isoformat() if isinstance(written, date) else written) == value
        else:
            assert first.valueDateTime == datetime(2026, 11, 20, 8, 30, tzinfo=MSK)


def test_response_json_spells_dates_and_times_as_fhir_does(bundle: Bundle) -> None:
    text = bundle.model_dump_json()
    assert '"valueDate":"2024-05"' in text  # a partial date stays partial
    assert '"valueDateTime":"2026-11-20T08:30:00+03:00"' in text
    assert '"valueDecimal":12.5' in text


def test_datetime_answers_default_to_the_local_zone_of_this_computer(
    encounter: Encounter, workflow: Workflow
) -> None:
    bundle = encounter_bundle(encounter, workflow, GENERATED)
    response = _response(bundle)
    answers = questionnaire_response_answers(response, workflow)
    assert answers["sa_collection_datetime"] == "2026-11-20T08:30"
    moment = next(
        entry.answer[0].valueDateTime
        for entry in _response_items(response.item)
        if entry.linkId == "sa_collection_datetime"
    )
    assert moment.utcoffset() == datetime(2026, 11, 20, 8, 30).astimezone().utcoffset()


def test_hidden_and_empty_answers_are_left_out(encounter: Encounter, workflow: Workflow) -> None:
    answers = dict(encounter.answers)
    answers["hx_sx_semen_leakage"] = "no"  # hides the leakage section's items
    answers["visit_main_complaint"] = "   "
    bundle = encounter_bundle(replace(encounter, answers=answers), workflow, GENERATED)
    link_ids = {entry.linkId for entry in _response_items(_response(bundle).item)}
    assert "leak_when" not in link_ids
    assert "visit_main_complaint" not in link_ids
    assert "hx_sx_semen_leakage" in link_ids


def test_one_service_request_per_ordered_or_done_elsewhere_order(
    bundle: Bundle, encounter: Encounter, workflow: Workflow
) -> None:
    requests = _of_type(bundle, ServiceRequest)
    wanted = [
        item
        for item in workflow.order_items()
        if encounter.orders[item.id].status in (OrderStatus.ORDERED, OrderStatus.DONE_ELSEWHERE)
    ]
    assert len(requests) == len(wanted)
    patient_url = f"urn:uuid:{_of_type(bundle, FhirPatient)[0].id}"
    response_url = f"urn:uuid:{_response(bundle).id}"
    for request, item in zip(requests, wanted, strict=True):
        state = encounter.orders[item.id]
        ordered = state.status is OrderStatus.ORDERED
        assert request.status == ("active" if ordered else "completed")
        assert request.intent == "order"
        assert request.subject.reference == patient_url
        assert [info.reference for info in request.supportingInfo] == [response_url]
        codings = [(c.system, c.code, c.display) for c in request.code.coding]
        verified = item.code_status is CodeStatus.VERIFIED
        own = (ITEM_SYSTEM, item.id, item.label.en)
        assert codings == [
            *((c.system, c.code, c.display) for c in item.codes if verified),
            own,
        ]
        if ordered:
            assert request.authoredOn == (state.date or date(2026, 11, 21))
            assert request.occurrenceDateTime is None
            assert request.requester.display == "Dr. Petrova"
        else:
            assert request.authoredOn is None
            assert request.occurrenceDateTime == state.date
        notes = [note.text for note in request.note or []]
        assert notes == ([state.note] if state.note else [])
        assert bool(request.patientInstruction) == (ordered and bool(item.instructions))


def test_verified_codes_reach_the_service_requests(bundle: Bundle) -> None:
    by_item = {
        next(c.code for c in request.code.coding if c.system == ITEM_SYSTEM): request
        for request in _of_type(bundle, ServiceRequest)
    }
    psa = [(c.system, c.code) for c in by_item["lab_psa"].code.coding]
    assert ("http://loinc.org", "2857-1") in psa
    assert ("http://snomed.info/sct", "63476009") in psa


def test_order_details_and_text_order(
    bundle: Bundle, encounter: Encounter, workflow: Workflow
) -> None:
    by_item = {
        next(c.code for c in request.code.coding if c.system == ITEM_SYSTEM): request
        for request in _of_type(bundle, ServiceRequest)
    }
    semen = by_item["sa_order"]
    details = [detail.text for detail in semen.orderDetail or []]
    expected = [
        f"{detail.label.en}: {display_value(detail, encounter.answers[detail.id], 'en')}"
        for detail in workflow.details_of("sa_order")
        if detail.id in encounter.answers
    ]
    assert details == expected
    assert details
    other = by_item["lab_other"]
    assert (
        other.code.text
        == f"{workflow.item('lab_other').label.en}: {encounter.answers['lab_other']}"
    )


def test_patient_instruction_fills_placeholders(encounter: Encounter, workflow: Workflow) -> None:
    def instruction(answers: dict[str, AnswerValue], language: str) -> str:
        changed = replace(encounter, answers=answers, language=language)
        bundle = encounter_bundle(changed, workflow, GENERATED)
        (request,) = [
            request
            for request in _of_type(bundle, ServiceRequest)
            if any(c.code == "peu_order" for c in request.code.coding)
        ]
        return str(request.patientInstruction)

    # the diagnostic page of its own (not the combined one, not the catheter one)
    base = dict(encounter.answers, peu_purpose="diagnostic", peu_same_visit_sa=False)
    answered = instruction(base, "en")
    chosen = display_value(workflow.item("peu_pre_void"), base["peu_pre_void"], "en")
    assert f"Before masturbating: {chosen}." in answered
    assert "{item:" not in answered
    assert "#." not in answered
    without = dict(base)
    del without["peu_pre_void"]
    assert "Before masturbating: as your laboratory instructs." in instruction(without, "en")
    russian = instruction(without, "ru")
    assert "Перед мастурбацией: по указанию лаборатории." in russian
    assert russian.startswith("До визита\n1. Перед анализом воздерживайтесь")


def test_declined_and_not_indicated_orders_have_no_service_request(
    bundle: Bundle, encounter: Encounter
) -> None:
    skipped = {
        item_id
        for item_id, state in encounter.orders.items()
        if state.status in (OrderStatus.DECLINED, OrderStatus.NOT_INDICATED)
    }
    assert skipped
    requested = {
        coding.code
        for request in _of_type(bundle, ServiceRequest)
        for coding in request.code.coding
        if coding.system == ITEM_SYSTEM
    }
    assert not skipped & requested


def test_wrong_workflow_is_refused(encounter: Encounter, workflow: Workflow) -> None:
    with pytest.raises(ExportError, match="recorded with workflow"):
        encounter_bundle(replace(encounter, workflow_version=99), workflow, GENERATED)
    with pytest.raises(ExportError, match="has no item"):
        encounter_bundle(replace(encounter, answers={"no_such_item": True}), workflow, GENERATED)


def test_times_without_offset_are_refused(encounter: Encounter, workflow: Workflow) -> None:
    with pytest.raises(ExportError, match="generated_at"):
        encounter_bundle(encounter, workflow, datetime(2026, 11, 21, 15, 0))
    naive = replace(encounter, updated_at=datetime(2026, 11, 22, 9, 30))
    with pytest.raises(ExportError, match="updated_at"):
        encounter_bundle(naive, workflow, GENERATED)


def test_control_characters_are_replaced(encounter: Encounter, workflow: Workflow) -> None:
    answers = dict(encounter.answers)
    answers["visit_main_complaint"] = "bell \x07 tab\tline\r\n"
    bundle = encounter_bundle(replace(encounter, answers=answers), workflow, GENERATED)
    read = questionnaire_response_answers(_response(bundle), workflow)
    assert read["visit_main_complaint"] == "bell \ufffd tab\tline\r\n"


@pytest.mark.parametrize(
    ("item_id", "value"),
    [("sa_collection_datetime", "yesterday"), ("hx_onset_date", "2024-13"), ("hx_diabetes", "x")],
)
def test_answers_that_do_not_fit_their_item_are_refused(
    encounter: Encounter, workflow: Workflow, item_id: str, value: str
) -> None:
    answers = {**encounter.answers, item_id: value}
    with pytest.raises(ExportError):
        encounter_bundle(replace(encounter, answers=answers), workflow, GENERATED)
