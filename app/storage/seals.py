"""Sealed content of stored encounters, and the replay of audit events that checks them.

`audit verify` does not only re-hash the chain: it replays each encounter's events into
the state they give (status, language, signatures, answers, orders, addenda, sealed
digests) and compares that with what is stored, and it recomputes each sealed digest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.seal import content_digest
from app.storage.models import (
    AddendumRow,
    AnswerRow,
    AuditRow,
    EncounterRow,
    OrderRow,
    PatientRow,
    SnapshotRow,
)
from app.storage.records import stored_day, stored_time

UNKNOWN: Final = "\x00unknown"
"""A value the audit events of older versions did not record (not compared)."""
SCALARS: Final = ("status", "language", "finalized_by", "finalized_at", "sealed_digest")
ADDENDUM_FIELDS: Final = (
    "seq",
    "reason",
    "opened_by",
    "opened_at",
    "signed_by",
    "signed_at",
    "sealed_digest",
)

State = dict[str, Any]
"""An encounter's recorded state: SCALARS, "answers", "orders" and "addenda" (JSON values)."""


def dump(value: Any) -> str:
    """Canonical compact JSON text."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def moment(value: datetime | str | None) -> str | None:
    """A stored time as UTC ISO text."""
    return None if value is None else stored_time(value).isoformat()


def signature_json(signed_by: str, at: datetime, digest: str) -> str:
    """The new value of a signing audit event: who, when, and the sealed digest."""
    return dump({"signed_by": signed_by, "signed_at": moment(at), "sealed_digest": digest})


def order_value(status: str, on_date: Any, note: str) -> dict[str, Any]:
    """One stored order's state as a JSON value."""
    return {
        "status": status,
        "date": stored_day(on_date).isoformat() if on_date else None,
        "note": note,
    }


class Fixed(NamedTuple):
    """What a signed encounter never changes: its identity, patient and workflow."""

    uid: str
    clinician: str
    created_at: str
    patient: dict[str, Any]
    workflow: dict[str, Any]


def fixed_of(row: EncounterRow, patient: PatientRow, snapshot: Any) -> Fixed:
    """The fixed part of one stored encounter."""
    return Fixed(
        uid=row.uid,
        clinician=row.clinician,
        created_at=moment(row.created_at) or "",
        patient={
            "family_name": patient.family_name,
            "given_name": patient.given_name,
            "birth_date": stored_day(patient.birth_date).isoformat(),
            "chart_number": patient.chart_number or "",
        },
        workflow={
            "id": snapshot.workflow_id,
            "version": snapshot.version,
            "content_hash": snapshot.content_hash,
        },
    )


def document_of(fixed: Fixed, state: State) -> dict[str, Any]:
    """The encounter-document-shaped dict whose sealed content app.domain.seal digests."""
    return {
        "encounter": {
            "uid": fixed.uid,
            "language": state["language"],
            "clinician": fixed.clinician,
            "created_at": fixed.created_at,
            "addenda": state["addenda"],
        },
        "patient": fixed.patient,
        "workflow": fixed.workflow,
        "answers": state["answers"],
        "orders": state["orders"],
    }


def state_of(
    row: EncounterRow, answers: Iterable[Any], orders: Iterable[Any], addenda: Iterable[Any]
) -> State:
    """The recorded state of one stored encounter (answers, orders and addenda as rows or
    objects with the columns' names)."""
    return {
        "status": row.status,
        "language": row.language,
        "finalized_by": row.finalized_by,
        "finalized_at": moment(row.finalized_at),
        "sealed_digest": row.sealed_digest,
        "answers": {answer.item_id: json.loads(answer.value_json) for answer in answers},
        "orders": {
            order.item_id: order_value(order.status, order.on_date, order.note) for order in orders
        },
        "addenda": [
            {
                "seq": addendum.seq,
                "reason": addendum.reason,
                "opened_by": addendum.opened_by,
                "opened_at": moment(addendum.opened_at),
                "signed_by": addendum.signed_by,
                "signed_at": moment(addendum.signed_at),
                "sealed_digest": addendum.sealed_digest,
            }
            for addendum in sorted(addenda, key=lambda entry: entry.seq)
        ],
    }


