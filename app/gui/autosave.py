"""Saves edits without a Save button: choices at once, typing at most half a second later."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app.services import ConflictError, InvalidInputError, ServiceError

DEBOUNCE_MS = 500
Writer = Callable[[str, str, object], None]


class AutoSaver(QObject):
    """Collects pending changes by (kind, item id) and writes them through `writer`.

    The timer starts at the first unsaved keystroke and is not restarted by later ones,
    so typing is saved no later than DEBOUNCE_MS after it began.
    """

    state_changed = Signal(str)
    input_rejected = Signal(str, str)
    conflict_found = Signal(object)
    item_saved = Signal(str)
    save_failed = Signal(object)

    SAVING = "saving"
    SAVED = "saved"
    FAILED = "failed"
    INVALID = "invalid"

    def __init__(self, writer: Writer, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._writer = writer
        self._pending: dict[tuple[str, str], object] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._flushing = False

    @property
    def pending(self) -> bool:
        """Whether changes wait to be written."""
        return bool(self._pending)

    def schedule(self, kind: str, item_id: str, value: object, immediate: bool) -> None:
        """Remember a change; write now when `immediate`, else within DEBOUNCE_MS."""
        self._pending[(kind, item_id)] = value
        self.state_changed.emit(self.SAVING)
        if immediate:
            self.flush()
        elif not self._timer.isActive():
            self._timer.start()

    def discard(self) -> None:
        """Forget pending changes (the encounter was closed after the user agreed)."""
        self._timer.stop()
        self._pending.clear()

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
                    self._pending.pop(key, None)
                    rejected = True
                    self.input_rejected.emit(key[1], str(error))
                    continue
                except ConflictError as error:
                    self._pending.pop(key, None)
                    self.conflict_found.emit(error)
                    continue
                except ServiceError as error:
                    self.state_changed.emit(self.FAILED)
                    self.save_failed.emit(error)
                    return False
                if self._pending.get(key, _MISSING) is value:
                    self._pending.pop(key, None)
                self.item_saved.emit(key[1])
        finally:
            self._flushing = False
        self.state_changed.emit(self.INVALID if rejected else self.SAVED)
        return True

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.flush()


_MISSING = object()
