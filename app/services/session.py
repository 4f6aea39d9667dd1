"""`EncounterSession`: editing one encounter, free of Qt.

The session holds what the editing window shows: the encounter as last read, the workflow
snapshot it was recorded against, and the edits not stored yet, each with the value this
workstation showed before it (its conflict base). It answers what the window asks (the
values to show, which items are visible, section completion, instruction previews, what
is missing before signing) from the domain's rules, and its commands store edits, sign and
amend through `WorkupService`.

Edits are validated once, when they are made. `flush()` stores the waiting edits in the
order they were made and may run on a worker thread while the interface thread goes on
making edits: the waiting edits are guarded by a lock that is never held across a call to
the database. When the database cannot be reached the edits stay, in order, and the next
`flush()` tries again; nothing is lost or reverted.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING

from app.domain.encounter import Encounter, OrderState, OrderStatus, SectionCompletion
from app.domain.errors import AnswerError, DomainError
from app.domain.instructions import order_instructions_preview
from app.domain.rules import is_visible, missing_required, review_notes, section_completion
from app.domain.validation import from_json, validate_answer
from app.domain.values import AnswerValue, display_value
from app.domain.workflow import Item, Section, Workflow
from app.services.errors import (
    CHANGED_BEFORE_SIGNING,
    ChangedError,
    ConflictError,
    InvalidInputError,
    LockedError,
    NotFoundError,
    ServiceError,
    UnavailableError,
)

if TYPE_CHECKING:
    from app.services.workups import WorkupService


class EditKind(Enum):
    """What an edit changes: an answer, or an order's state."""

    ANSWER = "answer"
    ORDER = "order"


@dataclass(frozen=True)
class OrderEntry:
    """An order's state as typed in a form: the date is still text."""

    status: OrderStatus
    date_text: str = ""
    note: str = ""

    def to_state(self) -> OrderState:
        """The order state; InvalidInputError when the date is not YYYY-MM-DD."""
        try:
            when = date.fromisoformat(self.date_text) if self.date_text else None
        except ValueError:
            raise InvalidInputError.of("enter the date as YYYY-MM-DD") from None
        return OrderState(self.status, when, self.note)


Value = AnswerValue | OrderState


@dataclass(frozen=True, eq=False)
class Edit:
    """One validated change waiting to be stored: the new value (None clears the item) and
    the value this workstation showed before the first waiting change of the item."""

    kind: EditKind
    item_id: str
    value: Value | None
    base: Value | None


@dataclass
class FlushReport:
    """What one `flush()` did.

    `stored`: items whose edit is stored; `rejected`: edits the database refused for good
    (the value is no longer valid), with the error; `conflicts`: edits not stored because
    another workstation changed the item first (the session was read again); `offline`:
    the database could not be reached and `waiting` edits stay; `failed`: another error
    stopped the flush and `waiting` edits stay.
    """

    stored: list[str] = field(default_factory=list)
    rejected: list[tuple[str, ServiceError]] = field(default_factory=list)
    conflicts: list[ConflictError] = field(default_factory=list)
    offline: UnavailableError | None = None
    failed: ServiceError | None = None
    waiting: int = 0

    @property
    def done(self) -> bool:
        """Whether nothing is left waiting."""
        return self.waiting == 0


@dataclass(frozen=True)
class FormState:
    """What the form shows over the shown values (see `EncounterSession.form_state`)."""

    visible: dict[str, bool]
    instructions: dict[str, str]
    completion: list[SectionCompletion]


@dataclass(frozen=True)
class SigningCheck:
    """What a signer reviews: the stored revision, and the required items still missing."""

    revision: int
    missing: list[tuple[Section, Item]]