def stored_state(session: Session, row: EncounterRow) -> State:
    """The recorded state of `row`, read in `session`."""
    return state_of(
        row,
        session.scalars(select(AnswerRow).where(AnswerRow.encounter_id == row.id)),
        session.scalars(select(OrderRow).where(OrderRow.encounter_id == row.id)),
        session.scalars(select(AddendumRow).where(AddendumRow.encounter_id == row.id)),
    )


def sealed_document(session: Session, row: EncounterRow) -> dict[str, Any]:
    """The document-shaped content of `row` as stored now (for its sealed digest)."""
    patient = session.get(PatientRow, row.patient_id)
    snapshot = session.get(SnapshotRow, row.snapshot_id)
    assert patient is not None  # foreign keys guarantee both
    assert snapshot is not None
    return document_of(fixed_of(row, patient, snapshot), stored_state(session, row))


# -- replay ------------------------------------------------------------------------------


class _Replay:
    """The state one encounter's audit events give, event by event."""

    def __init__(
        self, encounter_id: int, fixed: Fixed | None, language: str, sealed_from: int
    ) -> None:
        self.encounter_id = encounter_id
        self.sealed_from = sealed_from
        self.fixed = fixed
        self.language = language
        self.state: State | None = None
        self.replayable = True
        self.seal_problem: str | None = None

    def _problem(self, event: AuditRow, what: str) -> str:
        return f"encounter {self.encounter_id}: event {event.id} ({event.action}): {what}"

    def apply(self, event: AuditRow) -> str | None:
        """Apply one event; a problem found on the way, or None."""
        action = event.action
        if action == "create":
            self.state = _empty_state(self.language)
            return None
        if action == "import":
            imported = _object(event.new_json)
            if imported is None:
                # Imports before sealing recorded only the encounter's uid.
                self.replayable = False
            else:
                self.state = imported
            return None
        if not self.replayable:
            return None
        state = self.state
        if state is None:
            return self._problem(event, "comes before the encounter was created")
        if action in ("answer", "order"):
            values = state["answers" if action == "answer" else "orders"]
            item = event.item_id or ""
            old = values.get(item)
            if (None if old is None else dump(old)) != _canonical(event.old_json):
                return self._problem(
                    event, f"{action} {item}: its old value is not the value before"
                )
            if event.new_json is None:
                values.pop(item, None)
            else:
                values[item] = json.loads(event.new_json)
        elif action == "language":
            state["language"] = event.new_json
        elif action == "finalize":
            signature = _signature(event)
            state.update(
                status="finalized",
                finalized_by=signature["signed_by"],
                finalized_at=signature["signed_at"],
                sealed_digest=signature["sealed_digest"],
            )
            return self._check_seal(event, signature["sealed_digest"])
        elif action == "amend":
            state["status"] = "amending"
            state["addenda"].append(
                {
                    "seq": len(state["addenda"]) + 1,
                    "reason": event.new_json,
                    "opened_by": event.actor,
                    # Before 0003 the event's time was read apart from the addendum's.
                    "opened_at": moment(event.at) if event.id >= self.sealed_from else UNKNOWN,
                    "signed_by": None,
                    "signed_at": None,
                    "sealed_digest": None,
                }
            )
        elif action == "sign_addendum":
            if not state["addenda"]:
                return self._problem(event, "signs an addendum that was never opened")
            signature = _signature(event)
            state["status"] = "amended"
            state["addenda"][-1].update(signature)
            return self._check_seal(event, signature["sealed_digest"])
        else:
            return self._problem(event, "is not an action the application records")
        return None

    def _check_seal(self, event: AuditRow, digest: Any) -> str | None:
        if digest == UNKNOWN or self.fixed is None or self.state is None:
            return None
        if any(addendum["opened_at"] == UNKNOWN for addendum in self.state["addenda"]):
            return None  # content recorded before 0003 in part: not recomputable
        if content_digest(document_of(self.fixed, self.state)) != digest and not self.seal_problem:
            # Reported after the stored state is compared, which names the field.
            self.seal_problem = self._problem(
                event, "the content it sealed is not the content the events before give"
            )
        return None


