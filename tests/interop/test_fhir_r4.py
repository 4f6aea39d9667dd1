"""The FHIR export checked against FHIR R4 (4.0.1) with an independent model library.

`fhirclient` (SMART on FHIR) has models generated from the R4 4.0.1 definitions, apart from
the `fhir.resources` R4B models the export is built with. Parsing in strict mode (the
default) raises FHIRValidationError for:

- a key that the R4 element does not have (an element only R4B or R5 has, a misspelling);
- a missing element that R4 requires (minimum cardinality 1, including a required choice
  such as `value[x]`);
- a list where R4 allows one value, or one value where R4 wants a list;
- a JSON type that does not fit the element (a string for a boolean or a number, an object
  for a string);
- a date, dateTime or instant that does not match the R4 regular expression;
- an entry resource whose resourceType R4 does not have, unless it holds nothing but an id
  (checked here by requiring the R4 class of every entry).

It does not check codes against value sets, invariants, the patterns of code, id and uri,
or what primitive extensions (`_text`, `_display`) hold. The primitive extensions are
parsed here with the R4 Element model, and empty values, which R4 JSON forbids, are looked
for separately; `fhir.resources` checks the string patterns when the export is built.
"""

from __future__ import annotations

import copy
import inspect
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from fhirclient.models import element as r4_element
from fhirclient.models import fhirabstractbase
from fhirclient.models.bundle import Bundle as R4Bundle
from fhirclient.models.patient import Patient as R4Patient
from fhirclient.models.provenance import Provenance as R4Provenance
from fhirclient.models.questionnaire import Questionnaire as R4Questionnaire
from fhirclient.models.questionnaireresponse import (
    QuestionnaireResponse as R4QuestionnaireResponse,
)
from fhirclient.models.servicerequest import ServiceRequest as R4ServiceRequest

from app.catalog.loader import load_workflow_file
from app.config import shipped_workflows_dir
from app.domain.encounter import EncounterStatus
from app.domain.workflow import Workflow
from app.interop import FHIR_VERSION, encounter_bundle_json, workflow_questionnaire_json
from tests.interop.test_fhir import GENERATED, MSK, _encounter, _full_answers, _orders

FHIRValidationError = fhirabstractbase.FHIRValidationError
R4_CLASSES: dict[str, type[Any]] = {
    "Patient": R4Patient,
    "QuestionnaireResponse": R4QuestionnaireResponse,
    "ServiceRequest": R4ServiceRequest,
    "Provenance": R4Provenance,
}


@pytest.fixture(scope="module")
def workflow() -> Workflow:
    """The shipped workflow, loaded from its file."""
    return load_workflow_file(shipped_workflows_dir() / "retrograde_ejaculation.toml")


@pytest.fixture(scope="module")
def questionnaire_data(workflow: Workflow) -> dict[str, Any]:
    """The Questionnaire of the shipped workflow, as parsed JSON."""
    data: dict[str, Any] = json.loads(workflow_questionnaire_json(workflow))
    return data


def _bundle_data(
    workflow: Workflow, status: EncounterStatus = EncounterStatus.AMENDED, language: str = "en"
) -> dict[str, Any]:
    encounter = _encounter(
        workflow, _full_answers(workflow), _orders(workflow), status=status, language=language
    )
    data: dict[str, Any] = json.loads(
        encounter_bundle_json(encounter, workflow, GENERATED, local_zone=MSK)
    )
    return data


@pytest.fixture(scope="module")
def bundle_data(workflow: Workflow) -> dict[str, Any]:
    """The Bundle of an amended encounter answering every item, with orders in every status."""
    return _bundle_data(workflow)


def _without_primitive_extensions(value: object) -> object:
    """`value` without the `_name` keys, which the R4 models check but do not keep."""
    if isinstance(value, dict):
        return {
            key: _without_primitive_extensions(child)
            for key, child in value.items()
            if not key.startswith("_")
        }
    if isinstance(value, list):
        return [_without_primitive_extensions(child) for child in value]
    return value


def _primitive_extensions(value: object) -> Iterator[tuple[str, object]]:
    if isinstance(value, dict):
        for key, child in value.items():
            if key.startswith("_"):
                yield key, child
            yield from _primitive_extensions(child)
    elif isinstance(value, list):
        for child in value:
            yield from _primitive_extensions(child)


def _assert_valid_r4(model: type[Any], data: dict[str, Any]) -> Any:
    """`data` parsed strictly with the R4 `model`; everything in it is kept by the model."""
    parsed = model(copy.deepcopy(data), strict=True)
    assert isinstance(parsed, model)
    assert parsed.as_json() == _without_primitive_extensions(data)
    for key, extension in _primitive_extensions(data):
        for one in extension if isinstance(extension, list) else [extension]:
            if one is not None:
                assert isinstance(one, dict), key
                r4_element.Element(one, strict=True)
    return parsed


