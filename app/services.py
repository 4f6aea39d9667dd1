"""Use cases of the application, free of Qt: the GUI and the CLI both call these."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, ParamSpec, Self, TypeVar

from app import storage
from app.config import (
    Settings,
    backup_counts,
    backups_dir,
    data_dir,
    resolve_database_url,
    resolve_workflow_dirs,
)
from app.domain.backups import Retention
from app.domain.encounter import (
    AuditEvent,
    Encounter,
    EncounterSummary,
    OrderState,
    OrderStatus,
    Patient,
    SectionCompletion,
    data_entry_prompts,
    missing_required,
    orders_without_decision,
    section_completion,
)
from app.domain.errors import AnswerError, DomainError, fill_template
from app.domain.limits import (
    MAX_CHART_NUMBER_LENGTH,
    MAX_NAME_LENGTH,
    MAX_TEXT_LENGTH,
    text_problem,
)
from app.domain.values import AnswerValue, to_json, validate_answer
from app.domain.workflow import Item, Section, Workflow
from app.storage import UNSET
from app.storage import errors as storage_errors
from app.storage.filecheck import checked_at_if_unchanged, plain_sqlite_path
from app.storage.urls import hide_secrets as hide_secrets
from app.storage.urls import shown_url as shown_url

if TYPE_CHECKING:
    from app.catalog import Catalog, ParsedCache
    from app.report import ClinicInfo
    from app.storage import AuditVerification, Database, Repository
    from app.storage.backup import BackupInfo as BackupInfo
    from app.storage.witness import ChainHead

P = ParamSpec("P")
R = TypeVar("R")
Clock = Callable[[], datetime]
LANGUAGES = ("en", "ru")
CHANGED_BEFORE_SIGNING = (
    "the workup was changed after it was shown; it is shown again as stored: "
    "review the changes, then sign"
)
WITNESS_EVERY = timedelta(minutes=3)
"""While editing, the chain head is written to the witness file at most this often."""


class ServiceError(Exception):
    """Base of the errors the services report; the message is meant for the user.

    Errors made from a template (`ServiceError.of`) also carry `template` and `params`, so
    that an interface can show the message in its own language.
    """

    template: str | None = None
    params: dict[str, str] = {}  # noqa: RUF012 - never mutated; replaced per instance

    @classmethod
    def of(cls, template: str, **params: object) -> Self:
        """The error with message `template`, its `{name}` fields filled from `params`."""
        texts = {name: str(value) for name, value in params.items()}
        error = cls(fill_template(template, texts))
        error.template = template
        error.params = texts
        return error


class InvalidInputError(ServiceError):
    """What the user entered cannot be accepted."""


class NotFoundError(ServiceError):
    """The patient, encounter or workflow does not exist."""


class LockedError(ServiceError):
    """The encounter is signed and cannot be changed."""


class UnavailableError(ServiceError):
    """The database cannot be used (missing, damaged, unreachable, wrong schema)."""


class ChangedError(ServiceError):
    """The encounter changed after the revision the signer reviewed; review it again."""


class ConflictError(ServiceError):
    """Another workstation changed the same item; carries the current value and its author."""

    def __init__(self, message: str, item_id: str, current: Any, updated_by: str) -> None:
        super().__init__(message)
        self.item_id = item_id
        self.current = current
        self.updated_by = updated_by


def _translated(function: Callable[P, R]) -> Callable[P, R]:
    """Turn storage and domain errors into service errors with the same message."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except storage_errors.ConflictError as error:
            conflict = ConflictError(
                str(error), error.item_id, error.current_json, error.updated_by
            )
            conflict.template = "item {item} was changed by {who} at {when}"
            conflict.params = {
                "item": error.item_id,
                "who": error.updated_by or "?",
                "when": error.updated_at,
            }
            raise conflict from error
        except storage_errors.NotFoundError as error:
            raise NotFoundError(str(error)) from error
        except storage_errors.RevisionChangedError as error:
            raise ChangedError.of(CHANGED_BEFORE_SIGNING) from error
        except storage_errors.LockedError as error:
            raise LockedError(str(error)) from error
        except (storage_errors.DuplicateError, storage_errors.RefusedValueError) as error:
            raise InvalidInputError(str(error)) from error
        except storage_errors.DamagedRecordError as error:
            raise ServiceError(str(error)) from error
        except storage_errors.StorageError as error:
            raise UnavailableError(str(error)) from error
        except AnswerError as error:
            invalid = InvalidInputError(str(error))
            invalid.template, invalid.params = error.template, error.params
            raise invalid from error
        except DomainError as error:
            raise InvalidInputError(str(error)) from error

    return wrapper