def _empty_state(language: str) -> State:
    return {
        "status": "draft",
        "language": language,
        "finalized_by": None,
        "finalized_at": None,
        "sealed_digest": None,
        "answers": {},
        "orders": {},
        "addenda": [],
    }


def _object(text: str | None) -> dict[str, Any] | None:
    try:
        value = json.loads(text or "")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _canonical(text: str | None) -> str | None:
    return None if text is None else dump(json.loads(text))


def _signature(event: AuditRow) -> dict[str, Any]:
    recorded = _object(event.new_json)
    if recorded is None or "sealed_digest" not in recorded:
        # Signatures before sealing recorded only the signer's name.
        return {"signed_by": event.new_json, "signed_at": UNKNOWN, "sealed_digest": UNKNOWN}
    return {key: recorded.get(key) for key in ("signed_by", "signed_at", "sealed_digest")}


def first_difference(encounter_id: int, stored: State, replayed: State) -> str | None:
    """The first field where the stored state differs from the replayed one, named."""
    where = f"encounter {encounter_id}"
    for key in SCALARS:
        if replayed[key] != UNKNOWN and stored[key] != replayed[key]:
            return f"{where}: {key}: the stored value is not what its audit events give"
    for kind, name in (("answers", "answer"), ("orders", "order")):
        for item in sorted(set(stored[kind]) | set(replayed[kind])):
            if stored[kind].get(item) != replayed[kind].get(item):
                return f"{where}: {name} {item}: the stored value is not what its audit events give"
    stored_addenda: Sequence[Mapping[str, Any]] = stored["addenda"]
    replayed_addenda: Sequence[Mapping[str, Any]] = replayed["addenda"]
    if len(stored_addenda) != len(replayed_addenda):
        return (
            f"{where}: addenda: {len(stored_addenda)} stored, "
            f"{len(replayed_addenda)} in its audit events"
        )
    for kept, given in zip(stored_addenda, replayed_addenda, strict=True):
        for key in ADDENDUM_FIELDS:
            if given[key] != UNKNOWN and kept[key] != given[key]:
                return (
                    f"{where}: addendum {given['seq']} {key}: "
                    "the stored value is not what its audit events give"
                )
    return None


def seal_problem(encounter_id: int, fixed: Fixed, stored: State) -> str | None:
    """Whether the stored content still has the digest its newest signature sealed."""
    digest: str | None = None
    if stored["status"] == "finalized":
        digest = stored["sealed_digest"]
    elif stored["status"] == "amended" and stored["addenda"]:
        digest = stored["addenda"][-1]["sealed_digest"]
    if digest is None:
        return None
    if content_digest(document_of(fixed, stored)) != digest:
        # Answers, orders, addenda and language were compared with the events before: what
        # differs is the patient, the workflow or the encounter's identity.
        return (
            f"encounter {encounter_id}: sealed_digest: the patient, workflow, language or "
            "encounter identity differs from what was signed"
        )
    return None


class RecordCheck(NamedTuple):
    """What the replay found: the first problem, and encounters it could not replay."""

    problem: str | None
    not_replayed: int


def check_records(session: Session, sealed_from: int, batch: int = 500) -> RecordCheck:
    """Replay every encounter's events and compare with what is stored, in id order.

    Events before `sealed_from` were written before schema 0003 and record less."""
    last = max(
        session.scalar(select(func.max(EncounterRow.id))) or 0,
        session.scalar(select(func.max(AuditRow.encounter_id))) or 0,
    )
    not_replayed = 0
    snapshots = {
        row.id: row
        for row in session.execute(
            select(
                SnapshotRow.id,
                SnapshotRow.workflow_id,
                SnapshotRow.version,
                SnapshotRow.content_hash,
            )
        )
    }
    for low in range(1, last + 1, batch):
        high = low + batch - 1
        problem, skipped = _check_range(session, low, high, sealed_from, snapshots)
        not_replayed += skipped
        if problem is not None:
            return RecordCheck(problem, not_replayed)
        session.expunge_all()
    return RecordCheck(None, not_replayed)


