"""Repository: the storage operations the services use; takes and returns domain objects."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, or_, select, union, update
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from app.domain.encounter import (
    AuditEvent,
    Encounter,
    EncounterStatus,
    EncounterSummary,
    OrderState,
    OrderStatus,
    Patient,
)
from app.domain.seal import content_digest
from app.domain.values import to_json
from app.domain.workflow import Workflow
from app.storage.database import (
    Database,
    describe_error,
    is_server_unreachable,
    unreachable_message,
)
from app.storage.errors import (
    ConflictError,
    DamagedRecordError,
    DatabaseUnavailableError,
    DuplicateError,
    LockedError,
    NotFoundError,
    RefusedValueError,
    RevisionChangedError,
    StorageError,
)
from app.storage.models import (
    AddendumRow,
    AnswerRow,
    AuditHeadRow,
    AuditRow,
    EncounterRow,
    OrderRow,
    PatientRow,
    SnapshotRow,
)
from app.storage.records import (
    WorkflowResolver,
    addendum_from,
    answers_from,
    check_snapshot,
    encounter_from,
    order_from,
    patient_from,
    utc,
)
from app.storage.seals import (
    check_records,
    check_snapshots,
    dump,
    sealed_document,
    signature_json,
    stored_state,
)
from app.storage.unset import UNSET as UNSET
from app.storage.unset import Unset as _Unset
from app.storage.witness import ChainHead

GENESIS_HASH: Final = "0" * 64
# A search matching more than one patient in this many is listed by walking the encounters
# in list order (SQLite), not by looking up each matching patient's encounters.
BROAD_SEARCH_SHARE: Final = 10
Clock = Callable[[], datetime]
LOCKED_STATES = (EncounterStatus.FINALIZED.value, EncounterStatus.AMENDED.value)


def search_key(text: str) -> str:
    """The case-folded, space-normalised form names are searched by."""
    return " ".join(text.casefold().split())


def _prefix_range(column: Any, prefix: str) -> Any:
    return (column >= prefix) & (column < prefix + "\U0010ffff")


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def event_hash(prev_hash: str, row: AuditRow) -> str:
    """The chained hash of an audit event: its fields and the hash of the event before."""
    fields = [
        prev_hash,
        row.encounter_id,
        utc(row.at).isoformat(),
        row.actor,
        row.workstation,
        row.action,
        row.item_id,
        row.old_json,
        row.new_json,
    ]
    return hashlib.sha256(_dump(fields).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditVerification:
    """The result of checking the audit chain and replaying it against the records."""

    events: int
    first_problem: str | None
    witnessed: int = 0
    not_replayed: int = 0

    @property
    def ok(self) -> bool:
        """Whether the chain is intact and the records are what it gives."""
        return self.first_problem is None


class Repository:
    """Every read and write of the workup database goes through here."""

    def __init__(self, database: Database, clock: Clock, workstation: str) -> None:
        self._database = database
        self._clock = clock
        self._workstation = workstation
        self._workflows: dict[str, Workflow] = {}
        # Encounter id -> (snapshot id, content hash) of the snapshots read here, so that an
        # autosave does not read the snapshot again (on a server, 4 round trips). Every write
        # checks the row's snapshot against it (see _editable).
        self._snapshot_of: dict[int, tuple[int, str]] = {}

    # -- sessions ---------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Session]:
        try:
            with self._database.write_factory.begin() as session:
                yield session
        except IntegrityError as error:
            raise self._translate(error) from error
        except DBAPIError as error:
            raise self._translate(error) from error

    @contextmanager
    def _read(self) -> Iterator[Session]:
        try:
            with self._database.read_factory() as session:
                yield session
        except DBAPIError as error:
            raise self._translate(error) from error

    @staticmethod
    @contextmanager
    def _readable(what: str) -> Iterator[None]:
        """A value that cannot be decoded (a status, a time, an answer written outside the
        application) names the record, instead of stopping the caller with a traceback."""
        try:
            yield
        except (ValueError, TypeError) as error:
            raise DamagedRecordError(
                f"{what}: a stored value is not one the application writes ({_short(error)}); "
                "the record was changed outside the application: run 'workup audit verify'"
            ) from error

    def _translate(self, error: SQLAlchemyError) -> StorageError:
        if is_server_unreachable(error):
            return DatabaseUnavailableError(unreachable_message(self._database.label))
        message = str(getattr(error, "orig", error))
        if "encounter is finalized" in message:
            return LockedError("the encounter is finalized; open an amendment to change it")
        if "append-only" in message or "addendum is signed" in message:
            return LockedError(message.splitlines()[0])
        if "refused: " in message:
            reason = message.split("refused: ", 1)[1].splitlines()[0]
            return LockedError(f"the database refused the change: {reason}")
        if isinstance(error, DataError):
            # A value the limits of entry should have refused: an input error, never "the
            # server is unreachable" (which would hold the edit back as if offline).
            return RefusedValueError(
                f"the database refused a value it cannot store ({message.splitlines()[0]}); "
                "shorten or correct the entry"
            )
        if isinstance(error, IntegrityError):
            if "chart_number" in message:
                return DuplicateError("a patient with this chart number already exists")
            if "uid" in message:
                return DuplicateError("this encounter is already in the database")
            return StorageError(f"the database refused the change: {message.splitlines()[0]}")
        if "database is locked" in message or "database is busy" in message:
            return DatabaseUnavailableError(
                f"{self._database.label}: the database is locked by another program; "
                "close it and try again"
            )
        return DatabaseUnavailableError(describe_error(self._database.label, error))

    def _now(self) -> datetime:
        return utc(self._clock())

    # -- patients ---------------------------------------------------------------------

    def add_patient(
        self, family_name: str, given_name: str, birth_date: date, chart_number: str
    ) -> Patient:
        """Store a new patient and return it with its id."""
        row = PatientRow(
            family_name=family_name.strip(),
            given_name=given_name.strip(),
            birth_date=birth_date,
            chart_number=chart_number.strip() or None,
            name_key=search_key(f"{family_name} {given_name}"),
            given_key=search_key(given_name),
            created_at=self._now(),
        )
        with self._write() as session:
            session.add(row)
            session.flush()
            return _patient(row)

    def get_patient(self, patient_id: int) -> Patient:
        """The patient with `patient_id`."""
        with self._read() as session:
            row = session.get(PatientRow, patient_id)
            if row is None:
                raise NotFoundError(f"no patient with id {patient_id}")
            return _patient(row)

    def find_patient_by_chart(self, chart_number: str) -> Patient | None:
        """The patient with this chart number, if any."""
        with self._read() as session:
            row = session.scalars(
                select(PatientRow).where(PatientRow.chart_number == chart_number.strip())
            ).first()
            return _patient(row) if row else None

    def find_patients(self, text: str, limit: int = 50) -> list[Patient]:
        """Patients whose name or chart number starts with `text`, by name."""
        key = search_key(text)
        query = select(PatientRow).order_by(PatientRow.name_key, PatientRow.id).limit(limit)
        if key:
            query = query.where(
                or_(
                    _prefix_range(PatientRow.name_key, key),
                    _prefix_range(PatientRow.given_key, key),
                    _prefix_range(PatientRow.chart_number, text.strip()),
                )
            )
        with self._read() as session:
            return [_patient(row) for row in session.scalars(query)]

    # -- workflow snapshots -----------------------------------------------------------

    def ensure_snapshot(self, workflow: Workflow) -> int:
        """The id of the stored snapshot of `workflow`, storing it when new."""
        with self._write() as session:
            return self._snapshot_id(session, workflow)

    def _snapshot_id(self, session: Session, workflow: Workflow) -> int:
        existing = session.scalars(
            select(SnapshotRow.id).where(SnapshotRow.content_hash == workflow.content_hash)
        ).first()
        if existing is not None:
            return existing
        row = SnapshotRow(
            workflow_id=workflow.id,
            version=workflow.version,
            content_hash=workflow.content_hash,
            source_text=workflow.source_text,
            created_at=self._now(),
        )
        session.add(row)
        session.flush()
        return row.id

    def _refuse_other_definition(self, session: Session, workflow: Workflow) -> None:
        """An imported definition must not be another text under a stored id and version."""
        other = session.scalars(
            select(SnapshotRow.content_hash).where(
                SnapshotRow.workflow_id == workflow.id,
                SnapshotRow.version == workflow.version,
                SnapshotRow.content_hash != workflow.content_hash,
            )
        ).first()
        if other is not None:
            raise DuplicateError(
                f"the document's workflow {workflow.id} version {workflow.version} is not the "
                "definition stored here under that id and version; a changed definition needs "
                "a new version"
            )

    def snapshot_source(self, content_hash: str) -> str:
        """The definition text of the snapshot with `content_hash`."""
        with self._read() as session:
            source = session.scalars(
                select(SnapshotRow.source_text).where(SnapshotRow.content_hash == content_hash)
            ).first()
        if source is None:
            raise NotFoundError(f"no workflow snapshot {content_hash[:12]}")
        return source

    # -- encounters -------------------------------------------------------------------

    def create_encounter(
        self,
        patient_id: int,
        workflow: Workflow,
        clinician: str,
        language: str,
        initial_answers: dict[str, Any],
    ) -> int:
        """Start a draft encounter pinned to `workflow`; answers are JSON values."""
        now = self._now()
        with self._write() as session:
            if session.get(PatientRow, patient_id) is None:
                raise NotFoundError(f"no patient with id {patient_id}")
            row = EncounterRow(
                uid=str(uuid.uuid4()),
                patient_id=patient_id,
                snapshot_id=self._snapshot_id(session, workflow),
                status=EncounterStatus.DRAFT.value,
                language=language,
                clinician=clinician,
                created_at=now,
                updated_at=now,
                revision=0,
            )
            session.add(row)
            session.flush()
            self._audit(session, row.id, clinician, "create", None, None, workflow.id)
            for item_id, value in initial_answers.items():
                new_json = _dump(value)
                session.add(
                    AnswerRow(
                        encounter_id=row.id,
                        item_id=item_id,
                        value_json=new_json,
                        updated_at=now,
                        updated_by=clinician,
                    )
                )
                self._audit(session, row.id, clinician, "answer", item_id, None, new_json)
            return row.id

    def import_encounter(self, encounter: Encounter, workflow: Workflow, actor: str) -> int:
        """Store an encounter read from a document, patient matched by chart number."""
        now = self._now()
        with self._write() as session:
            patient = encounter.patient
            chart = patient.chart_number.strip()
            existing = (
                session.scalars(select(PatientRow).where(PatientRow.chart_number == chart)).first()
                if chart
                else None
            )
            if existing is None:
                existing = PatientRow(
                    family_name=patient.family_name.strip(),
                    given_name=patient.given_name.strip(),
                    birth_date=patient.birth_date,
                    chart_number=chart or None,
                    name_key=search_key(f"{patient.family_name} {patient.given_name}"),
                    given_key=search_key(patient.given_name),
                    created_at=now,
                )
                session.add(existing)
                session.flush()
            elif (existing.family_name, existing.given_name, existing.birth_date) != (
                patient.family_name.strip(),
                patient.given_name.strip(),
                patient.birth_date,
            ):
                raise DuplicateError(
                    f"chart number {chart} belongs to another patient in this database "
                    "(family name, given name or date of birth differ); correct the document "
                    "or the patient's record, then import again"
                )
            self._refuse_other_definition(session, workflow)
            row = EncounterRow(
                uid=encounter.uid,
                patient_id=existing.id,
                snapshot_id=self._snapshot_id(session, workflow),
                status=EncounterStatus.DRAFT.value,
                language=encounter.language,
                clinician=encounter.clinician,
                created_at=utc(encounter.created_at),
                updated_at=utc(encounter.updated_at),
                revision=encounter.revision,
            )
            session.add(row)
            session.flush()
            for item_id, value in encounter.answers.items():
                item = workflow.item(item_id)
                session.add(
                    AnswerRow(
                        encounter_id=row.id,
                        item_id=item_id,
                        value_json=_dump(to_json(item, value)),
                        updated_at=utc(encounter.updated_at),
                        updated_by=encounter.clinician,
                    )
                )
            for item_id, state in encounter.orders.items():
                session.add(
                    OrderRow(
                        encounter_id=row.id,
                        item_id=item_id,
                        status=state.status.value,
                        on_date=state.date,
                        note=state.note,
                        updated_at=utc(encounter.updated_at),
                        updated_by=encounter.clinician,
                    )
                )
            session.flush()
            self._sign_imported(session, row, encounter)
            self._audit(
                session, row.id, actor, "import", None, None, dump(stored_state(session, row))
            )
            return row.id

    def _sign_imported(self, session: Session, row: EncounterRow, encounter: Encounter) -> None:
        """Take an imported encounter through its signatures as the triggers allow them:
        finalized, then each addendum opened and (but an open last one) signed. Each
        signature seals the imported content as it stands at that step."""
        if encounter.status is EncounterStatus.DRAFT:
            return
        digest = content_digest(sealed_document(session, row))
        row.status = EncounterStatus.FINALIZED.value
        row.finalized_by = encounter.finalized_by
        row.finalized_at = utc(encounter.finalized_at) if encounter.finalized_at else None
        row.sealed_digest = digest
        session.flush()
        for addendum in encounter.addenda:
            added = AddendumRow(
                encounter_id=row.id,
                seq=addendum.seq,
                reason=addendum.reason,
                opened_by=addendum.opened_by,
                opened_at=utc(addendum.opened_at),
            )
            session.add(added)
            session.flush()
            if addendum.signed_by is not None:
                digest = content_digest(sealed_document(session, row))
                added.signed_by = addendum.signed_by
                added.signed_at = utc(addendum.signed_at) if addendum.signed_at else None
                added.sealed_digest = digest
                session.flush()
        session.refresh(row)

    def load_encounter(self, encounter_id: int, resolve: WorkflowResolver) -> Encounter:
        """The whole encounter, its answers decoded against its own workflow snapshot."""
        with self._readable(f"encounter {encounter_id}"), self._read() as session:
            row = session.get(EncounterRow, encounter_id)
            if row is None:
                raise NotFoundError(f"no encounter with id {encounter_id}")
            patient = session.get(PatientRow, row.patient_id)
            snapshot = session.get(SnapshotRow, row.snapshot_id)
            # Foreign keys guarantee both rows.
            assert patient is not None
            assert snapshot is not None
            workflow = self._workflow(snapshot, resolve)
            answers = answers_from(
                encounter_id,
                workflow,
                (
                    (answer.item_id, answer.value_json)
                    for answer in session.scalars(
                        select(AnswerRow).where(AnswerRow.encounter_id == encounter_id)
                    )
                ),
            )
            orders = {
                order.item_id: order_from(order.status, order.on_date, order.note)
                for order in session.scalars(
                    select(OrderRow).where(OrderRow.encounter_id == encounter_id)
                )
            }
            addenda = tuple(
                addendum_from(
                    addendum.seq,
                    addendum.reason,
                    addendum.opened_by,
                    addendum.opened_at,
                    addendum.signed_by,
                    addendum.signed_at,
                    addendum.sealed_digest,
                )
                for addendum in session.scalars(
                    select(AddendumRow)
                    .where(AddendumRow.encounter_id == encounter_id)
                    .order_by(AddendumRow.seq)
                )
            )
            return encounter_from(
                encounter_id=row.id,
                uid=row.uid,
                patient=_patient(patient),
                workflow_id=snapshot.workflow_id,
                workflow_version=snapshot.version,
                workflow_hash=snapshot.content_hash,
                status=row.status,
                language=row.language,
                clinician=row.clinician,
                created_at=row.created_at,
                updated_at=row.updated_at,
                revision=row.revision,
                finalized_by=row.finalized_by,
                finalized_at=row.finalized_at,
                answers=answers,
                orders=orders,
                addenda=addenda,
                sealed_digest=row.sealed_digest,
            )

    def encounter_workflow(self, encounter_id: int, resolve: WorkflowResolver) -> Workflow:
        """The workflow snapshot an encounter is pinned to (read once per encounter: a
        snapshot row cannot change once an encounter refers to it)."""
        known = self._snapshot_of.get(encounter_id)
        if known is not None and known[1] in self._workflows:
            return self._workflows[known[1]]
        with self._read() as session:
            snapshot = session.scalars(
                select(SnapshotRow)
                .join(EncounterRow, EncounterRow.snapshot_id == SnapshotRow.id)
                .where(EncounterRow.id == encounter_id)
            ).first()
            if snapshot is None:
                raise NotFoundError(f"no encounter with id {encounter_id}")
            workflow = self._workflow(snapshot, resolve)
            self._snapshot_of[encounter_id] = (snapshot.id, snapshot.content_hash)
            return workflow

    def _workflow(self, snapshot: SnapshotRow, resolve: WorkflowResolver) -> Workflow:
        cached = self._workflows.get(snapshot.content_hash)
        if cached is None or cached.source_text != snapshot.source_text:
            check_snapshot(snapshot.id, snapshot.content_hash, snapshot.source_text)
            cached = resolve(snapshot.content_hash, snapshot.source_text)
            self._workflows[snapshot.content_hash] = cached
        return cached

    def _editable(self, session: Session, encounter_id: int) -> EncounterRow:
        row = session.get(EncounterRow, encounter_id, with_for_update=True)
        if row is None:
            self._snapshot_of.pop(encounter_id, None)
            raise NotFoundError(f"no encounter with id {encounter_id}")
        known = self._snapshot_of.get(encounter_id)
        if known is not None and known[0] != row.snapshot_id:
            # The caller checked the change against the workflow it read before: refuse it.
            del self._snapshot_of[encounter_id]
            raise StorageError(
                f"encounter {encounter_id}: its workflow snapshot was replaced while it was "
                "open; open it again"
            )
        if not EncounterStatus(row.status).editable:
            if row.status == EncounterStatus.FINALIZED.value and row.finalized_at is not None:
                signed = (
                    f"was finalized by {row.finalized_by or 'another user'} at "
                    f"{utc(row.finalized_at).isoformat(timespec='seconds')}"
                )
            else:
                signed = f"is {row.status} and signed"
            raise LockedError(
                f"encounter {encounter_id} {signed}; it can no longer be changed: "
                "open an amendment to change it"
            )
        return row

    def _touch(self, row: EncounterRow) -> int:
        row.revision += 1
        row.updated_at = self._now()
        return row.revision

    def set_answer(
        self,
        encounter_id: int,
        item_id: str,
        value: Any | None,
        actor: str,
        base: Any = UNSET,
    ) -> int:
        """Store (or clear, with None) one JSON answer durably; return the new revision.

        With `base` (the JSON value this writer last saw, None for unanswered), a
        different current value raises ConflictError instead of overwriting it.
        """
        with self._write() as session:
            row = self._editable(session, encounter_id)
            current = session.get(AnswerRow, (encounter_id, item_id))
            old_json = current.value_json if current else None
            new_json = None if value is None else _dump(value)
            if not isinstance(base, _Unset):
                base_json = None if base is None else _dump(base)
                # Storing the value that is already there is no conflict: it is what a
                # retry after a lost connection does when the first try had committed.
                # "Nothing stored" is a value like any other: a writer that saw an answer
                # another workstation has cleared since is refused as well.
                if base_json != old_json and new_json != old_json:
                    raise self._conflict(session, row, item_id, old_json, current)
            if new_json == old_json:
                return row.revision
            now = self._now()
            if new_json is None:
                assert current is not None
                session.delete(current)
            elif current is None:
                session.add(
                    AnswerRow(
                        encounter_id=encounter_id,
                        item_id=item_id,
                        value_json=new_json,
                        updated_at=now,
                        updated_by=actor,
                    )
                )
            else:
                current.value_json = new_json
                current.updated_at = now
                current.updated_by = actor
            self._audit(session, encounter_id, actor, "answer", item_id, old_json, new_json)
            return self._touch(row)

    def _conflict(
        self,
        session: Session,
        encounter: EncounterRow,
        item_id: str,
        current_json: str | None,
        current: AnswerRow | OrderRow | None,
    ) -> ConflictError:
        """The conflict a writer gets: the stored value (None when cleared), who stored it
        and when; for a cleared item the author is that of its newest audit event."""
        if current is not None:
            by, at = current.updated_by, current.updated_at
        else:
            last = session.execute(
                select(AuditRow.actor, AuditRow.at)
                .where(AuditRow.encounter_id == encounter.id, AuditRow.item_id == item_id)
                .order_by(AuditRow.id.desc())
                .limit(1)
            ).first()
            by, at = (last.actor, last.at) if last else ("", encounter.updated_at)
        return ConflictError(
            item_id,
            None if current_json is None else json.loads(current_json),
            by,
            utc(at).isoformat(timespec="seconds"),
        )

    def set_order(
        self,
        encounter_id: int,
        item_id: str,
        state: OrderState | None,
        actor: str,
        base: OrderState | _Unset | None = UNSET,
    ) -> int:
        """Store (or clear, with None) one order's state; return the new revision."""
        with self._write() as session:
            row = self._editable(session, encounter_id)
            current = session.get(OrderRow, (encounter_id, item_id))
            old = _order_json(current)
            new = _order_state_json(state)
            if not isinstance(base, _Unset) and _order_state_json(base) != old and new != old:
                raise self._conflict(session, row, item_id, old, current)
            if new == old:
                return row.revision
            now = self._now()
            if state is None:
                assert current is not None
                session.delete(current)
            elif current is None:
                session.add(
                    OrderRow(
                        encounter_id=encounter_id,
                        item_id=item_id,
                        status=state.status.value,
                        on_date=state.date,
                        note=state.note,
                        updated_at=now,
                        updated_by=actor,
                    )
                )
            else:
                current.status = state.status.value
                current.on_date = state.date
                current.note = state.note
                current.updated_at = now
                current.updated_by = actor
            self._audit(session, encounter_id, actor, "order", item_id, old, new)
            return self._touch(row)

    def set_language(self, encounter_id: int, language: str, actor: str) -> int:
        """Change the encounter's language (used for its PDFs)."""
        with self._write() as session:
            row = self._editable(session, encounter_id)
            if row.language == language:
                return row.revision
            self._audit(session, encounter_id, actor, "language", None, row.language, language)
            row.language = language
            return self._touch(row)

    def finalize(
        self, encounter_id: int, signed_by: str, reviewed_revision: int | None = None
    ) -> datetime:
        """Sign a draft (or the open addendum) and seal its content; the storage refuses
        changes from now on. With `reviewed_revision`, a newer stored revision is refused
        (RevisionChangedError): the signer signs what they reviewed, nothing else."""
        with self._write() as session:
            row = self._editable(session, encounter_id)
            if reviewed_revision is not None and row.revision != reviewed_revision:
                raise RevisionChangedError(
                    f"encounter {encounter_id} changed after it was reviewed (revision "
                    f"{row.revision}, not {reviewed_revision}); review it again before signing"
                )
            now = self._now()
            digest = content_digest(sealed_document(session, row))
            row.revision += 1
            row.updated_at = now
            if row.status == EncounterStatus.AMENDING.value:
                addendum = self._open_addendum(session, encounter_id)
                # The encounter's own columns change while it is still amending; signing
                # the addendum then makes it amended (a trigger sets the status).
                session.flush()
                addendum.signed_by = signed_by
                addendum.signed_at = now
                addendum.sealed_digest = digest
                session.flush()
                session.expire(row)
                action = "sign_addendum"
            else:
                row.status = EncounterStatus.FINALIZED.value
                row.finalized_by = signed_by
                row.finalized_at = now
                row.sealed_digest = digest
                action = "finalize"
            self._audit(
                session,
                encounter_id,
                signed_by,
                action,
                None,
                None,
                signature_json(signed_by, now, digest),
                at=now,
            )
            return now

    def _open_addendum(self, session: Session, encounter_id: int) -> AddendumRow:
        addendum = session.scalars(
            select(AddendumRow)
            .where(AddendumRow.encounter_id == encounter_id, AddendumRow.signed_at.is_(None))
            .order_by(AddendumRow.seq.desc())
        ).first()
        if addendum is None:
            raise StorageError(f"encounter {encounter_id} has no open addendum")
        return addendum

    def amend(self, encounter_id: int, reason: str, actor: str) -> int:
        """Open an addendum on a finalized or amended encounter; return its number."""
        with self._write() as session:
            row = session.get(EncounterRow, encounter_id, with_for_update=True)
            if row is None:
                raise NotFoundError(f"no encounter with id {encounter_id}")
            if row.status not in LOCKED_STATES:
                raise LockedError(f"encounter {encounter_id} is {row.status}, not signed")
            seq = (
                session.scalar(
                    select(func.max(AddendumRow.seq)).where(
                        AddendumRow.encounter_id == encounter_id
                    )
                )
                or 0
            ) + 1
            now = self._now()
            # Inserting the addendum makes the encounter amending (a trigger sets the
            # status); its revision and change time follow while it is amending.
            session.add(
                AddendumRow(
                    encounter_id=encounter_id,
                    seq=seq,
                    reason=reason,
                    opened_by=actor,
                    opened_at=now,
                )
            )
            session.flush()
            session.refresh(row)
            row.revision += 1
            row.updated_at = now
            self._audit(session, encounter_id, actor, "amend", None, None, reason, at=now)
            return seq

    # -- lists ------------------------------------------------------------------------

    def _search_condition(self, search: str, session: Session | None = None) -> Any:
        """The encounters matching `search`, as a condition on the encounters table alone.

        Each alternative is answered by an index (patient names, chart number, birth date
        through the patients' ids; creation day; encounter id). Given a SQLite `session`,
        a search matching a large share of the patients is written so that SQLite walks
        the encounters in list order instead, which reaches a first page sooner.
        """
        text = search.strip()
        if not text:
            return None
        key = search_key(text)
        patients = [
            select(PatientRow.id).where(_prefix_range(PatientRow.name_key, key)),
            select(PatientRow.id).where(_prefix_range(PatientRow.given_key, key)),
            select(PatientRow.id).where(_prefix_range(PatientRow.chart_number, text)),
        ]
        conditions: list[Any] = []
        day = _parse_day(text)
        if day is not None:
            patients.append(select(PatientRow.id).where(PatientRow.birth_date == day))
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            created_that_day = EncounterRow.created_at >= start
            if day < date.max:  # the last day of the calendar has no next day
                created_that_day &= EncounterRow.created_at < start + timedelta(days=1)
            conditions.append(created_that_day)
        if text.isdigit() and len(text) < 10:
            conditions.append(EncounterRow.id == int(text))
        matching = union(*patients)
        patient_id: Any = EncounterRow.patient_id
        if session is not None and self._database.is_sqlite:
            estimate = session.scalar(select(func.max(PatientRow.id))) or 0
            broad = estimate // BROAD_SEARCH_SHARE
            found = session.scalar(
                select(func.count()).select_from(matching.limit(broad + 1).subquery())
            )
            if broad and (found or 0) > broad:
                # A unary plus keeps SQLite from answering this term by the patient index.
                patient_id = EncounterRow.patient_id.op("+", is_comparison=False)(0)
        conditions.insert(0, patient_id.in_(matching))
        return or_(*conditions)

    def list_encounters(
        self, search: str = "", limit: int = 100, offset: int = 0
    ) -> list[EncounterSummary]:
        """Encounters matching `search` (name, chart number, date), most recent first."""
        with self._readable("the list of encounters"), self._read() as session:
            return self._list(session, search, limit, offset)

    def search_encounters(self, search: str, limit: int) -> tuple[int, list[EncounterSummary]]:
        """How many encounters match `search` and the first `limit` of them, read in one
        transaction (on a server, 3 round trips fewer than counting and listing apart)."""
        with self._readable("the list of encounters"), self._read() as session:
            total = self._count(session, search)
            return total, self._list(session, search, limit, 0) if total else []

    def _list(
        self, session: Session, search: str, limit: int, offset: int
    ) -> list[EncounterSummary]:
        page = select(EncounterRow.id).order_by(
            EncounterRow.updated_at.desc(), EncounterRow.id.desc()
        )
        condition = self._search_condition(search, session)
        if condition is not None:
            page = page.where(condition)
        # The page is chosen on the encounters' own index first; only its rows are joined.
        chosen = page.limit(limit).offset(offset).subquery()
        query = (
            select(
                EncounterRow.id,
                EncounterRow.uid,
                EncounterRow.patient_id,
                PatientRow.family_name,
                PatientRow.given_name,
                PatientRow.birth_date,
                PatientRow.chart_number,
                SnapshotRow.workflow_id,
                SnapshotRow.version,
                EncounterRow.status,
                EncounterRow.clinician,
                EncounterRow.created_at,
                EncounterRow.updated_at,
            )
            .select_from(chosen)
            .join(EncounterRow, EncounterRow.id == chosen.c.id)
            .join(PatientRow, PatientRow.id == EncounterRow.patient_id)
            .join(SnapshotRow, SnapshotRow.id == EncounterRow.snapshot_id)
            .order_by(EncounterRow.updated_at.desc(), EncounterRow.id.desc())
        )
        return [
            EncounterSummary(
                id=row.id,
                uid=row.uid,
                patient_id=row.patient_id,
                patient_name=(
                    f"{row.family_name}, {row.given_name}" if row.given_name else row.family_name
                ),
                birth_date=row.birth_date,
                chart_number=row.chart_number or "",
                workflow_id=row.workflow_id,
                workflow_version=row.version,
                status=EncounterStatus(row.status),
                clinician=row.clinician,
                created_at=utc(row.created_at),
                updated_at=utc(row.updated_at),
            )
            for row in session.execute(query)
        ]

    def count_encounters(self, search: str = "") -> int:
        """How many encounters match `search`."""
        with self._read() as session:
            return self._count(session, search)

    def _count(self, session: Session, search: str) -> int:
        # Foreign keys guarantee every encounter its patient and snapshot: no join needed.
        query = select(func.count()).select_from(EncounterRow)
        condition = self._search_condition(search)
        if condition is not None:
            query = query.where(condition)
        return int(session.scalar(query) or 0)

    def encounter_ids_since(
        self, since: datetime | None, *, signed_only: bool = False
    ) -> list[int]:
        """Ids of encounters changed at or after `since` (all when None), oldest first; with
        `signed_only`, only those whose status is not editable (signed as they stand)."""
        query = select(EncounterRow.id).order_by(EncounterRow.updated_at, EncounterRow.id)
        if since is not None:
            query = query.where(EncounterRow.updated_at >= utc(since))
        if signed_only:
            signed = [status.value for status in EncounterStatus if not status.editable]
            query = query.where(EncounterRow.status.in_(signed))
        with self._read() as session:
            return list(session.scalars(query))

    # -- audit ------------------------------------------------------------------------

    def _audit(
        self,
        session: Session,
        encounter_id: int | None,
        actor: str,
        action: str,
        item_id: str | None,
        old_json: str | None,
        new_json: str | None,
        at: datetime | None = None,
    ) -> None:
        head = session.get(AuditHeadRow, 1, with_for_update=True)
        if head is None:
            raise StorageError("the audit chain head is missing; run 'workup db check'")
        row = AuditRow(
            encounter_id=encounter_id,
            at=at or self._now(),
            actor=actor,
            workstation=self._workstation,
            action=action,
            item_id=item_id,
            old_json=old_json,
            new_json=new_json,
            prev_hash=head.last_hash,
        )
        row.hash = event_hash(head.last_hash, row)
        session.add(row)
        session.flush()
        session.execute(
            update(AuditHeadRow)
            .where(AuditHeadRow.id == 1)
            .values(last_id=row.id, last_hash=row.hash, events=AuditHeadRow.events + 1)
        )

    def audit_events(self, encounter_id: int) -> list[AuditEvent]:
        """The audit events of one encounter, oldest first."""
        with self._read() as session:
            rows = session.scalars(
                select(AuditRow).where(AuditRow.encounter_id == encounter_id).order_by(AuditRow.id)
            )
            return [_audit_event(row) for row in rows]

    def audit_head(self) -> ChainHead:
        """The current head of the audit chain."""
        with self._read() as session:
            head = session.get(AuditHeadRow, 1)
            if head is None:
                raise StorageError("the audit chain head is missing; run 'workup db check'")
            return ChainHead(head.events, head.last_hash)

    def verify_audit(
        self, witnesses: Sequence[ChainHead] = (), batch: int = 5000
    ) -> AuditVerification:
        """Walk the whole chain, check every witnessed head is still in it, check every
        snapshot's hash, and replay every encounter's events against what is stored.
        The result names the first event, snapshot or encounter field that differs."""
        chain = self._verify_chain(witnesses, batch)
        if not chain.ok:
            return chain
        with self._read() as session:
            problem = check_snapshots(session)
            if problem is not None:
                return AuditVerification(chain.events, problem, chain.witnessed)
            head = session.get(AuditHeadRow, 1)
            records = check_records(session, head.sealed_from if head else 1)
        return AuditVerification(
            chain.events, records.problem, chain.witnessed, records.not_replayed
        )

    def _verify_chain(self, witnesses: Sequence[ChainHead], batch: int) -> AuditVerification:
        expected: dict[int, set[str]] = {}
        for witness in witnesses:
            expected.setdefault(witness.events, set()).add(witness.hash)
        previous = GENESIS_HASH
        count = 0
        last_id = 0
        with self._read() as session:
            while True:
                rows: Sequence[AuditRow] = session.scalars(
                    select(AuditRow).where(AuditRow.id > last_id).order_by(AuditRow.id).limit(batch)
                ).all()
                if not rows:
                    break
                for row in rows:
                    count += 1
                    if row.prev_hash != previous:
                        return AuditVerification(
                            count,
                            f"event {row.id}: does not follow the event before it "
                            "(an event was removed or inserted)",
                        )
                    if event_hash(previous, row) != row.hash:
                        return AuditVerification(count, f"event {row.id}: its content was altered")
                    for witnessed in expected.get(count, ()):
                        if witnessed != row.hash:
                            return AuditVerification(
                                count,
                                f"event {row.id}: a witness recorded event {count} with hash "
                                f"{witnessed[:16]}, the chain has {row.hash[:16]} "
                                "(the past was rewritten)",
                            )
                    previous = row.hash
                    last_id = row.id
                session.expunge_all()
            head = session.get(AuditHeadRow, 1)
        if head is None or head.last_hash != previous:
            return AuditVerification(
                count, f"after event {last_id}: the newest events were removed"
            )
        if head.events != count:
            return AuditVerification(
                count, f"audit head: it counts {head.events} events, the chain has {count}"
            )
        beyond = sorted(events for events in expected if events > count)
        if beyond:
            return AuditVerification(
                count,
                f"after event {last_id}: a witness saw {beyond[-1]} events, the chain has "
                f"{count} (the newest events were removed)",
            )
        return AuditVerification(count, None, sum(len(hashes) for hashes in expected.values()))


def _patient(row: PatientRow) -> Patient:
    return patient_from(row.id, row.family_name, row.given_name, row.birth_date, row.chart_number)


def _audit_event(row: AuditRow) -> AuditEvent:
    return AuditEvent(
        id=row.id,
        encounter_id=row.encounter_id,
        at=utc(row.at),
        actor=row.actor,
        workstation=row.workstation,
        action=row.action,
        item_id=row.item_id,
        old_json=row.old_json,
        new_json=row.new_json,
    )


def _order_state_json(state: OrderState | None) -> str | None:
    if state is None:
        return None
    return _dump(
        {
            "status": state.status.value,
            "date": state.date.isoformat() if state.date else None,
            "note": state.note,
        }
    )


def _order_json(row: OrderRow | None) -> str | None:
    if row is None:
        return None
    return _order_state_json(OrderState(OrderStatus(row.status), row.on_date, row.note))


def _parse_day(text: str) -> date | None:
    for parse in (
        date.fromisoformat,
        lambda value: datetime.strptime(value, "%d.%m.%Y").date(),
    ):
        try:
            return parse(text)
        except ValueError:
            continue
    return None


def _short(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:120]