def default_workstation() -> str:
    """This computer's name, as recorded in audit events."""
    import socket  # only for a service that records changes

    return os.environ.get("WORKUP_WORKSTATION") or socket.gethostname() or "workstation"


@contextmanager
def opened_database(url: str, *, create: bool = True) -> Iterator[Database]:
    """Open a database for a maintenance command and close it afterwards."""
    try:
        database = storage.open_database(url, create=create)
    except storage_errors.StorageError as error:
        raise UnavailableError(str(error)) from error
    try:
        yield database
    finally:
        database.dispose()


class SchemaUpgrade(NamedTuple):
    """What `upgrade_database` did: the revisions before and after, and the roles whose
    runtime privileges it gave again (on a server)."""

    before: str | None
    after: str | None
    roles: tuple[str, ...] = ()


def upgrade_database(
    url: str, backups: Path | None = None, clock: Clock | None = None
) -> SchemaUpgrade:
    """Apply schema migrations, then give every runtime role its privileges again, so that
    tables the migrations added are covered.

    A SQLite file that holds a schema already is backed up into `backups` (reason
    "migration") before anything changes; the upgrade is refused if that backup fails.
    """
    from app.storage.migrate import upgrade  # Alembic is loaded only for upgrades
    from app.storage.roles import regrant_runtime_roles

    with opened_database(url) as database:
        try:
            revision = storage.current_revision(database)
            if revision is None:
                storage.refuse_foreign_tables(database)
            if (
                backups is not None
                and database.sqlite_path is not None
                and revision is not None
                and revision != storage.HEAD_REVISION
            ):
                _backup_sqlite(database.sqlite_path, backups, "migration", (clock or _utc_now)())
            before, after = upgrade(database)
            return SchemaUpgrade(before, after, tuple(regrant_runtime_roles(database)))
        except storage_errors.StorageError as error:
            raise UnavailableError(str(error)) from error


def grant_runtime_role(url: str, role: str) -> list[tuple[str, tuple[str, ...]]]:
    """Give `role` exactly what a workstation needs on every table (run as the owner);
    return each table with its privileges."""
    from app.storage.roles import grant_runtime_role as grant

    with opened_database(url, create=False) as database:
        try:
            return [(table, privileges) for table, privileges in grant(database, role)]
        except storage_errors.StorageError as error:
            raise UnavailableError(str(error)) from error


# -- backups ---------------------------------------------------------------------------------


def _utc_now() -> datetime:
    """The time now, in UTC: the clock of a service or command given none."""
    return datetime.now(UTC)


def _backup_sqlite(
    path: Path, folder: Path, reason: str, now: datetime, target: Path | None = None
) -> BackupInfo:
    from app.storage.backup import backup_sqlite

    return backup_sqlite(path, folder, reason, now, target=target)


def backup_database(
    url: str,
    settings: Settings,
    reason: str = "manual",
    out: Path | None = None,
    clock: Clock | None = None,
) -> tuple[str, Path, BackupInfo | None]:
    """Back up the database at `url`: a checked SQLite copy, or a pg_dump of a server.

    Returns the database's label, the file written and (SQLite) what the backup holds.
    Automatic backups are followed by the retention of Settings; a failed one raises
    UnavailableError and changes nothing.
    """
    from app.storage import backup

    path = storage.sqlite_file(url)
    now = (clock or _utc_now)()
    try:
        if path is None:
            label = shown_url(url)
            target = out or backups_dir(settings) / backup.default_dump_name(now)
            return label, backup.backup_server(url, target, label), None
        path = path.expanduser().absolute()
        if not path.is_file():
            raise UnavailableError(f"{path}: no database file here")
        folder = out.parent if out is not None else backups_dir(settings)
        info = _backup_sqlite(path, folder, reason, now, target=out)
        if info.automatic and out is None:
            backup.prune(folder, Retention(*backup_counts(settings)))
        return str(path), info.path, info
    except storage_errors.StorageError as error:
        raise UnavailableError(str(error)) from error


def list_backups(settings: Settings) -> list[BackupInfo]:
    """The backups in the backups folder, newest first."""
    from app.storage.backup import read_backups

    return read_backups(backups_dir(settings))


def newest_backup_time(settings: Settings) -> datetime | None:
    """When the newest backup in the backups folder was made (None: there is none)."""
    found = list_backups(settings)
    return found[0].made_at if found else None