def _empty_values(value: object, path: str = "") -> Iterator[str]:
    """Paths of nulls, empty strings, empty objects and empty arrays (R4 JSON forbids them)."""
    if value is None or value in ("", {}, []):
        yield path or "(root)"
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from _empty_values(child, f"{path}.{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            if child is not None or not path.rsplit(".", 1)[-1].startswith("_"):
                yield from _empty_values(child, f"{path}[{index}]")


def test_the_checking_models_are_r4_4_0_1() -> None:
    for model in (R4Bundle, R4Questionnaire, *R4_CLASSES.values()):
        header = inspect.getsourcelines(inspect.getmodule(model))[0][0]  # type: ignore[arg-type]
        assert header.startswith(f"# Generated from FHIR {FHIR_VERSION}-"), header


def test_questionnaire_is_valid_r4(questionnaire_data: dict[str, Any]) -> None:
    parsed = _assert_valid_r4(R4Questionnaire, questionnaire_data)
    assert parsed.item
    assert any(key == "_text" for key, _ in _primitive_extensions(questionnaire_data))
    assert list(_empty_values(questionnaire_data)) == []


@pytest.mark.parametrize("status", list(EncounterStatus))
@pytest.mark.parametrize("language", ["en", "ru"])
def test_bundle_and_each_resource_are_valid_r4(
    workflow: Workflow, status: EncounterStatus, language: str
) -> None:
    data = _bundle_data(workflow, status, language)
    parsed = _assert_valid_r4(R4Bundle, data)
    assert len(parsed.entry) == len(data["entry"])
    for entry, parsed_entry in zip(data["entry"], parsed.entry, strict=True):
        resource = entry["resource"]
        model = R4_CLASSES[resource["resourceType"]]
        assert isinstance(parsed_entry.resource, model)
        _assert_valid_r4(model, resource)
    assert list(_empty_values(data)) == []
    types = {entry["resource"]["resourceType"] for entry in data["entry"]}
    assert types <= set(R4_CLASSES)
    assert {"Patient", "QuestionnaireResponse", "ServiceRequest"} <= types


def test_every_resource_names_its_r4_definition(
    bundle_data: dict[str, Any], questionnaire_data: dict[str, Any]
) -> None:
    resources = [
        bundle_data,
        questionnaire_data,
        *(entry["resource"] for entry in bundle_data["entry"]),
    ]
    for resource in resources:
        kind = resource["resourceType"]
        assert resource["meta"] == {
            "profile": [f"http://hl7.org/fhir/StructureDefinition/{kind}|4.0.1"]
        }


def test_patient_without_a_name_has_no_empty_name(workflow: Workflow) -> None:
    encounter = _encounter(workflow, {}, {}, status=EncounterStatus.DRAFT)
    nameless = replace(
        encounter, patient=encounter.patient._replace(family_name=" ", given_name="")
    )
    data = json.loads(encounter_bundle_json(nameless, workflow, GENERATED))
    patient = data["entry"][0]["resource"]
    assert patient["resourceType"] == "Patient"
    assert "name" not in patient
    _assert_valid_r4(R4Patient, patient)
    assert list(_empty_values(data)) == []


def _first(data: dict[str, Any], resource_type: str) -> dict[str, Any]:
    resource: dict[str, Any] = next(
        entry["resource"]
        for entry in data["entry"]
        if entry["resource"]["resourceType"] == resource_type
    )
    return resource


def _r5_answer_constraint(data: dict[str, Any]) -> None:
    data["item"][0]["item"][0]["answerConstraint"] = "optionsOnly"


def _r4b_extension_type(data: dict[str, Any]) -> None:
    data["item"][0]["item"][0]["extension"] = [
        {"url": "http://example.org/x", "valueCodeableReference": {"concept": {"text": "x"}}}
    ]


def _required_as_text(data: dict[str, Any]) -> None:
    data["item"][0]["item"][0]["required"] = "true"


def _request_without_intent(data: dict[str, Any]) -> None:
    del _first(data, "ServiceRequest")["intent"]


def _r5_identifier_list(data: dict[str, Any]) -> None:
    response = _first(data, "QuestionnaireResponse")
    response["identifier"] = [response["identifier"]]


def _r5_order_detail(data: dict[str, Any]) -> None:
    _first(data, "ServiceRequest")["orderDetail"] = [
        {"parameter": [{"code": {"text": "x"}, "valueString": "y"}]}
    ]


def _signer_without_who(data: dict[str, Any]) -> None:
    del _first(data, "Provenance")["agent"][0]["who"]


def _local_birth_date(data: dict[str, Any]) -> None:
    _first(data, "Patient")["birthDate"] = "14.03.1985"


def _time_without_offset(data: dict[str, Any]) -> None:
    _first(data, "Provenance")["recorded"] = "2026-11-21T11:00:00"


def _resource_type_r4_lacks(data: dict[str, Any]) -> None:
    _first(data, "Provenance")["resourceType"] = "SubscriptionStatus"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_r5_answer_constraint, 'Superfluous entry "answerConstraint"'),
        (_r4b_extension_type, 'Superfluous entry "valueCodeableReference"'),
        (_required_as_text, 'Wrong type .* "required"'),
    ],
)
def test_the_r4_check_refuses_a_broken_questionnaire(
    questionnaire_data: dict[str, Any], damage: Callable[[dict[str, Any]], None], message: str
) -> None:
    broken = copy.deepcopy(questionnaire_data)
    damage(broken)
    with pytest.raises(FHIRValidationError, match=message):
        R4Questionnaire(broken, strict=True)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_request_without_intent, 'Non-optional property "intent"'),
        (_r5_identifier_list, 'Wrong type .* "identifier"'),
        (_r5_order_detail, 'Superfluous entry "parameter"'),
        (_signer_without_who, 'Non-optional property "who"'),
        (_local_birth_date, r"birthDate:\s+does not match expected format"),
        (_time_without_offset, r"recorded:\s+does not match expected format"),
        (_resource_type_r4_lacks, 'Superfluous entry "target"'),
    ],
)
def test_the_r4_check_refuses_a_broken_bundle(
    bundle_data: dict[str, Any], damage: Callable[[dict[str, Any]], None], message: str
) -> None:
    broken = copy.deepcopy(bundle_data)
    damage(broken)
    with pytest.raises(FHIRValidationError, match=message):
        R4Bundle(broken, strict=True)


