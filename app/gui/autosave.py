"""Saves edits without a Save button: choices at once, typing at most half a second later.

When the database cannot be reached the edits stay in memory, in the order they were
made (the latest value of an item replaces an earlier one still waiting), and a timer
tries again with a growing delay until the server answers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app.gui.messages import error_message
from app.services import ConflictError, InvalidInputError, ServiceError, UnavailableError

DEBOUNCE_MS = 500
RETRY_FIRST_MS = 2_000
RETRY_MAX_MS = 30_000
Writer = Callable[[str, str, object], None]


class AutoSaver(QObject):
    """Collects pending changes by (kind, item id) and writes them through `writer`.

    The timer starts at the first unsaved keystroke and is not restarted by later ones,
    so typing is saved no later than DEBOUNCE_MS after it began.

    A writer that raises UnavailableError puts the saver offline: nothing is lost or
    reverted, later edits are only collected, and the retry timer writes them all once
    the database answers (first after `retry_first_ms`, then twice as long each time,
    up to `retry_max_ms`). `retry_now()` tries at once.
    """

    state_changed = Signal(str)
    input_rejected = Signal(str, str)
    conflict_found = Signal(object)
    item_saved = Signal(str)
    save_failed = Signal(object)
    offline_changed = Signal()

    SAVING = "saving"
    SAVED = "saved"
    FAILED = "failed"
    INVALID = "invalid"
    OFFLINE = "offline"

    def __init__(self, writer: Writer, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._writer = writer
        self._pending: dict[tuple[str, str], object] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(self._on_retry_timer_timeout)
        self.retry_first_ms = RETRY_FIRST_MS
        self.retry_max_ms = RETRY_MAX_MS
        self._retry_delay = 0
        self._flushing = False
        self._offline_error: UnavailableError | None = None
        self.last_attempt: datetime | None = None
        self.next_attempt: datetime | None = None

    @property
    def pending(self) -> bool:
        """Whether changes wait to be written."""
        return bool(self._pending)

    @property
    def waiting(self) -> int:
        """How many items have a change that is not stored yet."""
        return len(self._pending)

    @property
    def offline(self) -> bool:
        """Whether the last write found the database unreachable."""
        return self._offline_error is not None

    @property
    def offline_error(self) -> UnavailableError | None:
        """The error of the last failed try while offline."""
        return self._offline_error

    def pending_values(self) -> list[tuple[str, str, object]]:
        """The changes not stored yet as (kind, item id, value), oldest first."""
        return [(kind, item_id, value) for (kind, item_id), value in self._pending.items()]

    def schedule(self, kind: str, item_id: str, value: object, immediate: bool) -> None:
        """Remember a change; write now when `immediate`, else within DEBOUNCE_MS.

        While offline the change only joins the others; the retry timer writes them.
        """
        key = (kind, item_id)
        self._pending.pop(key, None)
        self._pending[key] = value
        if self.offline:
            self.state_changed.emit(self.OFFLINE)
            return
        self.state_changed.emit(self.SAVING)
        if immediate:
            self.flush()
        elif not self._timer.isActive():
            self._timer.start()

    def discard(self) -> None:
        """Forget pending changes (the encounter was closed after the user agreed)."""
        self._timer.stop()
        self._pending.clear()
        self._set_online()

    def retry_now(self) -> bool:
        """Try to write the waiting changes at once; True when nothing is left waiting."""
        return self.flush()

    def flush(self) -> bool:
        """Write every pending change; False when the database refused and some remain."""
        self._timer.stop()
        if self._flushing:
            return not self._pending
        self._flushing = True
        rejected = False
        try:
            while self._pending:
                key = next(iter(self._pending))
                value = self._pending[key]
                try:
                    self._writer(key[0], key[1], value)
                except InvalidInputError as error:
                    self._forget(key, value)
                    rejected = True
                    self.input_rejected.emit(key[1], error_message(error))
                    continue
                except ConflictError as error:
                    self._forget(key, value)
                    self.conflict_found.emit(error)
                    continue
                except UnavailableError as error:
                    self._go_offline(error)
                    return False
                except ServiceError as error:
                    self._set_online()
                    self.state_changed.emit(self.FAILED)
                    self.save_failed.emit(error)
                    return False
                self._forget(key, value)
                self.item_saved.emit(key[1])
        finally:
            self._flushing = False
        self._set_online()
        self.state_changed.emit(self.INVALID if rejected else self.SAVED)
        return True

    def _forget(self, key: tuple[str, str], value: object) -> None:
        """Drop a change that was handled, unless a newer one replaced it meanwhile."""
        if self._pending.get(key, _MISSING) is value:
            self._pending.pop(key, None)

    def _go_offline(self, error: UnavailableError) -> None:
        self._offline_error = error
        now = datetime.now().astimezone()
        self.last_attempt = now
        self._retry_delay = (
            self.retry_first_ms
            if not self._retry_delay
            else min(self._retry_delay * 2, self.retry_max_ms)
        )
        self.next_attempt = datetime.fromtimestamp(
            now.timestamp() + self._retry_delay / 1000
        ).astimezone()
        self._retry_timer.start(self._retry_delay)
        self.state_changed.emit(self.OFFLINE)
        self.offline_changed.emit()

    def _set_online(self) -> None:
        self._retry_timer.stop()
        self._retry_delay = 0
        self.next_attempt = None
        if self._offline_error is not None:
            self._offline_error = None
            self.offline_changed.emit()

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.flush()

    @Slot()
    def _on_retry_timer_timeout(self) -> None:
        self.flush()


_MISSING = object()