class Restored(NamedTuple):
    """What `restore_database` put in place and what it kept of the replaced database."""

    label: str
    encounters: int | None
    audit_events: int | None
    kept: Path | None


def restore_database(
    url: str,
    settings: Settings,
    backup_file: Path,
    *,
    force: bool = False,
    clock: Clock | None = None,
) -> Restored:
    """Put a backup in place of the database at `url`.

    SQLite: the backup is checked first; the current file is kept in the backups folder;
    a database holding changes newer than the backup is replaced only with `force`; a
    database open in another program is refused. Server: the dump is restored with
    pg_restore into an empty database only.
    """
    from app.storage import backup

    path = storage.sqlite_file(url)
    now = (clock or _utc_now)()
    try:
        if path is None:
            label = shown_url(url)
            if not backup.server_is_empty(url):
                raise UnavailableError(
                    f"{label}: the database is not empty; restore a dump into a new, empty "
                    "database (createdb), then point the workstations at it"
                )
            backup.restore_server(backup_file, url, label)
            return Restored(label, None, None, None)
        path = path.expanduser().absolute()
        contents, kept = backup.restore_sqlite(
            backup_file.expanduser().absolute(), path, backups_dir(settings), now, force=force
        )
        record = database_check_record(url)
        if record is not None:
            record.unlink(missing_ok=True)
        from app.storage.witness import set_aside_after_restore

        # The witnessed heads are of the replaced chain; if they cannot be set aside, verify
        # reports the difference, which is then the restore's, not a loss.
        with contextlib.suppress(OSError):
            set_aside_after_restore(data_dir() / "witness", path, now)
        return Restored(
            str(path), contents.encounters, contents.audit_events, kept.path if kept else None
        )
    except storage_errors.StorageError as error:
        raise UnavailableError(str(error)) from error


class DatabaseReport(NamedTuple):
    """What `workup db check` found; `warnings` name what lets a workstation's database
    role get round the protections (on a server)."""

    label: str
    revision: str | None
    problems: list[str]
    audit: AuditVerification | None
    warnings: tuple[str, ...] = ()


def check_database(url: str) -> DatabaseReport:
    """Check integrity, schema revision and audit chain of a database without changing it."""
    with opened_database(url, create=False) as database:
        try:
            revision = storage.current_revision(database)
            problems = storage.integrity_check(database)
            try:
                storage.check_schema(database)
            except storage_errors.SchemaError as error:
                problems.append(str(error))
                return DatabaseReport(database.label, revision, problems, None)
            audit = storage.Repository(database, _utc_now, "check").verify_audit(
                witnessed_heads(database)
            )
            from app.storage.roles import role_warnings

            warnings = tuple(role_warnings(database))
        except storage_errors.StorageError as error:
            raise UnavailableError(str(error)) from error
        if not audit.ok:
            problems.append(f"audit chain: {audit.first_problem}")
        return DatabaseReport(database.label, revision, problems, audit, warnings)


class DatabaseCopy(NamedTuple):
    """What `copy_database` copied, and the audit chain of the copy."""

    source: str
    target: str
    rows: dict[str, int]
    audit_events: int


def copy_database(
    source_url: str, target_url: str, progress: Callable[[str, int, int], None] | None = None
) -> DatabaseCopy:
    """Copy every record of the database at `source_url` into the empty one at `target_url`.

    The target's schema is created or upgraded first; a target with any record is refused.
    Ids, revisions and the audit chain are kept; the copy's chain is verified afterwards.
    `progress(table, rows copied, rows in table)` is called after each batch.
    """
    from app.storage.copy import copy_database as copy_records

    with (
        opened_database(source_url, create=False) as source,
        opened_database(target_url) as target,
    ):
        try:
            copied = copy_records(source, target, progress)
            audit = storage.Repository(target, _utc_now, "copy").verify_audit()
        except storage_errors.StorageError as error:
            raise UnavailableError(str(error)) from error
        if not audit.ok:
            raise UnavailableError(f"{target.label}: the copy's audit chain: {audit.first_problem}")
        return DatabaseCopy(source.label, target.label, copied.rows, audit.events)


def witness_file(database: Database) -> Path:
    """This workstation's witness file of `database` (see app.storage.witness)."""
    from app.storage.witness import witness_path

    return witness_path(data_dir() / "witness", database)