def test_the_empty_value_check_finds_empty_values() -> None:
    found = list(_empty_values({"name": [{}], "a": {"b": ""}, "c": [], "d": None, "_e": [None]}))
    assert found == [".name[0]", ".a.b", ".c", ".d"]


R4_QUESTION_TYPES = {
    "group", "display", "boolean", "decimal", "integer", "date", "dateTime", "time", "string",
    "text", "url", "choice", "open-choice", "attachment", "reference", "quantity",
}  # fmt: skip
R4_OPERATORS = {"exists", "=", "!=", ">", "<", ">=", "<="}
R4_RESPONSE_STATUSES = {"in-progress", "completed", "amended", "entered-in-error", "stopped"}
R4_REQUEST_STATUSES = {
    "draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown",
}  # fmt: skip
R4_REQUEST_INTENTS = {
    "proposal", "plan", "directive", "order", "original-order", "reflex-order",
    "filler-order", "instance-order", "option",
}  # fmt: skip


def _walk_items(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield item
        yield from _walk_items(item.get("item", []))
        for answer in item.get("answer", []):
            yield from _walk_items(answer.get("item", []))


def test_questionnaire_codes_and_invariants_are_r4(questionnaire_data: dict[str, Any]) -> None:
    assert questionnaire_data["status"] in {"draft", "active", "retired", "unknown"}
    for item in _walk_items(questionnaire_data["item"]):
        kind = item["type"]
        assert kind in R4_QUESTION_TYPES
        if kind == "group":
            assert item.get("item"), "que-1: a group holds items"
        if "answerOption" in item:
            assert kind in ("choice", "open-choice"), "que-5: options only on choice items"
        conditions = item.get("enableWhen", [])
        for condition in conditions:
            assert condition["operator"] in R4_OPERATORS
            if condition["operator"] == "exists":
                assert isinstance(condition.get("answerBoolean"), bool), "que-7"
        if len(conditions) > 1:
            assert item["enableBehavior"] in ("all", "any"), "que-12"


@pytest.mark.parametrize("status", list(EncounterStatus))
def test_bundle_codes_and_invariants_are_r4(
    workflow: Workflow, questionnaire_data: dict[str, Any], status: EncounterStatus
) -> None:
    data = _bundle_data(workflow, status)
    assert data["type"] == "collection"
    repeating = {
        item["linkId"] for item in _walk_items(questionnaire_data["item"]) if item.get("repeats")
    }
    for entry in data["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "QuestionnaireResponse":
            assert resource["status"] in R4_RESPONSE_STATUSES
            for item in _walk_items(resource.get("item", [])):
                assert not ("answer" in item and "item" in item), "qrs-1"
                if len(item.get("answer", [])) > 1:
                    assert item["linkId"] in repeating, "qrs-2"
        elif resource["resourceType"] == "ServiceRequest":
            assert resource["status"] in R4_REQUEST_STATUSES
            assert resource["intent"] in R4_REQUEST_INTENTS
        elif resource["resourceType"] == "Provenance":
            for agent in resource["agent"]:
                (coding,) = agent["type"]["coding"]
                assert coding["code"] == "attester"
