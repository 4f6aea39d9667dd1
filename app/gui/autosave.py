"""When edits are saved, without a Save button: choices at once, typing at most half a second
after it began, and never on the window's own thread.

The edits themselves wait in the `EncounterSession` (app.services.session); this saver only
decides when `flush()` runs and runs it on a worker thread, so that a slow or lost database
connection never freezes the window. When the database cannot be reached, a timer tries
again with a growing delay until it answers.
"""

from __future__ import annotations

import queue
from datetime import datetime

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, SignalInstance, Slot

from app.services.session import EncounterSession, FlushReport

DEBOUNCE_MS = 500
RETRY_FIRST_MS = 2_000
RETRY_MAX_MS = 30_000


class _Flush(QRunnable):
    """One `session.flush()` on the saver's worker thread. The report goes into `results`
    and an argument-less signal, which Qt delivers on the window's thread, says it is there
    (Python objects are not sent through a signal between threads)."""

    def __init__(
        self,
        session: EncounterSession,
        results: queue.SimpleQueue[tuple[EncounterSession, FlushReport]],
        done: SignalInstance,
    ) -> None:
        super().__init__()
        self._session = session
        self._results = results
        self._done = done

    def run(self) -> None:
        self._results.put((self._session, self._session.flush()))
        self._done.emit()


class AutoSaver(QObject):
    """Runs the session's flush at the right times and reports what it did.

    The debounce timer starts at the first unsaved keystroke and is not restarted by later
    ones. A flush that finds the database unreachable puts the saver offline: the edits stay
    in the session, and the retry timer flushes again (first after `retry_first_ms`, then
    twice as long each time, up to `retry_max_ms`). `flush_now()` flushes on the calling
    thread and waits for it (before signing, closing or any step that needs the edits
    stored); `retry_now()` tries at once without waiting.
    """

    state_changed = Signal(str)
    flushed = Signal(object)
    offline_changed = Signal()
    _worker_done = Signal()

    SAVING = "saving"
    SAVED = "saved"
    FAILED = "failed"
    INVALID = "invalid"
    OFFLINE = "offline"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session: EncounterSession | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(self._on_retry_timer_timeout)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._results: queue.SimpleQueue[tuple[EncounterSession, FlushReport]] = queue.SimpleQueue()
        self._worker_done.connect(self._on_worker_done)
        self._running = False
        self._again = False
        self._was_offline = False
        self.retry_first_ms = RETRY_FIRST_MS
        self.retry_max_ms = RETRY_MAX_MS
        self._retry_delay = 0
        self.last_attempt: datetime | None = None
        self.next_attempt: datetime | None = None

    def attach(self, session: EncounterSession | None) -> None:
        """Save the edits of `session` from now on (None: of no encounter)."""
        self._timer.stop()
        self._set_online()
        self.session = session

    @property
    def waiting(self) -> int:
        """How many items have an edit not stored yet."""
        return self.session.waiting if self.session is not None else 0

    @property
    def pending(self) -> bool:
        """Whether edits wait to be stored."""
        return self.waiting > 0

    @property
    def offline(self) -> bool:
        """Whether the last flush reported found the database unreachable."""
        return self._was_offline

    @property
    def busy(self) -> bool:
        """Whether a flush runs on the worker thread now."""
        return self._running

    def changed(self, immediate: bool) -> None:
        """An edit was made: flush now when `immediate`, else within DEBOUNCE_MS.

        While offline the edit only waits with the others; the retry timer stores them.
        """
        if self.offline:
            self.state_changed.emit(self.OFFLINE)
            return
        self.state_changed.emit(self.SAVING)
        if immediate:
            self._start()
        elif not self._timer.isActive():
            self._timer.start()

    def discard(self) -> None:
        """Forget the waiting edits (the encounter was closed after the user agreed)."""
        self._timer.stop()
        if self.session is not None:
            self.session.discard()
        self._set_online()

    def retry_now(self) -> None:
        """Try to store the waiting edits at once, on the worker thread."""
        self._start()

    def flush_now(self) -> bool:
        """Store every waiting edit before returning; False when some could not be stored.

        A flush already running on the worker thread is waited for first.
        """
        self._timer.stop()
        session = self.session
        if session is None:
            self.state_changed.emit(self.SAVED)
            return True
        report = session.flush()
        self._handle(report)
        return report.done

    def wait_idle(self, timeout_ms: int = 30_000) -> bool:
        """Wait for the worker thread's flush to end, and for any flush it asked for after
        it; its report is delivered by the event loop afterwards (tests)."""
        return self._pool.waitForDone(timeout_ms)

    def _start(self) -> None:
        self._timer.stop()
        session = self.session
        if session is None:
            return
        if self._running:
            self._again = True
            return
        self._running = True
        self._again = False
        self._pool.start(_Flush(session, self._results, self._worker_done))

    @Slot()
    def _on_worker_done(self) -> None:
        session, report = self._results.get_nowait()
        self._running = False
        if session is not self.session:
            return  # the encounter was closed meanwhile; its report is no longer shown
        self._handle(report)
        if self._again and report.failed is None:
            self._start()  # asked for while this flush ran (a retry, or a new edit)

    def _handle(self, report: FlushReport) -> None:
        """Show what a flush did: the report, then the state the session is in now."""
        self.flushed.emit(report)
        if self.session is not None and self.session.offline is not None:
            self._go_offline()
            return
        self._set_online()
        if report.failed is not None:
            self.state_changed.emit(self.FAILED)
        elif self.pending:
            self.state_changed.emit(self.SAVING)
            if not self._running and not self._timer.isActive():
                self._timer.start()
        else:
            self.state_changed.emit(self.INVALID if report.rejected else self.SAVED)

    def _go_offline(self) -> None:
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
        self._was_offline = True
        self.offline_changed.emit()

    def _set_online(self) -> None:
        self._retry_timer.stop()
        self._retry_delay = 0
        self.next_attempt = None
        if self._was_offline:
            self._was_offline = False
            self.offline_changed.emit()

    @Slot()
    def _on_timer_timeout(self) -> None:
        self._start()

    @Slot()
    def _on_retry_timer_timeout(self) -> None:
        self._start()