def witnessed_heads(database: Database) -> list[ChainHead]:
    """The chain heads this workstation recorded for `database`."""
    from app.storage.witness import read_heads

    try:
        return read_heads(witness_file(database))
    except OSError as error:
        raise UnavailableError(f"the witness file cannot be read: {error.strerror}") from error


def database_check_record(url: str) -> Path | None:
    """Where the application notes that it closed a local database file cleanly."""
    path = storage.sqlite_file(url)
    if path is None:
        return None
    return _check_record(path.expanduser().absolute())


def _check_record(path: Path) -> Path:
    """Where the application notes that it closed the database file `path` (absolute)."""
    name = hashlib.sha256(str(path).encode("utf-8")).hexdigest()
    return data_dir() / "checked" / f"{name[:32]}.json"


def load_storage() -> None:
    """Load the database layer now rather than when the first database is opened.

    The window application calls this before it loads Qt: the import hook of Qt's Python
    bindings slows every later import, and SQLAlchemy's are many (about 60 ms more).
    """
    for module in ("app.storage.database", "app.storage.repository"):
        importlib.import_module(module)


def parsed_workflows() -> ParsedCache:
    """Parsed workflow texts, kept in the data folder so that each is parsed once."""
    from app.catalog.cache import ParsedCache

    return ParsedCache(data_dir() / "cache" / "workflows")


def load_catalog(settings: Settings) -> Catalog:
    """The shipped workflows and the clinic's own, with every problem found in them."""
    from app.catalog.loader import Catalog

    return Catalog.load(resolve_workflow_dirs(settings), parsed_workflows().loads)


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
        self.database = database
        self._catalog = catalog
        self.settings = settings
        self._clock: Clock = clock or _utc_now
        self._workstation = workstation or default_workstation()
        self._repository: Repository = storage.Repository(database, self._clock, self._workstation)
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
        url = resolve_database_url(database_url, settings)
        try:
            database = storage.open_database(url, check_record=database_check_record(url))
        except storage_errors.StorageError as error:
            raise UnavailableError(str(error)) from error
        try:
            revision = storage.current_revision(database)
            upgrade_allowed = database.is_sqlite if auto_upgrade is None else auto_upgrade
            if revision is None and upgrade_allowed:
                from app.storage.migrate import upgrade

                storage.refuse_foreign_tables(database)
                upgrade(database)
            storage.check_schema(database)
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
        url = self.database.url
        self.database.dispose()
        try:
            return restore_database(url, self.settings, backup_file, force=force, clock=self._clock)
        finally:
            try:
                self.database = storage.open_database(url, check_record=database_check_record(url))
            except storage_errors.StorageError as error:
                raise UnavailableError(str(error)) from error
            self._repository = storage.Repository(self.database, self._clock, self._workstation)

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
        """What is worth a look before signing, without stopping it: orders with no decision
        ("no_decision"), then the data-entry prompts ("details_empty": Yes chosen but no
        details; "date_missing": done elsewhere without a date), in document order."""
        workflow = self.encounter_workflow(encounter.id or 0)
        notes = [
            (section, item, "no_decision")
            for section, item in orders_without_decision(
                workflow, encounter.answers, encounter.orders
            )
        ]
        notes += [
            (workflow.section_of(item.id), item, kind)
            for item, kind in data_entry_prompts(workflow, encounter.answers, encounter.orders)
        ]
        position = {item.id: index for index, item in enumerate(workflow.items())}
        return sorted(notes, key=lambda note: position[note[1].id])

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
    def count_encounters(self, search: str = "") -> int:
        """How many encounters match `search`."""
        return self._repository.count_encounters(search)

    @_translated
    def encounter_ids_since(self, since: datetime | None) -> list[int]:
        """Encounters changed since `since` (all when None)."""
        return self._repository.encounter_ids_since(since)

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
        from app.report import ReportError, render_pages

        try:
            return render_pages(data, dpi)
        except ReportError as error:
            raise ServiceError(str(error)) from error

    def sheet_pdf(self, workflow_id: str, language: str, paper: str | None = None) -> bytes:
        """A blank printable workup sheet."""
        from app.report import ReportError, sheet_pdf

        workflow = self.workflow(workflow_id)
        try:
            return sheet_pdf(
                workflow,
                _clinic_info(self.settings),
                _language(language),
                _paper_size(self.settings, paper),
            )
        except ReportError as error:
            raise ServiceError(str(error)) from error

    def write_file(self, path: Path, data: bytes) -> None:
        """Write any export atomically; a failure leaves no partial file."""
        write_file_atomically(path, data)

    def write_pdf(self, path: Path, data: bytes) -> None:
        """Write a PDF atomically; a failure leaves no partial file."""
        self.write_file(path, data)


