"""Edits kept in memory while the database server is unreachable, retried in order (Qt-free)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from app.domain.encounter import OrderState
from app.domain.values import AnswerValue
from app.services import ServiceError, UnavailableError, WorkupService
from app.storage import UNSET


@dataclass(frozen=True)
class PendingEdit:
    """One answer or order edit that is waiting to be stored."""

    encounter_id: int
    item_id: str
    actor: str
    answer: AnswerValue | None = None
    order: OrderState | None = None
    is_order: bool = False
    base: object = UNSET

    def apply(self, service: WorkupService) -> int:
        """Store the edit; return the encounter's new revision."""
        if self.is_order:
            return service.set_order(
                self.encounter_id, self.item_id, self.order, self.actor, base=self.base
            )
        return service.set_answer(
            self.encounter_id, self.item_id, self.answer, self.actor, base=self.base
        )


@dataclass
class FlushResult:
    """What one `PendingEdits.flush()` did."""

    stored: int = 0
    rejected: list[tuple[PendingEdit, ServiceError]] = field(default_factory=list)
    remaining: int = 0

    @property
    def done(self) -> bool:
        """Whether nothing is left waiting."""
        return self.remaining == 0


class PendingEdits:
    """Stores edits through the service, keeping those the server could not take.

    An edit that fails with UnavailableError is queued; while anything is queued, newer
    edits queue behind it so that edits of one item land in the order they were made.
    `flush()` retries the queue in order and stops at the first edit the server still
    cannot take. Edits the database refuses for good (a conflict, a finalized encounter,
    a value no longer valid) leave the queue and are reported in the result.
    """

    def __init__(self, service: WorkupService) -> None:
        self._service = service
        self._queue: deque[PendingEdit] = deque()

    def __len__(self) -> int:
        return len(self._queue)

    def pending(self) -> list[PendingEdit]:
        """The queued edits, oldest first."""
        return list(self._queue)

    def set_answer(
        self,
        encounter_id: int,
        item_id: str,
        value: AnswerValue | None,
        actor: str,
        base: object = UNSET,
    ) -> bool:
        """Store an answer now (True) or queue it while the server is unreachable (False).

        Errors other than UnavailableError (conflicts, locked, invalid) are raised as usual.
        """
        return self._submit(PendingEdit(encounter_id, item_id, actor, answer=value, base=base))

    def set_order(
        self,
        encounter_id: int,
        item_id: str,
        state: OrderState | None,
        actor: str,
        base: object = UNSET,
    ) -> bool:
        """Store an order state now (True) or queue it (False); see `set_answer`."""
        return self._submit(
            PendingEdit(encounter_id, item_id, actor, order=state, is_order=True, base=base)
        )

    def _submit(self, edit: PendingEdit) -> bool:
        if self._queue:
            self._queue.append(edit)
            return False
        try:
            edit.apply(self._service)
        except UnavailableError:
            self._queue.append(edit)
            return False
        return True

    def flush(self) -> FlushResult:
        """Retry the queued edits in order; stop at the first the server cannot take yet."""
        result = FlushResult()
        while self._queue:
            edit = self._queue[0]
            try:
                edit.apply(self._service)
            except UnavailableError:
                break
            except ServiceError as error:
                result.rejected.append((edit, error))
            else:
                result.stored += 1
            self._queue.popleft()
        result.remaining = len(self._queue)
        return result