def _grouped(rows: Iterable[Any]) -> dict[int, list[Any]]:
    groups: dict[int, list[Any]] = {}
    for row in rows:
        groups.setdefault(row.encounter_id, []).append(row)
    return groups


def _check_range(
    session: Session, low: int, high: int, sealed_from: int, snapshots: dict[int, Any]
) -> tuple[str | None, int]:
    def within(column: Any) -> Any:
        return column.between(low, high)

    encounters = {
        row.id: row for row in session.scalars(select(EncounterRow).where(within(EncounterRow.id)))
    }
    patient_ids = {row.patient_id for row in encounters.values()}
    patients = {
        row.id: row
        for row in session.scalars(select(PatientRow).where(PatientRow.id.in_(patient_ids)))
    }
    events = _grouped(
        session.scalars(select(AuditRow).where(within(AuditRow.encounter_id)).order_by(AuditRow.id))
    )
    skipped = 0
    replays: dict[int, _Replay] = {}
    for encounter_id in sorted(set(encounters) | set(events)):
        row = encounters.get(encounter_id)
        if row is None:
            return f"encounter {encounter_id}: its audit events exist but it is not stored", skipped
        fixed = fixed_of(row, patients[row.patient_id], snapshots[row.snapshot_id])
        own_events = events.get(encounter_id, [])
        # A new encounter has the language its first language change started from, or,
        # without any, the one stored.
        language = next(
            (event.old_json for event in own_events if event.action == "language"), row.language
        )
        replay = _Replay(encounter_id, fixed, language or row.language, sealed_from)
        for event in own_events:
            problem = replay.apply(event)
            if problem is not None:
                return problem, skipped
        if not replay.replayable:
            skipped += 1
            continue
        if replay.state is None:
            return f"encounter {encounter_id}: it has no audit events", skipped
        replays[encounter_id] = replay
    if not replays:
        return None, skipped
    # Only the encounters that can be replayed are read further, as plain rows.
    chosen = list(replays)
    answers = _grouped(
        session.execute(
            select(AnswerRow.encounter_id, AnswerRow.item_id, AnswerRow.value_json).where(
                AnswerRow.encounter_id.in_(chosen)
            )
        )
    )
    orders = _grouped(
        session.execute(
            select(
                OrderRow.encounter_id,
                OrderRow.item_id,
                OrderRow.status,
                OrderRow.on_date,
                OrderRow.note,
            ).where(OrderRow.encounter_id.in_(chosen))
        )
    )
    addenda = _grouped(
        session.scalars(select(AddendumRow).where(AddendumRow.encounter_id.in_(chosen)))
    )
    for encounter_id, replay in replays.items():
        assert replay.state is not None
        assert replay.fixed is not None
        state = state_of(
            encounters[encounter_id],
            answers.get(encounter_id, []),
            orders.get(encounter_id, []),
            addenda.get(encounter_id, []),
        )
        problem = (
            first_difference(encounter_id, state, replay.state)
            or seal_problem(encounter_id, replay.fixed, state)
            or replay.seal_problem
        )
        if problem is not None:
            return problem, skipped
    return None, skipped


def check_snapshots(session: Session) -> str | None:
    """The first workflow snapshot whose text does not have its recorded SHA-256."""
    rows = session.execute(
        select(
            SnapshotRow.id,
            SnapshotRow.workflow_id,
            SnapshotRow.content_hash,
            SnapshotRow.source_text,
        ).order_by(SnapshotRow.id)
    )
    for snapshot_id, workflow_id, content_hash, source_text in rows:
        if hashlib.sha256(source_text.encode("utf-8")).hexdigest() != content_hash:
            return (
                f"workflow snapshot {snapshot_id} ({workflow_id}): source_text: "
                "the text does not have its recorded SHA-256"
            )
    return None