def _refuse_bad_text(what: str, value: str, limit: int, *, one_line: bool = False) -> None:
    """InvalidInputError naming the field when `value` breaks a limit every path shares."""
    problem = text_problem(value, limit, one_line=one_line)
    if problem is not None:
        raise InvalidInputError(f"the {what} {problem}")


def _language(language: str) -> str:
    if language not in LANGUAGES:
        raise InvalidInputError(f"unknown language '{language}'; use en or ru")
    return language


def _snapshot_workflow(catalog: Catalog | None, content_hash: str, source_text: str) -> Workflow:
    """The workflow of a stored snapshot: the catalog's own when it has that exact
    definition, else the snapshot's text parsed."""
    from app.catalog.problems import CatalogError
    from app.catalog.rules import parse_workflow

    if catalog is not None:
        for workflow in catalog.workflows.values():
            if workflow.content_hash == content_hash:
                return workflow
    try:
        return parse_workflow(
            source_text, f"snapshot {content_hash[:12]}", parsed_workflows().loads
        )
    except CatalogError as error:
        raise storage_errors.StorageError(
            f"the stored workflow snapshot {content_hash[:12]} cannot be read: {error}"
        ) from error


def _clinic_info(settings: Settings) -> ClinicInfo:
    from app.report import ClinicInfo

    return ClinicInfo(name=settings.clinic_name, address=settings.clinic_address)


def _paper_size(settings: Settings, paper: str | None) -> str:
    return paper or settings.paper_size or "A4"


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
    from app.report import ReportError, summary_pdf

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


def _directly_readable(url: str) -> Path | None:
    """The file of a SQLite `url` when an encounter may be read from it without opening the
    database normally: the file exists, may be written (as opening requires), and nothing
    has written it since it last passed its full check (see `open_database`)."""
    path = plain_sqlite_path(url)
    if path is None:
        return None
    path = path.expanduser().absolute()
    if not path.is_file():
        return None
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return None
    if checked_at_if_unchanged(path, _check_record(path)) is None:
        return None
    return path


@_translated
def export_summary_pdf(
    settings: Settings,
    database_url: str | None,
    encounter_id: int,
    language: str | None = None,
    paper: str | None = None,
    *,
    clock: Clock | None = None,
    patient_copy: bool = False,
    instructions: bool = True,
) -> bytes:
    """The PDF summary of one encounter, the same as `WorkupService.summary_pdf` makes.

    A local SQLite file that is exactly as it was when it last passed its full check is
    read directly (without SQLAlchemy, see app.storage.sqlite_read). Any other database,
    or a file the direct reader cannot be sure of, is opened as `WorkupService.open` does,
    which reports what is wrong with it.
    """
    url = resolve_database_url(database_url, settings)
    path = _directly_readable(url)
    if path is not None:
        from app.storage.sqlite_read import DirectReadError, read_encounter

        try:
            encounter, workflow = read_encounter(
                path, encounter_id, functools.partial(_snapshot_workflow, None)
            )
        except DirectReadError:
            pass
        else:
            now: Clock = clock or _utc_now
            return _summary_pdf(
                settings,
                now,
                encounter,
                workflow,
                language,
                paper,
                patient_copy=patient_copy,
                instructions=instructions,
            )
    service = WorkupService.open(settings, url, clock=clock)
    try:
        return service.summary_pdf(
            encounter_id, language, paper, patient_copy=patient_copy, instructions=instructions
        )
    finally:
        service.close()


def write_file_atomically(path: Path, data: bytes) -> None:
    """Write an export to `path` atomically; a failure leaves no partial file."""
    from app.fileio import FileWriteError, write_atomically

    try:
        write_atomically(path, data)
    except FileWriteError as error:
        raise ServiceError(str(error)) from error


def batch_pdf_name(encounter_id: int) -> str:
    """The file name of an encounter's summary in a batch export (the CLI's and the GUI's)."""
    return f"encounter-{encounter_id}.pdf"


def batch_jobs() -> int:
    """How many processes a batch export uses by default: one per core, at most four."""
    return max(1, min(os.cpu_count() or 1, 4))


class BatchItem(NamedTuple):
    """One summary of a batch export: the file written, or why it was not."""

    encounter_id: int
    path: Path
    error: str | None = None


class _BatchWorker:
    """The service a batch export process opened for itself (one per process)."""

    service: WorkupService | None = None