class EncounterSession:
    """One encounter being edited at one workstation."""

    def __init__(self, service: WorkupService, encounter_id: int, actor: str | None = None):
        self._service = service
        self._lock = threading.RLock()
        self._flush_lock = threading.Lock()
        self._waiting: dict[str, Edit] = {}
        self._offline: UnavailableError | None = None
        self._answers: dict[str, AnswerValue] = {}
        self._orders: dict[str, OrderState] = {}
        self.encounter: Encounter
        self._take(service.encounter(encounter_id))
        self.workflow: Workflow = service.encounter_workflow(encounter_id)
        self.actor = actor or self.encounter.clinician

    def _take(self, encounter: Encounter) -> None:
        """Make `encounter` the one last read (its values the ones stored)."""
        with self._lock:
            self.encounter = encounter
            self._answers = dict(encounter.answers)
            self._orders = dict(encounter.orders)

    @property
    def encounter_id(self) -> int:
        """The id of the encounter."""
        assert self.encounter.id is not None
        return self.encounter.id

    @property
    def editable(self) -> bool:
        """Whether the encounter, as last read, may be changed."""
        return self.encounter.status.editable

    # -- what the window shows ------------------------------------------------------------

    def shown_values(self) -> tuple[dict[str, AnswerValue], dict[str, OrderState]]:
        """The stored answers and orders with the waiting edits on top."""
        with self._lock:
            answers, orders = dict(self._answers), dict(self._orders)
            for edit in self._waiting.values():
                target: dict[str, Value] = orders if edit.kind is EditKind.ORDER else answers  # type: ignore[assignment]
                if edit.value is None:
                    target.pop(edit.item_id, None)
                else:
                    target[edit.item_id] = edit.value
        return answers, orders

    def visible(self, item: Item) -> bool:
        """Whether `item` is shown, by its show-when condition on the shown values."""
        answers, orders = self.shown_values()
        return is_visible(self.workflow, item, answers, orders)

    def completion(self) -> list[SectionCompletion]:
        """Answered and required counts per section, over the shown values."""
        answers, orders = self.shown_values()
        return [
            section_completion(self.workflow, section, answers, orders)
            for section in self.workflow.sections
        ]

    def instructions(self, item: Item, language: str) -> str:
        """The patient instructions of order `item` as they would print now."""
        answers, orders = self.shown_values()
        return order_instructions_preview(self.workflow, item, answers, orders, language)

    def form_state(self, language: str) -> FormState:
        """What the form shows after an edit, from one look at the shown values: every
        item's visibility, the instructions of every order that has some, the section
        counts."""
        answers, orders = self.shown_values()
        workflow = self.workflow
        return FormState(
            {item.id: is_visible(workflow, item, answers, orders) for item in workflow.items()},
            {
                item.id: order_instructions_preview(workflow, item, answers, orders, language)
                for item in workflow.items()
                if item.is_order and item.instructions
            },
            [
                section_completion(workflow, section, answers, orders)
                for section in workflow.sections
            ],
        )

    def missing_required(self) -> list[tuple[Section, Item]]:
        """Required items shown but not answered, in document order."""
        answers, orders = self.shown_values()
        return missing_required(self.workflow, answers, orders)

    def prompts(self) -> list[tuple[Section, Item, str]]:
        """What is worth a look before signing (see `app.domain.rules.review_notes`)."""
        answers, orders = self.shown_values()
        return review_notes(self.workflow, answers, orders)

    # -- edits --------------------------------------------------------------------------

    @property
    def waiting(self) -> int:
        """How many items have an edit not stored yet."""
        with self._lock:
            return len(self._waiting)

    def waiting_items(self) -> list[str]:
        """The items with an edit not stored yet, oldest first."""
        with self._lock:
            return list(self._waiting)

    @property
    def offline(self) -> UnavailableError | None:
        """Why the last flush could not reach the database (None: it could)."""
        return self._offline

    def edit(self, kind: EditKind, item_id: str, value: object) -> None:
        """Make an edit: validate `value` (None clears the item) and let it wait for
        `flush()`. An invalid value raises InvalidInputError, and any earlier edit of the
        item still waiting is dropped, so that a value the form no longer shows is never
        stored."""
        item = self._item(item_id)
        try:
            checked = self._checked(kind, item, value)
        except InvalidInputError:
            with self._lock:
                self._waiting.pop(item_id, None)
            raise
        with self._lock:
            earlier = self._waiting.pop(item_id, None)
            if earlier is not None:
                base = earlier.base
            elif kind is EditKind.ORDER:
                base = self._orders.get(item_id)
            else:
                base = self._answers.get(item_id)
            self._waiting[item_id] = Edit(kind, item_id, checked, base)

    def _item(self, item_id: str) -> Item:
        if not self.workflow.has_item(item_id):
            raise InvalidInputError(f"the workflow has no item '{item_id}'")
        return self.workflow.item(item_id)

    def _checked(self, kind: EditKind, item: Item, value: object) -> Value | None:
        if (kind is EditKind.ORDER) != item.is_order:
            what = "an order" if item.is_order else "not an order"
            raise InvalidInputError(f"item {item.id} is {what}")
        if value is None:
            return None
        if kind is EditKind.ORDER:
            if isinstance(value, OrderEntry):
                return value.to_state()
            if isinstance(value, OrderState):
                return value
            raise InvalidInputError(f"item {item.id} expects an order state")
        try:
            return validate_answer(item, value, self._service.today())
        except AnswerError as error:
            raise InvalidInputError.of(error.template, **error.params) from None
        except DomainError as error:
            raise InvalidInputError(str(error)) from None

    def discard(self) -> int:
        """Forget the waiting edits (the user agreed to lose them); return how many."""
        with self._lock:
            count = len(self._waiting)
            self._waiting.clear()
            self._offline = None
            return count

    def flush(self) -> FlushReport:
        """Store the waiting edits, oldest first.

        Stops at the first edit the database cannot take now (unreachable, or another
        error): it and the later ones stay waiting. An edit refused for good, or in
        conflict with another workstation's change, leaves the queue and is reported; after
        a conflict the encounter is read again. One flush runs at a time; a second caller
        waits for the first, then stores what is left.
        """
        report = FlushReport()
        with self._flush_lock:
            while True:
                with self._lock:
                    if not self._waiting:
                        break
                    edit = next(iter(self._waiting.values()))
                try:
                    self._store(edit)
                except ConflictError as error:
                    self._forget(edit)
                    report.conflicts.append(error)
                    self._reload_quietly()
                    continue
                except (InvalidInputError, NotFoundError) as error:
                    self._forget(edit)
                    report.rejected.append((edit.item_id, error))
                    continue
                except UnavailableError as error:
                    self._offline = report.offline = error
                    break
                except ServiceError as error:
                    self._offline = None
                    report.failed = error
                    break
                self._offline = None
                self._stored(edit)
                report.stored.append(edit.item_id)
            report.waiting = self.waiting
        return report

    def _store(self, edit: Edit) -> None:
        service, encounter_id = self._service, self.encounter_id
        if edit.kind is EditKind.ORDER:
            assert edit.value is None or isinstance(edit.value, OrderState)
            service.set_order(encounter_id, edit.item_id, edit.value, self.actor, base=edit.base)
        else:
            assert not isinstance(edit.value, OrderState)
            service.set_answer(encounter_id, edit.item_id, edit.value, self.actor, base=edit.base)

    def _forget(self, edit: Edit) -> None:
        """Drop an edit that was handled, unless a newer one of the item replaced it."""
        with self._lock:
            if self._waiting.get(edit.item_id) is edit:
                del self._waiting[edit.item_id]

    def _stored(self, edit: Edit) -> None:
        """Take a stored edit into the encounter as last read."""
        with self._lock:
            target: dict[str, Value] = (
                self._orders if edit.kind is EditKind.ORDER else self._answers  # type: ignore[assignment]
            )
            if edit.value is None:
                target.pop(edit.item_id, None)
            else:
                target[edit.item_id] = edit.value
            newer = self._waiting.get(edit.item_id)
            if newer is edit:
                del self._waiting[edit.item_id]
            elif newer is not None:
                # The newer edit of the item is based on what was just stored.
                self._waiting[edit.item_id] = Edit(
                    newer.kind, newer.item_id, newer.value, edit.value
                )

    def _reload_quietly(self) -> None:
        # A failure here is reported by the next flush or by the window's own reload.
        with contextlib.suppress(ServiceError):
            self.reload()

    # -- reading, signing, amending -----------------------------------------------------

    def reload(self) -> Encounter:
        """Read the encounter again; waiting edits stay on top of what is stored."""
        encounter = self._service.encounter(self.encounter_id)
        self._take(encounter)
        return encounter

    def check_before_signing(self) -> SigningCheck:
        """What the signer is about to sign, read from the database.

        Refuses while edits wait (flush first). When the stored encounter differs from what
        this workstation shows (another workstation changed it), the session reads it again
        and ChangedError is raised: the signer must review the new content first.
        """
        if self.waiting:
            raise UnavailableError("changes of this workup are not saved yet")
        stored = self._service.encounter(self.encounter_id)
        shown = self.shown_values()
        self._take(stored)
        if (dict(stored.answers), dict(stored.orders)) != shown:
            raise ChangedError.of(CHANGED_BEFORE_SIGNING)
        answers, orders = dict(stored.answers), dict(stored.orders)
        return SigningCheck(stored.revision, missing_required(self.workflow, answers, orders))

    def finalize(self, signed_by: str, reviewed_revision: int) -> Encounter:
        """Sign the encounter (or its open addendum) as reviewed at `reviewed_revision`."""
        if not self.editable:
            raise LockedError("the workup is signed; open an addendum to change it")
        signed = self._service.finalize(self.encounter_id, signed_by, reviewed_revision)
        self._take(signed)
        return signed

    def amend(self, reason: str) -> Encounter:
        """Open an addendum with `reason`; the encounter becomes editable again."""
        amended = self._service.amend(self.encounter_id, reason, self.actor)
        self._take(amended)
        return amended


def shown_stored_value(item: Item, raw: object, language: str, fallback: Callable[[], str]) -> str:
    """A value as stored in an audit event (its JSON form), shown as the window shows it;
    `fallback()` when it is not a valid value of `item`."""
    try:
        return display_value(item, from_json(item, raw), language)
    except DomainError:
        return fallback()
