"""FHIR R4 export: an encounter as a Bundle, a workflow as a Questionnaire (docs/fhir.md).

The output is FHIR R4 (4.0.1). It is built with the `fhir.resources` models of release R4B
(4.3.0), which validate every element on construction; the structures of the resources
used here are the same in R4 and R4B, and only elements and codes that R4 has are written.
Every resource names the R4 definition of its type in `meta.profile`. Nothing here
interprets: no Condition, no diagnosis, no comparison with reference limits. Answers are
exported exactly as recorded.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal

from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.fhirprimitiveextension import FHIRPrimitiveExtension
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.provenance import Provenance, ProvenanceAgent
from fhir.resources.R4B.questionnaire import (
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireItemAnswerOption,
    QuestionnaireItemEnableWhen,
)
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse,
    QuestionnaireResponseItem,
    QuestionnaireResponseItemAnswer,
)
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic import ValidationError

from app.domain.encounter import Encounter, EncounterStatus, OrderState, OrderStatus
from app.domain.errors import AnswerError
from app.domain.instructions import patient_instructions
from app.domain.rules import is_visible
from app.domain.validation import validate_answer
from app.domain.values import AnswerValue, YnuDetails, display_value, is_empty
from app.domain.workflow import (
    ANSWER_LABELS,
    YNU_VALUES,
    CodeStatus,
    Condition,
    Item,
    ItemKind,
    LocalizedText,
    Section,
    Workflow,
)
from app.interop.document import DocumentError, ExportError

FHIR_VERSION = "4.0.1"
"""The FHIR release of the output (R4; built with R4B models, see docs/fhir.md)."""
CORE_DEFINITION_BASE = "http://hl7.org/fhir/StructureDefinition/"

BASE = "urn:ejaculatory-disorder-workup"
QUESTIONNAIRE_BASE = f"{BASE}:questionnaire:"
YNU_SYSTEM = f"{BASE}:ynu"
ORDER_STATUS_SYSTEM = f"{BASE}:order-status"
ITEM_SYSTEM = f"{BASE}:item"
LIST_SYSTEM_BASE = f"{BASE}:list:"
OPTIONS_SYSTEM_BASE = f"{BASE}:options:"
CHART_NUMBER_SYSTEM = f"{BASE}:chart-number"
ENCOUNTER_SYSTEM = f"{BASE}:encounter"
ORDER_SYSTEM = f"{BASE}:order"
DETAILS_SUFFIX = "_details"
ORDER_TEXT_SUFFIX = "_text"

TRANSLATION_URL = "http://hl7.org/fhir/StructureDefinition/translation"
UNIT_URL = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
MIN_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/maxValue"
MAX_DECIMALS_URL = "http://hl7.org/fhir/StructureDefinition/maxDecimalPlaces"
PARTICIPANT_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"

ORDER_STATUS_LABELS: dict[OrderStatus, LocalizedText] = {
    OrderStatus.ORDERED: LocalizedText("Ordered", "Назначено"),
    OrderStatus.DONE_ELSEWHERE: LocalizedText("Done elsewhere", "Выполнено в другом месте"),
    OrderStatus.NOT_INDICATED: LocalizedText("Not indicated", "Нет показаний"),
    OrderStatus.DECLINED: LocalizedText("Declined", "Отказ пациента"),
}

_QR_STATUS: dict[EncounterStatus, str] = {
    EncounterStatus.DRAFT: "in-progress",
    EncounterStatus.AMENDING: "in-progress",
    EncounterStatus.FINALIZED: "completed",
    EncounterStatus.AMENDED: "amended",
}
_REQUEST_STATUS: dict[OrderStatus, str] = {
    OrderStatus.ORDERED: "active",
    OrderStatus.DONE_ELSEWHERE: "completed",
}
_QUESTION_TYPE: dict[ItemKind, str] = {
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
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NAME = re.compile(r"[A-Z][A-Za-z0-9_]{0,254}")
_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, BASE)


# ---------------------------------------------------------------------------------------
# The Questionnaire


def questionnaire_url(workflow: Workflow) -> str:
    """The canonical URL of the Questionnaire of `workflow` (without its version)."""
    return QUESTIONNAIRE_BASE + workflow.id


def questionnaire_canonical(workflow: Workflow) -> str:
    """The versioned canonical reference `url|version` of the Questionnaire of `workflow`."""
    return f"{questionnaire_url(workflow)}|{workflow.version}"


def workflow_questionnaire(workflow: Workflow) -> Questionnaire:
    """The Questionnaire of `workflow`: one group per section, one question per item.

    Orders are `choice` questions answered with an order status; a text order also has a
    `<id>_text` string question beside it, and a ynu_details item a nested `<id>_details`
    string question. Raises ExportError when a generated linkId would clash with an item id.
    """
    _check_link_ids(workflow)
    with _fhir_errors():
        return Questionnaire(
            meta=_r4_meta("Questionnaire"),
            url=questionnaire_url(workflow),
            version=str(workflow.version),
            name=_computable_name(workflow.id),
            title=workflow.title.en,
            _title=_translation(workflow.title),
            status="active",
            subjectType=["Patient"],
            language="en",
            description=workflow.description.en if workflow.description else None,
            item=[_section_group(workflow, section) for section in workflow.sections],
        )


def workflow_questionnaire_json(workflow: Workflow) -> str:
    """`workflow_questionnaire(workflow)` as JSON text (indented, ending in a newline)."""
    return _json(workflow_questionnaire(workflow))


def _r4_meta(resource_type: str) -> Meta:
    """`meta` naming the R4 (4.0.1) base definition of `resource_type` as its profile."""
    return Meta(profile=[f"{CORE_DEFINITION_BASE}{resource_type}|{FHIR_VERSION}"])


def _computable_name(workflow_id: str) -> str | None:
    name = "".join(part[:1].upper() + part[1:] for part in workflow_id.split("_"))
    return name if _NAME.fullmatch(name) else None


def _check_link_ids(workflow: Workflow) -> None:
    for item in workflow.items():
        for suffix, needed in (
            (DETAILS_SUFFIX, item.kind is ItemKind.YNU_DETAILS),
            (ORDER_TEXT_SUFFIX, item.is_order and item.kind is not ItemKind.CHECK),
        ):
            if needed and workflow.has_item(item.id + suffix):
                raise ExportError(
                    f"item {item.id}: the FHIR linkId {item.id + suffix} it needs is "
                    "already the id of another item"
                )
    for section in workflow.sections:
        if workflow.has_item(section.id):
            raise ExportError(f"section {section.id} has the id of an item")


def _section_group(workflow: Workflow, section: Section) -> QuestionnaireItem:
    questions: list[QuestionnaireItem] = []
    for item in section.items:
        questions.append(_question(workflow, item))
        if item.is_order and item.kind is not ItemKind.CHECK:
            questions.append(_order_text_question(item))
    return QuestionnaireItem(
        linkId=section.id,
        prefix=section.code or None,
        text=section.title.en,
        _text=_translation(section.title),
        type="group",
        item=questions,
    )


def _question(workflow: Workflow, item: Item) -> QuestionnaireItem:
    options: list[QuestionnaireItemAnswerOption] | None = None
    children: list[QuestionnaireItem] | None = None
    extensions: list[Extension] | None = None
    if item.is_order:
        kind = "choice"
        options = [
            QuestionnaireItemAnswerOption(valueCoding=_order_status_coding(status, translated=True))
            for status in OrderStatus
        ]
    else:
        kind = _QUESTION_TYPE[item.kind]
        if item.kind in (ItemKind.YNU, ItemKind.YNU_DETAILS):
            options = [
                QuestionnaireItemAnswerOption(valueCoding=_ynu_coding(value, translated=True))
                for value in YNU_VALUES
            ]
        elif item.kind in (ItemKind.SINGLE, ItemKind.MULTI):
            options = [
                QuestionnaireItemAnswerOption(
                    valueCoding=_option_coding(item, option.value, translated=True)
                )
                for option in item.options
            ]
        elif item.kind is ItemKind.NUMBER:
            extensions = _number_extensions(item)
        if item.kind is ItemKind.YNU_DETAILS:
            children = [
                QuestionnaireItem(
                    linkId=item.id + DETAILS_SUFFIX,
                    text="Details",
                    _text=_translation(LocalizedText("Details", "Подробности")),
                    type="string",
                )
            ]
    enable_when = _enable_when(workflow, item.show_when)
    return QuestionnaireItem(
        linkId=item.id,
        text=item.label.en,
        _text=_translation(item.label),
        type=kind,
        required=item.required or None,
        repeats=(item.kind is ItemKind.MULTI and not item.is_order) or None,
        code=_verified_codings(item) or None,
        answerOption=options,
        enableWhen=enable_when or None,
        enableBehavior="any" if len(enable_when) > 1 else None,
        extension=extensions,
        item=children,
    )


def _order_text_question(item: Item) -> QuestionnaireItem:
    # the text of a text order ("other test, specify") is exported once the order has a status
    return QuestionnaireItem(
        linkId=item.id + ORDER_TEXT_SUFFIX,
        text=item.label.en,
        _text=_translation(item.label),
        type="string",
        enableWhen=[
            QuestionnaireItemEnableWhen(question=item.id, operator="exists", answerBoolean=True)
        ],
    )


def _number_extensions(item: Item) -> list[Extension] | None:
    extensions: list[Extension] = []
    if item.unit:
        extensions.append(Extension(url=UNIT_URL, valueCoding=Coding(display=item.unit)))
    if item.minimum is not None:
        extensions.append(Extension(url=MIN_VALUE_URL, valueDecimal=item.minimum))
    if item.maximum is not None:
        extensions.append(Extension(url=MAX_VALUE_URL, valueDecimal=item.maximum))
    if item.decimals is not None:
        extensions.append(Extension(url=MAX_DECIMALS_URL, valueInteger=item.decimals))
    return extensions or None


def _enable_when(
    workflow: Workflow, condition: Condition | None
) -> list[QuestionnaireItemEnableWhen]:
    if condition is None:
        return []
    if not workflow.has_item(condition.item_id):
        raise ExportError(f"a condition names the missing item {condition.item_id}")
    target = workflow.item(condition.item_id)
    result: list[QuestionnaireItemEnableWhen] = []
    for value in condition.values:
        question = condition.item_id
        if target.is_order:
            result.append(
                QuestionnaireItemEnableWhen(
                    question=question,
                    operator="=",
                    answerCoding=_order_status_coding(OrderStatus(str(value))),
                )
            )
        elif target.kind is ItemKind.CHECK:
            if not isinstance(value, bool):
                raise ExportError(f"a condition on {question} expects true or false")
            result.append(
                QuestionnaireItemEnableWhen(question=question, operator="=", answerBoolean=value)
            )
            if value is False:
                # the domain treats an unticked box as false; FHIR sees no answer at all
                result.append(
                    QuestionnaireItemEnableWhen(
                        question=question, operator="exists", answerBoolean=False
                    )
                )
        elif target.kind in (ItemKind.YNU, ItemKind.YNU_DETAILS):
            result.append(
                QuestionnaireItemEnableWhen(
                    question=question, operator="=", answerCoding=_ynu_coding(str(value))
                )
            )
        else:
            result.append(
                QuestionnaireItemEnableWhen(
                    question=question,
                    operator="=",
                    answerCoding=_option_coding(target, str(value)),
                )
            )
    return result


def _translation(text: LocalizedText) -> FHIRPrimitiveExtension | None:
    if not text.ru:
        return None
    return FHIRPrimitiveExtension(
        extension=[
            Extension(
                url=TRANSLATION_URL,
                extension=[
                    Extension(url="lang", valueCode="ru"),
                    Extension(url="content", valueString=text.ru),
                ],
            )
        ]
    )


# ---------------------------------------------------------------------------------------
# Codings


def _ynu_coding(value: str, *, translated: bool = False) -> Coding:
    label = ANSWER_LABELS.get(value)
    if label is None:
        raise ExportError(f"{value!r} is not one of {', '.join(YNU_VALUES)}")
    return Coding(
        system=YNU_SYSTEM,
        code=value,
        display=label.en,
        _display=_translation(label) if translated else None,
    )


def _order_status_coding(status: OrderStatus, *, translated: bool = False) -> Coding:
    label = ORDER_STATUS_LABELS[status]
    return Coding(
        system=ORDER_STATUS_SYSTEM,
        code=status.value,
        display=label.en,
        _display=_translation(label) if translated else None,
    )


def option_system(item: Item) -> str:
    """The code system of the options of a single- or multiple-choice item."""
    if item.option_list:
        return LIST_SYSTEM_BASE + item.option_list
    return OPTIONS_SYSTEM_BASE + item.id


def _option_coding(item: Item, value: str, *, translated: bool = False) -> Coding:
    option = item.option(value)
    if option is None:
        raise ExportError(f"item {item.id}: {value!r} is not one of its options")
    return Coding(
        system=option_system(item),
        code=value,
        display=option.label.en,
        _display=_translation(option.label) if translated else None,
    )


def _verified_codings(item: Item) -> list[Coding]:
    if item.code_status is not CodeStatus.VERIFIED:
        return []
    return [Coding(system=code.system, code=code.code, display=code.display) for code in item.codes]


# ---------------------------------------------------------------------------------------
# The encounter Bundle


def encounter_bundle(
    encounter: Encounter,
    workflow: Workflow,
    generated_at: datetime,
    *,
    local_zone: tzinfo | None = None,
) -> Bundle:
    """A `collection` Bundle of `encounter`: Patient, QuestionnaireResponse, ServiceRequests
    (one per order that is ordered or done elsewhere) and a Provenance per signature.

    `generated_at` (with its UTC offset) becomes the Bundle timestamp. Datetime answers,
    recorded in the clinic's local time, get the UTC offset of `local_zone` at that moment
    (default: the time zone of this computer). Resource ids are UUIDs derived from the
    encounter uid, so the same encounter always gives the same ids. Raises ExportError
    when the encounter does not belong to `workflow` or cannot be expressed in FHIR.
    """
    _check_encounter_workflow(encounter, workflow)
    _check_link_ids(workflow)
    stamp = _instant(generated_at, "generated_at")
    ids = _Ids(encounter.uid)
    patient_ref = _reference(ids.url("patient"))
    qr_ref = _reference(ids.url("questionnaire-response"))
    with _fhir_errors():
        resources: list[tuple[str, Resource]] = [
            ("patient", _patient(ids.id("patient"), encounter)),
            (
                "questionnaire-response",
                _questionnaire_response(
                    ids.id("questionnaire-response"), encounter, workflow, patient_ref, local_zone
                ),
            ),
        ]
        for item in workflow.order_items():
            state = encounter.orders.get(item.id)
            if state is None or state.status not in _REQUEST_STATUS:
                continue
            key = f"service-request/{item.id}"
            request = _service_request(
                ids.id(key), encounter, workflow, item, state, patient_ref, qr_ref, local_zone
            )
            resources.append((key, request))
        targets = [qr_ref, *(_reference(ids.url(key)) for key, _ in resources[2:])]
        resources.extend(_provenances(encounter, ids, targets))
        return Bundle(
            meta=_r4_meta("Bundle"),
            type="collection",
            timestamp=stamp,
            entry=[
                BundleEntry(fullUrl=ids.url(key), resource=resource) for key, resource in resources
            ],
        )


def encounter_bundle_json(
    encounter: Encounter,
    workflow: Workflow,
    generated_at: datetime,
    *,
    local_zone: tzinfo | None = None,
) -> str:
    """`encounter_bundle(...)` as JSON text (indented, ending in a newline)."""
    return _json(encounter_bundle(encounter, workflow, generated_at, local_zone=local_zone))


class _Ids:
    """Stable resource ids: UUIDs derived from the encounter uid and a key per resource."""

    def __init__(self, encounter_uid: str) -> None:
        self._uid = encounter_uid

    def id(self, key: str) -> str:
        return str(uuid.uuid5(_UUID_NAMESPACE, f"{self._uid}/{key}"))

    def url(self, key: str) -> str:
        return f"urn:uuid:{self.id(key)}"


def _reference(url: str) -> Reference:
    return Reference(reference=url)


def _check_encounter_workflow(encounter: Encounter, workflow: Workflow) -> None:
    if (encounter.workflow_id, encounter.workflow_version) != (workflow.id, workflow.version):
        raise ExportError(
            f"encounter {encounter.uid} was recorded with workflow {encounter.workflow_id} "
            f"v{encounter.workflow_version}, not {workflow.id} v{workflow.version}"
        )
    if encounter.workflow_hash != workflow.content_hash:
        raise ExportError(
            f"encounter {encounter.uid} was recorded with workflow content "
            f"{encounter.workflow_hash}, not {workflow.content_hash}"
        )
    for item_id in [*encounter.answers, *encounter.orders]:
        if not workflow.has_item(item_id):
            raise ExportError(f"workflow {workflow.id} v{workflow.version} has no item {item_id}")
    for item_id in encounter.orders:
        if not workflow.item(item_id).is_order:
            raise ExportError(f"item {item_id} has an order state but is not an order")


def _patient(resource_id: str, encounter: Encounter) -> FhirPatient:
    patient = encounter.patient
    chart = patient.chart_number.strip()
    family = _clean(patient.family_name) if patient.family_name.strip() else None
    given: list[str | None] | None = (
        [_clean(patient.given_name)] if patient.given_name.strip() else None
    )
    return FhirPatient(
        id=resource_id,
        meta=_r4_meta("Patient"),
        identifier=[Identifier(system=CHART_NUMBER_SYSTEM, value=chart)] if chart else None,
        # a FHIR element may not be empty: no name at all rather than an empty one
        name=[HumanName(family=family, given=given)] if family or given else None,
        birthDate=patient.birth_date,
    )


def _questionnaire_response(
    resource_id: str,
    encounter: Encounter,
    workflow: Workflow,
    patient_ref: Reference,
    local_zone: tzinfo | None,
) -> QuestionnaireResponse:
    groups: list[QuestionnaireResponseItem] = []
    for section in workflow.sections:
        children: list[QuestionnaireResponseItem] = []
        for item in section.items:
            if not is_visible(workflow, item, encounter.answers, encounter.orders):
                continue
            children.extend(_response_items(item, encounter, local_zone))
        if children:
            groups.append(
                QuestionnaireResponseItem(linkId=section.id, text=section.title.en, item=children)
            )
    return QuestionnaireResponse(
        id=resource_id,
        meta=_r4_meta("QuestionnaireResponse"),
        identifier=Identifier(system=ENCOUNTER_SYSTEM, value=encounter.uid),
        questionnaire=questionnaire_canonical(workflow),
        status=_QR_STATUS[encounter.status],
        subject=patient_ref,
        authored=_instant(encounter.updated_at, "updated_at"),
        author=_person(encounter.clinician),
        item=groups or None,
    )


def _response_items(
    item: Item, encounter: Encounter, local_zone: tzinfo | None
) -> Iterator[QuestionnaireResponseItem]:
    if item.is_order:
        state = encounter.orders.get(item.id)
        if state is not None:
            yield QuestionnaireResponseItem(
                linkId=item.id,
                text=item.label.en,
                answer=[
                    QuestionnaireResponseItemAnswer(valueCoding=_order_status_coding(state.status))
                ],
            )
        value = encounter.answers.get(item.id)
        if item.kind is ItemKind.CHECK:
            if value is not None:
                raise ExportError(f"item {item.id} is an order of kind check and has no answer")
            return
        if state is not None and value is not None and not is_empty(value):
            if not isinstance(value, str):
                raise ExportError(f"item {item.id}: the answer is not text")
            yield QuestionnaireResponseItem(
                linkId=item.id + ORDER_TEXT_SUFFIX,
                text=item.label.en,
                answer=[QuestionnaireResponseItemAnswer(valueString=_clean(value))],
            )
        return
    value = encounter.answers.get(item.id)
    if value is None or is_empty(value):
        return
    yield QuestionnaireResponseItem(
        linkId=item.id, text=item.label.en, answer=_answers(item, value, local_zone)
    )


def _answers(
    item: Item, value: AnswerValue, local_zone: tzinfo | None
) -> list[QuestionnaireResponseItemAnswer]:
    kind = item.kind
    wrong = ExportError(f"item {item.id}: the answer does not fit kind {kind.value}")
    if kind is ItemKind.CHECK:
        if not isinstance(value, bool):
            raise wrong
        return [QuestionnaireResponseItemAnswer(valueBoolean=value)]
    if kind is ItemKind.YNU_DETAILS:
        if not isinstance(value, YnuDetails):
            raise wrong
        details = (
            [
                QuestionnaireResponseItem(
                    linkId=item.id + DETAILS_SUFFIX,
                    text="Details",
                    answer=[QuestionnaireResponseItemAnswer(valueString=_clean(value.details))],
                )
            ]
            if value.details.strip()
            else None
        )
        return [
            QuestionnaireResponseItemAnswer(valueCoding=_ynu_coding(value.choice), item=details)
        ]
    if kind is ItemKind.MULTI:
        if not isinstance(value, tuple):
            raise wrong
        return [
            QuestionnaireResponseItemAnswer(valueCoding=_option_coding(item, choice))
            for choice in value
        ]
    if kind is ItemKind.NUMBER:
        if not isinstance(value, Decimal):
            raise wrong
        _check_json_number(item, value)
        return [QuestionnaireResponseItemAnswer(valueDecimal=value)]
    if not isinstance(value, str):
        raise wrong
    if kind is ItemKind.YNU:
        return [QuestionnaireResponseItemAnswer(valueCoding=_ynu_coding(value))]
    if kind is ItemKind.SINGLE:
        return [QuestionnaireResponseItemAnswer(valueCoding=_option_coding(item, value))]
    if kind is ItemKind.DATE:
        # YYYY, YYYY-MM and YYYY-MM-DD are all FHIR dates
        return [QuestionnaireResponseItemAnswer.model_validate({"valueDate": value})]
    if kind is ItemKind.DATETIME:
        moment = _local_moment(value, local_zone)
        return [QuestionnaireResponseItemAnswer(valueDateTime=moment)]
    return [QuestionnaireResponseItemAnswer(valueString=_clean(value))]


def _check_json_number(item: Item, value: Decimal) -> None:
    # The library writes a decimal as a JSON number through a float; refuse the rare value
    # that a float cannot carry exactly rather than export a different number.
    if not value.is_finite() or Decimal(repr(float(value))) != value:
        raise ExportError(f"item {item.id}: {value} cannot be written exactly as a FHIR decimal")


def _local_moment(value: str, local_zone: tzinfo | None) -> datetime:
    """A local date and time `YYYY-MM-DDTHH:MM` with the offset of `local_zone` then."""
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        raise ExportError(f"{value!r} is not a date and time as YYYY-MM-DDTHH:MM") from None
    if naive.tzinfo is not None:
        raise ExportError(f"{value!r} is not a local date and time (it has an offset)")
    if local_zone is None:
        return naive.astimezone()  # the local time zone of this computer at that moment
    return naive.replace(tzinfo=local_zone)


def _service_request(
    resource_id: str,
    encounter: Encounter,
    workflow: Workflow,
    item: Item,
    state: OrderState,
    patient_ref: Reference,
    qr_ref: Reference,
    local_zone: tzinfo | None,
) -> ServiceRequest:
    label = item.label.en
    specified = encounter.answers.get(item.id)
    text = label
    if item.kind is not ItemKind.CHECK and isinstance(specified, str) and specified.strip():
        text = f"{label}: {_clean(specified.strip())}"
    code = CodeableConcept(
        coding=[
            *_verified_codings(item),
            Coding(system=ITEM_SYSTEM, code=item.id, display=label),
        ],
        text=text,
    )
    ordered = state.status is OrderStatus.ORDERED
    when = state.date
    if ordered and when is None:
        # an order without a date was made on the visit date (see docs/workflow-format.md)
        when = _local_date(encounter.created_at, local_zone)
    details = [
        CodeableConcept(text=_clean(f"{detail.label.en}: {display_value(detail, answer, 'en')}"))
        for detail in workflow.details_of(item.id)
        if is_visible(workflow, detail, encounter.answers, encounter.orders)
        and (answer := encounter.answers.get(detail.id)) is not None
        and not is_empty(answer)
    ]
    instruction = _instruction_text(item, workflow, encounter) if ordered else None
    request = ServiceRequest(
        id=resource_id,
        meta=_r4_meta("ServiceRequest"),
        identifier=[Identifier(system=ORDER_SYSTEM, value=f"{encounter.uid}/{item.id}")],
        status=_REQUEST_STATUS[state.status],
        intent="order",
        code=code,
        orderDetail=details or None,
        subject=patient_ref,
        requester=_person(encounter.clinician) if ordered else None,
        supportingInfo=[qr_ref],
        note=[Annotation(text=_clean(state.note))] if state.note.strip() else None,
        patientInstruction=instruction or None,
    )
    if when is None:
        return request
    # A calendar date is a valid FHIR dateTime; the model's type hints name only datetime,
    # so the date is added through validation of the assembled fields.
    dated = request.model_dump(mode="json")
    dated["authoredOn" if ordered else "occurrenceDateTime"] = when.isoformat()
    return ServiceRequest.model_validate(dated)


def _person(name: str) -> Reference | None:
    return Reference(display=_clean(name)) if name.strip() else None


def _clean(text: str) -> str:
    """`text` with the control characters a FHIR string may not hold replaced by U+FFFD."""
    return _CONTROL.sub("\ufffd", text)


def _local_date(moment: datetime, local_zone: tzinfo | None) -> date:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ExportError(f"created_at {moment.isoformat()} has no UTC offset")
    return moment.astimezone(local_zone).date()


def _instruction_text(item: Item, workflow: Workflow, encounter: Encounter) -> str | None:
    """The patient instructions that apply to the item as recorded, in the encounter
    language (None when it has none)."""
    found = patient_instructions(
        workflow, item, encounter.answers, encounter.orders, encounter.language
    )
    return _clean(found.text.strip()) if found is not None else None


def _provenances(
    encounter: Encounter, ids: _Ids, targets: list[Reference]
) -> Iterator[tuple[str, Provenance]]:
    """One Provenance per signature: the finalizing one, then each signed addendum."""
    if encounter.finalized_by is not None and encounter.finalized_at is not None:
        key = "provenance/finalized"
        yield (
            key,
            Provenance(
                id=ids.id(key),
                meta=_r4_meta("Provenance"),
                target=targets,
                recorded=_instant(encounter.finalized_at, "finalized_at"),
                activity=CodeableConcept(text="Finalized and signed"),
                agent=[_signer(encounter.finalized_by)],
            ),
        )
    for addendum in encounter.addenda:
        if addendum.signed_by is None or addendum.signed_at is None:
            continue  # an open addendum is not signed yet
        key = f"provenance/addendum/{addendum.seq}"
        signed_at = _instant(addendum.signed_at, "addendum signed_at")
        yield (
            key,
            Provenance(
                id=ids.id(key),
                meta=_r4_meta("Provenance"),
                target=targets,
                recorded=signed_at,
                occurredPeriod=Period(
                    start=_instant(addendum.opened_at, "addendum opened_at"), end=signed_at
                ),
                activity=CodeableConcept(text=f"Addendum {addendum.seq} signed"),
                reason=(
                    [CodeableConcept(text=_clean(addendum.reason))]
                    if addendum.reason.strip()
                    else None
                ),
                agent=[_signer(addendum.signed_by)],
            ),
        )


def _signer(name: str) -> ProvenanceAgent:
    return ProvenanceAgent(
        type=CodeableConcept(
            coding=[Coding(system=PARTICIPANT_TYPE_SYSTEM, code="attester", display="Attester")]
        ),
        who=Reference(display=_clean(name)),
    )


def _instant(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ExportError(f"{what} {moment.isoformat()} has no UTC offset")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ExportError(f"{what} {moment.isoformat()} cannot be written in UTC") from None


@contextmanager
def _fhir_errors() -> Iterator[None]:
    """Turn a validation failure of the FHIR models into ExportError."""
    try:
        yield
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ExportError(f"not valid FHIR: {where}: {first['msg']}") from None


def _json(resource: Questionnaire | Bundle) -> str:
    return resource.model_dump_json(indent=2, exclude_none=True) + "\n"


# ---------------------------------------------------------------------------------------
# Reading a QuestionnaireResponse back


def questionnaire_response_answers(
    response: QuestionnaireResponse, workflow: Workflow, *, local_zone: tzinfo | None = None
) -> dict[str, AnswerValue]:
    """The answers held by `response` (written by `encounter_bundle`), in the domain's shapes.

    Order statuses are left out (see `questionnaire_response_orders`); the text of a text
    order comes back under the order's id. Datetime answers are read in `local_zone`
    (default: this computer's). Raises DocumentError naming the linkId when an answer
    does not fit its item.
    """
    answers: dict[str, AnswerValue] = {}
    for link_id, answer_list in _answered_items(response):
        base = link_id.removesuffix(ORDER_TEXT_SUFFIX)
        if base != link_id and workflow.has_item(base) and workflow.item(base).is_order:
            answers[base] = _read(workflow.item(base), _single_string(link_id, answer_list))
            continue
        if not workflow.has_item(link_id):
            raise DocumentError(f"item[{link_id}]", "the workflow has no such item")
        item = workflow.item(link_id)
        if item.is_order:
            continue
        answers[link_id] = _read(item, _answer_value(item, answer_list, local_zone))
    return answers


def questionnaire_response_orders(
    response: QuestionnaireResponse, workflow: Workflow
) -> dict[str, OrderStatus]:
    """The order statuses held by `response`, by order item id."""
    statuses: dict[str, OrderStatus] = {}
    for link_id, answer_list in _answered_items(response):
        if workflow.has_item(link_id) and workflow.item(link_id).is_order:
            code = _single_coding(link_id, answer_list, ORDER_STATUS_SYSTEM)
            try:
                statuses[link_id] = OrderStatus(code)
            except ValueError:
                raise DocumentError(
                    f"item[{link_id}]", f"{code!r} is not an order status"
                ) from None
    return statuses


def _answered_items(
    response: QuestionnaireResponse,
) -> Iterator[tuple[str, list[QuestionnaireResponseItemAnswer]]]:
    for group in response.item or []:
        for child in group.item or []:
            if child.linkId is None:
                raise DocumentError(f"item[{group.linkId}]", "an item has no linkId")
            yield child.linkId, child.answer or []


def _answer_value(
    item: Item, answers: list[QuestionnaireResponseItemAnswer], local_zone: tzinfo | None
) -> object:
    where = f"item[{item.id}]"
    if item.kind is ItemKind.MULTI:
        return tuple(_coding_code(where, answer, option_system(item)) for answer in answers)
    if len(answers) != 1:
        raise DocumentError(where, f"expected one answer, got {len(answers)}")
    answer = answers[0]
    kind = item.kind
    if kind is ItemKind.CHECK:
        return answer.valueBoolean
    if kind is ItemKind.YNU:
        return _coding_code(where, answer, YNU_SYSTEM)
    if kind is ItemKind.YNU_DETAILS:
        details = ""
        for child in answer.item or []:
            if child.linkId != item.id + DETAILS_SUFFIX:
                raise DocumentError(where, f"unexpected nested item {child.linkId}")
            details = _single_string(child.linkId, child.answer or [])
        return YnuDetails(_coding_code(where, answer, YNU_SYSTEM), details)
    if kind is ItemKind.SINGLE:
        return _coding_code(where, answer, option_system(item))
    if kind is ItemKind.NUMBER:
        return answer.valueDecimal
    if kind is ItemKind.DATE:
        value = answer.valueDate
        return value.isoformat() if isinstance(value, date) else value
    if kind is ItemKind.DATETIME:
        moment = answer.valueDateTime
        if not isinstance(moment, datetime) or moment.tzinfo is None:
            raise DocumentError(where, "expected a dateTime with a UTC offset")
        return moment.astimezone(local_zone).strftime("%Y-%m-%dT%H:%M")
    return answer.valueString


def _read(item: Item, raw: object) -> AnswerValue:
    try:
        return validate_answer(item, raw, date.max)
    except AnswerError as error:
        raise DocumentError(f"item[{item.id}]", error.message) from None


def _coding_code(where: str, answer: QuestionnaireResponseItemAnswer, system: str) -> str:
    coding = answer.valueCoding
    if coding is None or coding.system != system or coding.code is None:
        raise DocumentError(where, f"expected a coding of {system}")
    return str(coding.code)


def _single_coding(
    link_id: str, answers: list[QuestionnaireResponseItemAnswer], system: str
) -> str:
    if len(answers) != 1:
        raise DocumentError(f"item[{link_id}]", f"expected one answer, got {len(answers)}")
    return _coding_code(f"item[{link_id}]", answers[0], system)


def _single_string(link_id: str, answers: list[QuestionnaireResponseItemAnswer]) -> str:
    if len(answers) != 1 or answers[0].valueString is None:
        raise DocumentError(f"item[{link_id}]", "expected one text answer")
    return str(answers[0].valueString)