def _batch_worker_start(settings: Settings, database_url: str) -> None:
    import signal

    # Ctrl+C and SIGTERM go to the whole process group; the parent decides: no summary is
    # started after them and the ones being written are finished (no partial file).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _BatchWorker.service = WorkupService.open(settings, database_url, auto_upgrade=False)


def _batch_worker_export(
    encounter_id: int, folder: Path, language: str | None, paper: str | None
) -> BatchItem:
    service = _BatchWorker.service
    assert service is not None
    return _export_one(service, encounter_id, folder, language, paper)


def _export_one(
    service: WorkupService,
    encounter_id: int,
    folder: Path,
    language: str | None,
    paper: str | None,
) -> BatchItem:
    path = folder / batch_pdf_name(encounter_id)
    try:
        service.write_pdf(path, service.summary_pdf(encounter_id, language, paper))
    except ServiceError as error:
        return BatchItem(encounter_id, path, str(error) or type(error).__name__)
    return BatchItem(encounter_id, path)


def export_summaries(
    service: WorkupService,
    encounter_ids: list[int],
    folder: Path,
    language: str | None = None,
    paper: str | None = None,
    *,
    jobs: int = 1,
    done: Callable[[BatchItem], None] | None = None,
) -> list[BatchItem]:
    """Write the summary PDF of each encounter into `folder` as `batch_pdf_name(id)`.

    With `jobs` above 1 the PDFs are made by that many worker processes, each opening the
    service's database itself. `done` is called in this process after each file, in the
    order they finish. Every file is written atomically; when `done` or the caller is
    interrupted (KeyboardInterrupt), no further summary is started, the ones being written
    are finished, and the interruption is raised again: only complete files remain.
    """
    report = done or (lambda _item: None)
    results: list[BatchItem] = []
    if jobs <= 1 or len(encounter_ids) < 2:
        for encounter_id in encounter_ids:
            item = _export_one(service, encounter_id, folder, language, paper)
            results.append(item)
            report(item)
        return results
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    executor = ProcessPoolExecutor(
        max_workers=min(jobs, len(encounter_ids)),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_batch_worker_start,
        initargs=(service.settings, service.database.url),
    )
    pending: set[Future[BatchItem]] = set()
    queue = iter(encounter_ids)
    try:
        for encounter_id in queue:
            pending.add(
                executor.submit(_batch_worker_export, encounter_id, folder, language, paper)
            )
            if len(pending) >= 2 * jobs:
                break
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                try:
                    item = future.result()
                except BrokenProcessPool as error:
                    raise UnavailableError(
                        "a batch export process stopped unexpectedly; no file was left half-written"
                    ) from error
                results.append(item)
                report(item)
                next_id = next(queue, None)
                if next_id is not None:
                    pending.add(
                        executor.submit(_batch_worker_export, next_id, folder, language, paper)
                    )
    except BaseException:
        for future in pending:
            future.cancel()
        executor.shutdown(wait=True, cancel_futures=True)
        raise
    executor.shutdown(wait=True)
    return results


def batch_since(day: date) -> datetime:
    """The moment a batch export's "changed since DAY" starts: midnight UTC of `day`."""
    return datetime.combine(day, datetime.min.time(), UTC)


def workflow_file_warnings(paths: list[Path]) -> list[str]:
    """What a valid workflow file lacks (Russian texts shown in English, unused lists)."""
    from app.catalog import check_workflow_file

    return [str(warning) for path in paths for warning in check_workflow_file(path).warnings]


def workflow_file_problems(paths: list[Path], settings: Settings | None = None) -> list[str]:
    """Every problem of the given workflow files, one line each (empty when all are valid).

    With `settings`, a file that is valid on its own is also set beside the workflows the
    application would load (shipped and the clinic's folder): the same id and version as
    another file with different content is refused there, so it is reported here.
    """
    from app.catalog import WorkflowFileError, load_workflow_file

    problems: list[str] = []
    loaded: list[tuple[Path, Workflow]] = []
    for path in paths:
        try:
            loaded.append((path, load_workflow_file(path)))
        except WorkflowFileError as error:
            problems.extend(str(problem) for problem in error.problems)
    if settings is not None and loaded:
        catalog = load_catalog(settings)
        for path, workflow in loaded:
            if catalog.sources.get(workflow.id, Path()).resolve() == path.resolve():
                continue  # the file is the one the catalog loaded
            before = len(catalog.problems)
            catalog.add(workflow, path)
            problems.extend(str(problem) for problem in catalog.problems[before:])
    return problems
