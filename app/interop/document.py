"""The JSON encounter document: one encounter with its patient and workflow, lossless."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, NoReturn, TypeVar

from app.domain.encounter import (
    Addendum,
    Encounter,
    EncounterStatus,
    OrderState,
    OrderStatus,
    Patient,
)
from app.domain.errors import AnswerError
from app.domain.limits import MAX_INTEGER
from app.domain.validation import from_json
from app.domain.values import AnswerValue, to_json
from app.domain.workflow import LANGUAGES, Item, ItemKind, Workflow

FORMAT = "ejaculatory-disorder-workup/encounter"
FORMAT_VERSION = 1

_TOP_FIELDS = ("format", "format_version", "encounter", "patient", "workflow", "answers", "orders")
_ENCOUNTER_FIELDS = (
    "uid",
    "status",
    "language",
    "clinician",
    "created_at",
    "updated_at",
    "revision",
    "finalized_by",
    "finalized_at",
    "addenda",
)
_ADDENDUM_FIELDS = ("seq", "reason", "opened_by", "opened_at", "signed_by", "signed_at")
_PATIENT_FIELDS = ("family_name", "given_name", "birth_date", "chart_number")
_WORKFLOW_FIELDS = ("id", "version", "content_hash", "definition")
_ORDER_FIELDS = ("status", "date", "note")

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MOMENT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

_E = TypeVar("_E", bound=StrEnum)


class InteropError(Exception):
    """Base of every error the interop layer raises."""


class DocumentError(InteropError):
    """A document cannot be read; the message names the offending field.

    `path` is the field's dotted path (for example ``patient.birth_date``), or None when
    the text is not a JSON document at all.
    """

    def __init__(self, path: str | None, message: str) -> None:
        super().__init__(message if path is None else f"field '{path}': {message}")
        self.path = path
        self.message = message


class ExportError(InteropError):
    """An encounter cannot be written as a document (it does not fit its workflow)."""


# ---------------------------------------------------------------------------------------
# Writing


def encounter_to_document(encounter: Encounter, workflow: Workflow) -> dict[str, Any]:
    """The JSON-ready document of `encounter`, recorded against `workflow`.

    The result is deterministic (no export time inside): the same encounter always gives
    the same document. Raises ExportError when the encounter does not belong to the
    workflow, an answer or order names an item the workflow cannot hold, a time has no
    UTC offset, or the workflow's content hash is not the SHA-256 of its source text.
    """
    _check_export_workflow(encounter, workflow)
    answers: dict[str, Any] = {}
    orders: dict[str, Any] = {}
    for item in workflow.items():
        if item.id in encounter.answers:
            if not _may_have_answer(item):
                raise ExportError(f"item {item.id} is an order of kind check and has no answer")
            answers[item.id] = _answer_json(item, encounter.answers[item.id])
        if item.id in encounter.orders:
            if not item.is_order:
                raise ExportError(f"item {item.id} has an order state but is not an order")
            state = encounter.orders[item.id]
            orders[item.id] = {
                "status": state.status.value,
                "date": state.date.isoformat() if state.date else None,
                "note": state.note,
            }
    for item_id in [*encounter.answers, *encounter.orders]:
        if not workflow.has_item(item_id):
            raise ExportError(f"workflow {workflow.id} v{workflow.version} has no item {item_id}")
    patient = encounter.patient
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "encounter": {
            "uid": encounter.uid,
            "status": encounter.status.value,
            "language": encounter.language,
            "clinician": encounter.clinician,
            "created_at": _moment_text(encounter.created_at, "created_at"),
            "updated_at": _moment_text(encounter.updated_at, "updated_at"),
            "revision": encounter.revision,
            "finalized_by": encounter.finalized_by,
            "finalized_at": _optional_moment_text(encounter.finalized_at, "finalized_at"),
            "addenda": [
                {
                    "seq": addendum.seq,
                    "reason": addendum.reason,
                    "opened_by": addendum.opened_by,
                    "opened_at": _moment_text(addendum.opened_at, "addendum opened_at"),
                    "signed_by": addendum.signed_by,
                    "signed_at": _optional_moment_text(addendum.signed_at, "addendum signed_at"),
                }
                for addendum in encounter.addenda
            ],
        },
        "patient": {
            "family_name": patient.family_name,
            "given_name": patient.given_name,
            "birth_date": patient.birth_date.isoformat(),
            "chart_number": patient.chart_number,
        },
        "workflow": {
            "id": workflow.id,
            "version": workflow.version,
            "content_hash": workflow.content_hash,
            "definition": workflow.source_text,
        },
        "answers": answers,
        "orders": orders,
    }


def _answer_json(item: Item, value: AnswerValue) -> Any:
    # Reading the value back here guarantees that every document written can be read,
    # with an equal value (a non-canonical value, such as choices out of option order,
    # would not be).
    raw = to_json(item, value)
    try:
        same = from_json(item, raw) == value
    except AnswerError as error:
        raise ExportError(f"item {item.id}: the answer is not valid: {error.message}") from None
    if not same:
        raise ExportError(f"item {item.id}: the answer is not in its canonical form")
    return raw


def _check_export_workflow(encounter: Encounter, workflow: Workflow) -> None:
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
    if _sha256(workflow.source_text) != workflow.content_hash:
        raise ExportError(
            f"the content hash of workflow {workflow.id} v{workflow.version} is not the "
            "SHA-256 of its source text, so the document could not be read back"
        )


def _moment_text(moment: datetime, what: str) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ExportError(f"{what} {moment.isoformat()} has no UTC offset")
    try:
        return moment.astimezone(UTC).isoformat()
    except OverflowError:
        raise ExportError(f"{what} {moment.isoformat()} cannot be written in UTC") from None


def _optional_moment_text(moment: datetime | None, what: str) -> str | None:
    return None if moment is None else _moment_text(moment, what)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _may_have_answer(item: Item) -> bool:
    # An order of kind check is only ordered or not; its state lives under "orders".
    # Other orders (a text order such as "other test, specify") carry an answer as well.
    return not (item.is_order and item.kind is ItemKind.CHECK)


def dumps(document: dict[str, Any]) -> str:
    """`document` as JSON text: UTF-8-ready (no escapes), indented by 2, ending in a newline."""
    return json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


# ---------------------------------------------------------------------------------------
# Reading


def loads(text: str | bytes) -> object:
    """Parse JSON text (str, or UTF-8 bytes) into Python values; DocumentError when invalid.

    NaN and Infinity are refused, and so is a key that appears twice in one object.
    """
    if isinstance(text, bytes):
        try:
            # utf-8-sig: some editors put a byte-order mark in front of UTF-8 files
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise DocumentError(
                None,
                f"not a JSON document: not UTF-8 text (byte 0x{error.object[error.start]:02x} "
                f"at position {error.start})",
            ) from None
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise DocumentError(
            None, f"not a JSON document: line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    except RecursionError:
        raise DocumentError(None, "not a JSON document: nested too deeply") from None
    except ValueError as error:
        # int() refuses integers of more than sys.get_int_max_str_digits() digits
        raise DocumentError(None, f"not a JSON document: {error}") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DocumentError(None, f"not a JSON document: key {key!r} appears twice")
        result[key] = value
    return result


def _refuse_constant(name: str) -> NoReturn:
    raise DocumentError(None, f"not a JSON document: {name} is not a JSON number")


def document_to_encounter(
    document: object, parse_workflow: Callable[[str], Workflow]
) -> tuple[Encounter, Workflow]:
    """Read and check an encounter document; the encounter (unsaved) and its workflow.

    `parse_workflow` turns the workflow definition carried in the document (TOML text)
    into a Workflow. Everything is checked; the first problem raises DocumentError naming
    its field. The encounter and its patient come back with `id` None, times in UTC.
    """
    _check_unicode(document)
    top = _Object(document, "")
    _check_format(top)
    top.only(_TOP_FIELDS)
    workflow, content_hash = _read_workflow(top.child("workflow", _WORKFLOW_FIELDS), parse_workflow)
    patient = _read_patient(top.child("patient", _PATIENT_FIELDS))
    fields = top.child("encounter", _ENCOUNTER_FIELDS)
    status = fields.choice("status", EncounterStatus)
    language = fields.text("language")
    if language not in LANGUAGES:
        fields.fail("language", f"{language!r} is not one of {', '.join(LANGUAGES)}")
    finalized_by = fields.optional_text("finalized_by")
    finalized_at = fields.optional_moment("finalized_at")
    addenda = _read_addenda(fields)
    _check_lifecycle(fields, status, finalized_by, finalized_at, addenda)
    encounter = Encounter(
        id=None,
        uid=fields.text("uid", nonblank=True),
        patient=patient,
        workflow_id=workflow.id,
        workflow_version=workflow.version,
        workflow_hash=content_hash,
        status=status,
        language=language,
        clinician=fields.text("clinician"),
        created_at=fields.moment("created_at"),
        updated_at=fields.moment("updated_at"),
        revision=fields.integer("revision", minimum=0),
        answers=_read_answers(top.child("answers", None), workflow),
        orders=_read_orders(top.child("orders", None), workflow),
        finalized_by=finalized_by,
        finalized_at=finalized_at,
        addenda=addenda,
    )
    return encounter, workflow


def _check_unicode(document: object) -> None:
    """Refuse strings holding lone surrogates: JSON escapes allow them, UTF-8 cannot hold them."""
    # iterative, since a parsed document may nest as deeply as the JSON parser allowed
    stack: list[tuple[str, object]] = [("", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str) and not _is_unicode(value):
            raise DocumentError(path or "(document)", "holds text that is not valid Unicode")
        if isinstance(value, dict):
            for key, child in value.items():
                if isinstance(key, str) and not _is_unicode(key):
                    raise DocumentError(path or "(document)", "has a key that is not valid Unicode")
                stack.append((_field_path(path, str(key)), child))
        elif isinstance(value, list):
            stack.extend((f"{path}[{index}]", child) for index, child in enumerate(value))


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _field_path(parent: str, key: str) -> str:
    """The path of field `key` of the object at `parent`: `a.b`, or `a["b c"]` when needed."""
    if not _PLAIN_KEY.fullmatch(key):
        return f"{parent}[{json.dumps(key, ensure_ascii=False)}]"
    return f"{parent}.{key}" if parent else key


def _check_format(top: _Object) -> None:
    # Checked before anything else, so that another kind of JSON file, or a document of a
    # newer format with fields unknown here, gets the message that explains it.
    top.require("format")
    name = top.value("format")
    if name != FORMAT:
        top.fail("format", f"expected {FORMAT!r}, got {_show(name)}")
    top.require("format_version")
    version = top.integer("format_version", minimum=1)
    if version > FORMAT_VERSION:
        top.fail(
            "format_version",
            f"this document was written by a newer version (format_version {version}); "
            "update the application",
        )


def _read_workflow(
    fields: _Object, parse_workflow: Callable[[str], Workflow]
) -> tuple[Workflow, str]:
    workflow_id = fields.text("id", nonblank=True)
    version = fields.integer("version", minimum=1)
    content_hash = fields.text("content_hash")
    if not _SHA256.fullmatch(content_hash):
        fields.fail(
            "content_hash", f"expected 64 lower-case hexadecimal digits, got {_show(content_hash)}"
        )
    definition = fields.text("definition", nonblank=True)
    actual_hash = _sha256(definition)
    if actual_hash != content_hash:
        fields.fail(
            "content_hash",
            f"{content_hash} is not the SHA-256 of 'workflow.definition' ({actual_hash}); "
            "the definition was changed",
        )
    try:
        workflow = parse_workflow(definition)
    # The parser belongs to the caller and raises its own exceptions; whatever it raises
    # means the carried definition cannot be used, which is a problem of this document.
    except Exception as error:
        fields.fail("definition", f"could not be read as a workflow: {error}")
    if workflow.id != workflow_id:
        fields.fail("id", f"is {workflow_id!r} but the definition has id {workflow.id!r}")
    if workflow.version != version:
        fields.fail("version", f"is {version} but the definition has version {workflow.version}")
    if workflow.content_hash and workflow.content_hash != content_hash:
        fields.fail(
            "content_hash",
            f"is {content_hash} but the workflow parser computed {workflow.content_hash}",
        )
    return workflow, content_hash


def _read_patient(fields: _Object) -> Patient:
    return Patient(
        id=None,
        family_name=fields.text("family_name", nonblank=True),
        given_name=fields.text("given_name"),
        birth_date=fields.calendar_date("birth_date"),
        chart_number=fields.text("chart_number"),
    )


def _read_addenda(encounter: _Object) -> tuple[Addendum, ...]:
    addenda: list[Addendum] = []
    for index, raw in enumerate(encounter.array("addenda")):
        fields = _Object(raw, f"{encounter.path('addenda')}[{index}]")
        fields.only(_ADDENDUM_FIELDS)
        seq = fields.integer("seq", minimum=1)
        if seq != index + 1:
            fields.fail("seq", f"expected {index + 1} (addenda are numbered 1, 2, ...), got {seq}")
        signed_by = fields.optional_text("signed_by")
        signed_at = fields.optional_moment("signed_at")
        if (signed_by is None) != (signed_at is None):
            fields.fail("signed_at", "'signed_by' and 'signed_at' must both be given or both null")
        addenda.append(
            Addendum(
                seq=seq,
                reason=fields.text("reason"),
                opened_by=fields.text("opened_by"),
                opened_at=fields.moment("opened_at"),
                signed_by=signed_by,
                signed_at=signed_at,
            )
        )
    return tuple(addenda)


def _check_lifecycle(
    fields: _Object,
    status: EncounterStatus,
    finalized_by: str | None,
    finalized_at: datetime | None,
    addenda: tuple[Addendum, ...],
) -> None:
    """Refuse signature states the lifecycle cannot reach.

    draft: not finalized, no addenda. finalized, amending, amended: finalized; every
    addendum but the last is signed; the last is open exactly while amending; amended has
    at least one addendum.
    """
    finalized = finalized_by is not None
    if finalized != (finalized_at is not None):
        fields.fail("finalized_at", "'finalized_by' and 'finalized_at' must both be given or null")
    if status is EncounterStatus.DRAFT:
        if finalized:
            fields.fail("finalized_by", "a draft encounter is not finalized yet; expected null")
        if addenda:
            fields.fail("addenda", "a draft encounter has no addenda; expected []")
        return
    if not finalized:
        fields.fail("finalized_by", f"expected who finalized the encounter (status {status.value})")
    for addendum in addenda[:-1]:
        if addendum.signed_by is None:
            fields.fail("addenda", f"addendum {addendum.seq} is unsigned but is not the last one")
    open_addendum = bool(addenda) and addenda[-1].signed_by is None
    if status is EncounterStatus.AMENDING and not open_addendum:
        fields.fail("addenda", "an amending encounter has an unsigned last addendum")
    if status is not EncounterStatus.AMENDING and open_addendum:
        fields.fail("addenda", f"addendum {len(addenda)} is unsigned, so the status is amending")
    if status is EncounterStatus.AMENDED and not addenda:
        fields.fail("addenda", "an amended encounter has at least one addendum")


def _read_answers(raw_answers: _Object, workflow: Workflow) -> dict[str, AnswerValue]:
    answers: dict[str, AnswerValue] = {}
    for item_id, raw in raw_answers.items():
        path = raw_answers.path(item_id)
        if not workflow.has_item(item_id):
            raise DocumentError(path, f"the workflow has no item {item_id!r}")
        item = workflow.item(item_id)
        if not _may_have_answer(item):
            raise DocumentError(
                path,
                f"item {item_id!r} is an order of kind check and has no answer; "
                "its state belongs under 'orders'",
            )
        if item.kind is ItemKind.MULTI and isinstance(raw, list):
            # the domain puts the choices in a set, which fails on unhashable JSON values
            for index, choice in enumerate(raw):
                if not isinstance(choice, str):
                    raise DocumentError(
                        f"{path}[{index}]", f"expected an option value, got {_show(choice)}"
                    )
        try:
            answers[item_id] = from_json(item, raw)
        except AnswerError as error:
            raise DocumentError(path, error.message) from None
    return answers


def _read_orders(raw_orders: _Object, workflow: Workflow) -> dict[str, OrderState]:
    orders: dict[str, OrderState] = {}
    for item_id, _ in raw_orders.items():
        path = raw_orders.path(item_id)
        if not workflow.has_item(item_id):
            raise DocumentError(path, f"the workflow has no item {item_id!r}")
        if not workflow.item(item_id).is_order:
            raise DocumentError(path, f"item {item_id!r} is not an order")
        fields = raw_orders.child(item_id, _ORDER_FIELDS)
        orders[item_id] = OrderState(
            status=fields.choice("status", OrderStatus),
            date=fields.optional_calendar_date("date"),
            note=fields.text("note"),
        )
    return orders


class _Object:
    """A JSON object at `path` in the document, with typed accessors that name the path.

    Every field of the format is required (optional values are written as null), so the
    accessors may index directly once `only` has checked the keys.
    """

    def __init__(self, raw: object, path: str) -> None:
        self._path = path
        if not isinstance(raw, dict):
            raise DocumentError(path or "(document)", f"expected an object, got {_show(raw)}")
        self._raw: dict[str, Any] = raw

    def only(self, fields: tuple[str, ...]) -> None:
        """Check that the keys are exactly `fields`: none unknown, none missing."""
        for key in self._raw:
            if key not in fields:
                self.fail(key, "unknown field")
        for key in fields:
            self.require(key)

    def require(self, key: str) -> None:
        """Check that field `key` is present."""
        if key not in self._raw:
            self.fail(key, "required field is missing")

    def path(self, key: str) -> str:
        """The path of field `key` of this object."""
        return _field_path(self._path, key)

    def fail(self, key: str, message: str) -> NoReturn:
        """Raise DocumentError about field `key`."""
        raise DocumentError(self.path(key), message)

    def items(self) -> Iterator[tuple[str, Any]]:
        """The key-value pairs, in document order."""
        return iter(self._raw.items())

    def value(self, key: str) -> Any:
        """The raw value of field `key`."""
        return self._raw[key]

    def child(self, key: str, fields: tuple[str, ...] | None) -> _Object:
        """Field `key` as an object; with `fields`, one holding exactly those keys."""
        child = _Object(self._raw[key], self.path(key))
        if fields is not None:
            child.only(fields)
        return child

    def array(self, key: str) -> list[Any]:
        """Field `key` as an array."""
        value = self._raw[key]
        if not isinstance(value, list):
            self.fail(key, f"expected an array, got {_show(value)}")
        return value

    def text(self, key: str, *, nonblank: bool = False) -> str:
        """Field `key` as a string; with `nonblank`, one that is not empty or only spaces."""
        value = self._raw[key]
        if not isinstance(value, str):
            self.fail(key, f"expected a string, got {_show(value)}")
        if nonblank and not value.strip():
            self.fail(key, "must not be empty")
        return value

    def optional_text(self, key: str) -> str | None:
        """Field `key` as a string or null."""
        return None if self._raw[key] is None else self.text(key)

    def integer(self, key: str, *, minimum: int) -> int:
        """Field `key` as an integer of at least `minimum`."""
        value = self._raw[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"expected an integer, got {_show(value)}")
        if not minimum <= value <= MAX_INTEGER:
            self.fail(key, f"expected a whole number from {minimum} to {MAX_INTEGER}, got {value}")
        return value

    def choice(self, key: str, enum: type[_E]) -> _E:
        """Field `key` as a member of the string enum `enum`."""
        value = self.text(key)
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            self.fail(key, f"{_show(value)} is not one of {allowed}")

    def calendar_date(self, key: str) -> date:
        """Field `key` as a calendar date written YYYY-MM-DD."""
        value = self._raw[key]
        if isinstance(value, str) and _DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise DocumentError(self.path(key), f"expected a date as YYYY-MM-DD, got {_show(value)}")

    def optional_calendar_date(self, key: str) -> date | None:
        """Field `key` as a date or null."""
        return None if self._raw[key] is None else self.calendar_date(key)

    def moment(self, key: str) -> datetime:
        """Field `key` as a date and time with its UTC offset, returned in UTC."""
        value = self._raw[key]
        if isinstance(value, str) and _MOMENT.fullmatch(value):
            try:
                return datetime.fromisoformat(value).astimezone(UTC)
            except (ValueError, OverflowError):
                pass
        raise DocumentError(
            self.path(key),
            "expected a date and time with its UTC offset as YYYY-MM-DDTHH:MM:SS+00:00, "
            f"got {_show(value)}",
        )

    def optional_moment(self, key: str) -> datetime | None:
        """Field `key` as a date and time or null."""
        return None if self._raw[key] is None else self.moment(key)


def _show(value: object) -> str:
    """A short description of a JSON value for a message: strings quoted, others by type."""
    if isinstance(value, str):
        shown = repr(value)
        return shown if len(shown) <= 60 else shown[:56] + "...'"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value}" if len(repr(value)) <= 30 else "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
