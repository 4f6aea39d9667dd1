"""`WorkupService`: the application's use cases over one database and one workflow catalog."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.config import (
    Settings,
    resolve_database_url,
)
from app.domain.encounter import (
    AuditEvent,
    Encounter,
    EncounterSummary,
    OrderState,
    OrderStatus,
    Patient,
    SectionCompletion,
)
from app.domain.limits import (
    MAX_CHART_NUMBER_LENGTH,
    MAX_NAME_LENGTH,
    MAX_TEXT_LENGTH,
)
from app.domain.rules import (
    missing_required,
    review_notes,
    section_completion,
)
from app.domain.validation import validate_answer
from app.domain.values import AnswerValue, to_json
from app.domain.vocabulary import Paper
from app.domain.workflow import Item, Section, Workflow
from app.services.errors import (
    LANGUAGES,
    InvalidInputError,
    NotFoundError,
    ServiceError,
    UnavailableError,
    _language,
    _refuse_bad_text,
    _translated,
)
from app.services.maintenance import (
    Clock,
    Restored,
    _utc_now,
    database_check_record,
    default_workstation,
    restore_database,
    witness_file,
    witnessed_heads,
)
from app.services.workflows import _snapshot_workflow, load_catalog
from app.storage import errors as storage_errors
from app.storage.unset import UNSET
from app.storage.urls import hide_secrets as hide_secrets
from app.storage.urls import shown_url as shown_url

# app.storage.database and app.storage.repository load SQLAlchemy; they are imported inside the
# functions that open a database, so that `workup export` of a checked SQLite file and the
# window's start-up before Qt pay for them only when needed (docs/architecture.md).

if TYPE_CHECKING:
    from app.catalog.loader import Catalog
    from app.report.summary import ClinicInfo
    from app.storage.backup import BackupInfo as BackupInfo
    from app.storage.database import Database
    from app.storage.repository import AuditVerification, Repository
    from app.storage.witness import ChainHead


WITNESS_EVERY = timedelta(minutes=3)
"""While editing, the chain head is written to the witness file at most this often."""


class WorkupService:
    """The application's use cases over one database and one workflow catalog."""

    def __init__(
        self,
        database: Database,
        catalog: Catalog | None,
        settings: Settings,
        clock: Clock | None = None,
        workstation: str | None = None,
    ) -> None:
        from app.storage.repository import Repository

        self.database = database
        self._catalog = catalog
        self.settings = settings
        self._clock: Clock = clock or _utc_now
        self._workstation = workstation or default_workstation()
        self._repository: Repository = Repository(database, self._clock, self._workstation)
        self._witnessed_at: datetime | None = None

    @classmethod
    def open(
        cls,
        settings: Settings,
        database_url: str | None = None,
        *,
        clock: Clock | None = None,
        auto_upgrade: bool | None = None,
        catalog: Catalog | None = None,
    ) -> WorkupService:
        """Open the configured database (creating a local SQLite schema when new)."""
        from app.storage.database import (
            check_schema,
            current_revision,
            open_database,
            refuse_foreign_tables,
        )

        url = resolve_database_url(database_url, settings)
        try:
            database = open_database(url, check_record=database_check_record(url))
        except storage_errors.StorageError as error:
            raise UnavailableError(str(error)) from error
        try:
            revision = current_revision(database)
            upgrade_allowed = database.is_sqlite if auto_upgrade is None else auto_upgrade
            if revision is None and upgrade_allowed:
                from app.storage.migrate import upgrade

                refuse_foreign_tables(database)
                upgrade(database)
            check_schema(database)
        except storage_errors.StorageError as error:
            database.dispose()
            raise UnavailableError(str(error)) from error
        return cls(database, catalog, settings, clock)

    @property
    def catalog(self) -> Catalog:
        """The workflow catalog (without one given, the configured folders are read on first
        use: work on stored encounters needs only their own workflow snapshots)."""
        if self._catalog is None:
            self._catalog = load_catalog(self.settings)
        return self._catalog

    @catalog.setter
    def catalog(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def close(self) -> None:
        """Release the database connections."""
        self.database.dispose()

    def restore_backup(self, backup_file: Path, *, force: bool = False) -> Restored:
        """Put a backup in place of this service's SQLite database and go on with it.

        The service's own connections are closed for the restore (it refuses a database
        that another program holds open) and the restored file is opened and checked
        afterwards; when the restore is refused, the database is opened again unchanged.
        """
        from app.storage.database import open_database
        from app.storage.repository import Repository

        url = self.database.url
        self.database.dispose()
        try:
            return restore_database(url, self.settings, backup_file, force=force, clock=self._clock)
        finally:
            try:
                self.database = open_database(url, check_record=database_check_record(url))
            except storage_errors.StorageError as error:
                raise UnavailableError(str(error)) from error
            self._repository = Repository(self.database, self._clock, self._workstation)

    def today(self) -> date:
        """Today's date by the injected clock, in local time."""
        return self._clock().astimezone().date()

    # -- workflows --------------------------------------------------------------------

    def workflows(self) -> list[Workflow]:
        """The workflows that can be used for a new encounter."""
        return sorted(self.catalog.workflows.values(), key=lambda workflow: workflow.id)

    def workflow(self, workflow_id: str) -> Workflow:
        """The current version of a workflow."""
        try:
            return self.catalog.get(workflow_id)
        except KeyError:
            raise NotFoundError(f"no workflow '{workflow_id}'") from None

    def _resolve_snapshot(self, content_hash: str, source_text: str) -> Workflow:
        return _snapshot_workflow(self._catalog, content_hash, source_text)

    # -- patients ---------------------------------------------------------------------

    @_translated
    def create_patient(
        self, family_name: str, given_name: str, birth_date: date, chart_number: str = ""
    ) -> Patient:
        """Register a patient after checking the entries."""
        if not family_name.strip():
            raise InvalidInputError.of("the family name is empty")
        if not given_name.strip():
            raise InvalidInputError.of("the given name is empty")
        for what, value, limit in (
            ("family name", family_name, MAX_NAME_LENGTH),
            ("given name", given_name, MAX_NAME_LENGTH),
            ("chart number", chart_number, MAX_CHART_NUMBER_LENGTH),
        ):
            _refuse_bad_text(what, value.strip(), limit, one_line=True)
        if birth_date > self.today():
            raise InvalidInputError.of("the date of birth is in the future")
        if birth_date.year < 1900:
            raise InvalidInputError.of("the date of birth is before 1900")
        if len(chart_number.strip()) > 64:
            raise InvalidInputError.of("the chart number is longer than 64 characters")
        if chart_number.strip() and self._repository.find_patient_by_chart(chart_number):
            raise InvalidInputError.of(
                "chart number {chart} is already in use", chart=chart_number.strip()
            )
        return self._repository.add_patient(family_name, given_name, birth_date, chart_number)

    @_translated
    def find_patients(self, text: str, limit: int = 50) -> list[Patient]:
        """Patients whose name or chart number starts with `text`."""
        return self._repository.find_patients(text, limit)

    @_translated
    def patient(self, patient_id: int) -> Patient:
        """One patient."""
        return self._repository.get_patient(patient_id)

    # -- encounters -------------------------------------------------------------------

    @_translated
    def start_encounter(
        self, patient_id: int, workflow_id: str, clinician: str, language: str | None = None
    ) -> Encounter:
        """Start a draft workup pinned to the current version of the workflow."""
        if not clinician.strip():
            raise InvalidInputError.of("the clinician's name is empty")
        _refuse_bad_text("clinician's name", clinician.strip(), MAX_NAME_LENGTH, one_line=True)
        language = language or self.settings.language
        if language not in LANGUAGES:
            raise InvalidInputError(f"unknown language '{language}'")
        workflow = self.workflow(workflow_id)
        initial: dict[str, Any] = {}
        if workflow.has_item("visit_date"):
            initial["visit_date"] = self.today().isoformat()
        if workflow.has_item("visit_clinician"):
            initial["visit_clinician"] = clinician.strip()
        encounter_id = self._repository.create_encounter(
            patient_id, workflow, clinician.strip(), language, initial
        )
        return self.encounter(encounter_id)

    @_translated
    def encounter(self, encounter_id: int) -> Encounter:
        """The whole encounter."""
        return self._repository.load_encounter(encounter_id, self._resolve_snapshot)

    @_translated
    def encounter_workflow(self, encounter_id: int) -> Workflow:
        """The workflow snapshot the encounter was recorded against."""
        return self._repository.encounter_workflow(encounter_id, self._resolve_snapshot)

    def _item(self, encounter_id: int, item_id: str) -> Item:
        workflow = self._repository.encounter_workflow(encounter_id, self._resolve_snapshot)
        if not workflow.has_item(item_id):
            raise InvalidInputError(f"the workflow has no item '{item_id}'")
        return workflow.item(item_id)

    @_translated
    def set_answer(
        self,
        encounter_id: int,
        item_id: str,
        value: AnswerValue | None,
        actor: str,
        base: AnswerValue | object | None = UNSET,
    ) -> int:
        """Record one answer durably (None clears it); return the encounter's revision.

        Give `base` (the value this workstation last showed) to be told of a conflict
        rather than overwrite another workstation's change.
        """
        item = self._item(encounter_id, item_id)
        if item.is_order:
            raise InvalidInputError(f"item {item_id} is an order; set its order state")
        stored: Any = None
        if value is not None:
            stored = to_json(item, validate_answer(item, value, self.today()))
        base_json: Any = base
        if base is not UNSET:
            base_json = None if base is None else to_json(item, base)  # type: ignore[arg-type]
        revision = self._repository.set_answer(encounter_id, item_id, stored, actor, base_json)
        self._witness()
        return revision

    @_translated
    def set_order(
        self,
        encounter_id: int,
        item_id: str,
        state: OrderState | None,
        actor: str,
        base: OrderState | object | None = UNSET,
    ) -> int:
        """Record an order's state, date and note (None clears it).

        Give `base` (the state this workstation last showed) to be told of a conflict.
        """
        item = self._item(encounter_id, item_id)
        if not item.is_order:
            raise InvalidInputError(f"item {item_id} is not an order")
        if state is not None:
            if len(state.note) > MAX_TEXT_LENGTH:
                raise InvalidInputError.of("the note is longer than 100000 characters")
            _refuse_bad_text("note", state.note, MAX_TEXT_LENGTH)
            if (
                state.status is OrderStatus.DONE_ELSEWHERE
                and state.date
                and (state.date > self.today())
            ):
                raise InvalidInputError.of("the date it was done is in the future")
        base_state: Any = base
        revision = self._repository.set_order(encounter_id, item_id, state, actor, base_state)
        self._witness()
        return revision

    @_translated
    def set_language(self, encounter_id: int, language: str, actor: str) -> int:
        """Set the language of the encounter's PDFs."""
        if language not in LANGUAGES:
            raise InvalidInputError(f"unknown language '{language}'")
        revision = self._repository.set_language(encounter_id, language, actor)
        self._witness()
        return revision

    def completion(self, encounter: Encounter) -> list[SectionCompletion]:
        """Answered / required counts per section."""
        workflow = self.encounter_workflow(encounter.id or 0)
        return [
            section_completion(workflow, section, encounter.answers, encounter.orders)
            for section in workflow.sections
        ]

    def missing_required(self, encounter: Encounter) -> list[tuple[Section, Item]]:
        """Required items not answered yet, in document order."""
        workflow = self.encounter_workflow(encounter.id or 0)
        return missing_required(workflow, encounter.answers, encounter.orders)

    def review_notes(self, encounter: Encounter) -> list[tuple[Section, Item, str]]:
        """What is worth a look before signing, without stopping it (see
        `app.domain.rules.review_notes`)."""
        workflow = self.encounter_workflow(encounter.id or 0)
        return review_notes(workflow, encounter.answers, encounter.orders)

    @_translated
    def finalize(
        self, encounter_id: int, signed_by: str, reviewed_revision: int | None = None
    ) -> Encounter:
        """Sign the encounter (or its open addendum), sealing its content; afterwards it is
        read-only. With `reviewed_revision` (the revision the signer reviewed), a newer
        stored revision raises ChangedError and nothing is signed."""
        if not signed_by.strip():
            raise InvalidInputError.of("the signing clinician's name is empty")
        _refuse_bad_text(
            "signing clinician's name", signed_by.strip(), MAX_NAME_LENGTH, one_line=True
        )
        encounter = self.encounter(encounter_id)
        missing = self.missing_required(encounter)
        if missing:
            names = ", ".join(item.id for _section, item in missing[:5])
            raise InvalidInputError(
                f"{len(missing)} required item(s) are not answered yet: {names}"
            )
        self._repository.finalize(encounter_id, signed_by.strip(), reviewed_revision)
        self._witness(force=True)
        return self.encounter(encounter_id)

    @_translated
    def amend(self, encounter_id: int, reason: str, actor: str) -> Encounter:
        """Open an addendum with a reason; the encounter becomes editable until it is signed."""
        if not reason.strip():
            raise InvalidInputError.of("an amendment needs a reason")
        _refuse_bad_text("reason", reason.strip(), MAX_TEXT_LENGTH)
        self._repository.amend(encounter_id, reason.strip(), actor)
        self._witness()
        return self.encounter(encounter_id)

    @_translated
    def list_encounters(
        self, search: str = "", limit: int = 100, offset: int = 0
    ) -> list[EncounterSummary]:
        """Encounters matching name, chart number or date, most recently changed first."""
        return self._repository.list_encounters(search, limit, offset)

    @_translated
    def search_encounters(self, search: str, limit: int) -> tuple[int, list[EncounterSummary]]:
        """How many encounters match `search`, and the first `limit` of them, read together
        (what the encounter list needs on each keystroke)."""
        return self._repository.search_encounters(search, limit)

    @_translated
    def count_encounters(self, search: str = "") -> int:
        """How many encounters match `search`."""
        return self._repository.count_encounters(search)

    @_translated
    def encounter_ids_since(
        self, since: datetime | None, *, signed_only: bool = False
    ) -> list[int]:
        """Encounters changed since `since` (all when None), oldest first; with `signed_only`
        those signed as they stand (status not editable)."""
        return self._repository.encounter_ids_since(since, signed_only=signed_only)

    # -- audit ------------------------------------------------------------------------

    @_translated
    def audit_events(self, encounter_id: int) -> list[AuditEvent]:
        """The encounter's history of changes."""
        return self._repository.audit_events(encounter_id)

    @_translated
    def verify_audit(self) -> AuditVerification:
        """Check the whole audit chain, this workstation's witnessed heads, every snapshot's
        hash, and every encounter against the replay of its events."""
        return self._repository.verify_audit(witnessed_heads(self.database))

    @_translated
    def audit_head(self) -> ChainHead:
        """The current head of the audit chain (event count and the newest hash)."""
        return self._repository.audit_head()

    def _witness(self, *, force: bool = False) -> None:
        """Append the chain head to this workstation's witness file: always when `force`
        (after a signature), else when the last one is older than WITNESS_EVERY."""
        from app.storage.witness import append_head

        now = self._clock()
        recent = self._witnessed_at is not None and now - self._witnessed_at < WITNESS_EVERY
        if recent and not force:
            return
        try:
            append_head(witness_file(self.database), self._repository.audit_head(), now)
        except (OSError, storage_errors.StorageError) as error:
            # The record is stored; only its outside anchor is missing this time.
            import logging

            logging.getLogger(__name__).warning(
                "the audit chain head could not be witnessed: %s", error
            )
            return
        self._witnessed_at = now

    # -- documents --------------------------------------------------------------------

    @_translated
    def export_document(self, encounter_id: int) -> str:
        """The encounter as a JSON document (see docs/encounter-document.md)."""
        from app.interop import InteropError, dumps, encounter_to_document

        encounter = self.encounter(encounter_id)
        workflow = self.encounter_workflow(encounter_id)
        try:
            return dumps(encounter_to_document(encounter, workflow))
        except InteropError as error:
            raise ServiceError(f"encounter {encounter_id} cannot be exported: {error}") from error

    @_translated
    def import_document(self, text: str | bytes, actor: str) -> int:
        """Store an encounter from a JSON document; return its new id."""
        from app.catalog.rules import parse_workflow
        from app.interop import InteropError, document_to_encounter, loads

        def parse(source: str) -> Workflow:
            return parse_workflow(source, "document workflow")

        from app.domain.admission import AdmissionError, admit

        try:
            encounter, workflow = document_to_encounter(loads(text), parse)
            encounter = admit(encounter, workflow, self._clock())
        except (InteropError, AdmissionError) as error:
            raise InvalidInputError(str(error)) from error
        encounter_id = self._repository.import_encounter(encounter, workflow, actor)
        self._witness(force=True)
        return encounter_id

    @_translated
    def export_fhir_bundle(self, encounter_id: int) -> str:
        """The encounter as a FHIR R4 Bundle (see docs/fhir.md)."""
        from app.interop import InteropError, encounter_bundle_json

        encounter = self.encounter(encounter_id)
        workflow = self.encounter_workflow(encounter_id)
        try:
            return encounter_bundle_json(encounter, workflow, self._clock())
        except InteropError as error:
            raise ServiceError(
                f"encounter {encounter_id} cannot be exported as FHIR: {error}"
            ) from error

    def fhir_questionnaire(self, workflow_id: str) -> str:
        """A workflow as a FHIR R4 Questionnaire."""
        from app.interop import InteropError, workflow_questionnaire_json

        workflow = self.workflow(workflow_id)
        try:
            return workflow_questionnaire_json(workflow)
        except InteropError as error:
            raise ServiceError(
                f"workflow {workflow_id} cannot be exported as FHIR: {error}"
            ) from error

    # -- PDFs -------------------------------------------------------------------------

    @_translated
    def summary_pdf(
        self,
        encounter_id: int,
        language: str | None = None,
        paper: str | None = None,
        *,
        patient_copy: bool = False,
        instructions: bool = True,
    ) -> bytes:
        """The PDF summary of an encounter (with the patient's instruction pages unless
        `instructions` is false), or with `patient_copy` the patient's copy: orders and
        instruction pages only."""
        encounter = self.encounter(encounter_id)
        workflow = self.encounter_workflow(encounter_id)
        return _summary_pdf(
            self.settings,
            self._clock,
            encounter,
            workflow,
            language,
            paper,
            patient_copy=patient_copy,
            instructions=instructions,
        )

    def page_images(self, data: bytes, dpi: int = 300) -> list[bytes]:
        """The pages of a PDF made here as PNG images, for printing exactly those pages."""
        from app.report.errors import ReportError
        from app.report.raster import render_pages

        try:
            return render_pages(data, dpi)
        except ReportError as error:
            raise ServiceError(str(error)) from error

    def sheet_pdf(
        self,
        workflow_id: str,
        language: str,
        paper: str | None = None,
        *,
        prefill: int | None = None,
    ) -> bytes:
        """A printable workup sheet: blank, or with `prefill` the answers of that encounter
        as pen marks, on the sheet of the workflow version it was recorded against."""
        from app.report.errors import ReportError
        from app.report.sheet import sheet_pdf

        encounter = None
        if prefill is None:
            workflow = self.workflow(workflow_id)
        else:
            encounter = self.encounter(prefill)
            if encounter.workflow_id != workflow_id:
                raise InvalidInputError(
                    f"encounter {prefill} was recorded with workflow "
                    f"'{encounter.workflow_id}', not '{workflow_id}'"
                )
            workflow = self.encounter_workflow(prefill)
        try:
            return sheet_pdf(
                workflow,
                _clinic_info(self.settings),
                _language(language),
                _paper_size(self.settings, paper),
                encounter=encounter,
            )
        except ReportError as error:
            raise ServiceError(str(error)) from error

    def write_file(self, path: Path, data: bytes) -> None:
        """Write any export atomically; a failure leaves no partial file."""
        write_file_atomically(path, data)

    def write_pdf(self, path: Path, data: bytes) -> None:
        """Write a PDF atomically; a failure leaves no partial file."""
        self.write_file(path, data)


def _clinic_info(settings: Settings) -> ClinicInfo:
    from app.report.summary import ClinicInfo

    return ClinicInfo(name=settings.clinic_name, address=settings.clinic_address)


def _paper_size(settings: Settings, paper: str | None) -> str:
    return paper or settings.paper_size or Paper.A4


def _summary_pdf(
    settings: Settings,
    clock: Clock,
    encounter: Encounter,
    workflow: Workflow,
    language: str | None,
    paper: str | None,
    *,
    patient_copy: bool = False,
    instructions: bool = True,
) -> bytes:
    """The PDF summary of `encounter`, or its patient copy (see `WorkupService.summary_pdf`)."""
    from app.report.errors import ReportError
    from app.report.summary import summary_pdf

    try:
        return summary_pdf(
            workflow,
            encounter,
            _clinic_info(settings),
            _language(language or encounter.language),
            clock(),
            paper=_paper_size(settings, paper),
            include_instructions=instructions,
            patient_copy=patient_copy,
        )
    except ReportError as error:
        raise ServiceError(str(error)) from error


def write_file_atomically(path: Path, data: bytes) -> None:
    """Write an export to `path` atomically; a failure leaves no partial file."""
    from app.fileio import FileWriteError, write_atomically

    try:
        write_atomically(path, data)
    except FileWriteError as error:
        raise ServiceError(str(error)) from error
