"""The autosaver over a real session whose database can be made unreachable: nothing is
lost or reordered, and storing never runs on the window's thread."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.domain.encounter import OrderStatus
from app.gui.autosave import DEBOUNCE_MS, AutoSaver
from app.services import LockedError, UnavailableError, WorkupService
from app.services.session import EditKind, EncounterSession, FlushReport, OrderEntry
from tests.support import WORKFLOW_ID

ANSWER, ORDER = EditKind.ANSWER, EditKind.ORDER


class Switch:
    """Makes the service's writes fail as an unreachable server does, or with another
    error; records on which thread each write ran."""

    def __init__(self, service: WorkupService) -> None:
        self.down = False
        self.refuse: Exception | None = None
        self.attempts = 0
        self.threads: list[threading.Thread] = []
        for name in ("set_answer", "set_order"):
            setattr(service, name, self._wrap(getattr(service, name)))

    def _wrap(self, write: Any) -> Any:
        def guarded(*args: Any, **kwargs: Any) -> int:
            self.attempts += 1
            self.threads.append(threading.current_thread())
            if self.down:
                raise UnavailableError("the database server is unreachable (test)")
            if self.refuse is not None:
                raise self.refuse
            result: int = write(*args, **kwargs)
            return result

        return guarded


@pytest.fixture
def session(service: WorkupService) -> EncounterSession:
    patient = service.create_patient("Ivanov", "Ivan", date(1980, 5, 17), "A-1")
    encounter = service.start_encounter(patient.id or 0, WORKFLOW_ID, "Dr. Petrova")
    return EncounterSession(service, encounter.id or 0)


@pytest.fixture
def switch(service: WorkupService, session: EncounterSession) -> Switch:
    return Switch(service)


@pytest.fixture
def saver(qtbot: QtBot, session: EncounterSession) -> Any:
    made = AutoSaver()
    made.retry_first_ms = 50
    made.retry_max_ms = 120
    made.attach(session)
    yield made
    made.wait_idle()


def _stored(service: WorkupService, session: EncounterSession) -> dict[str, Any]:
    return dict(service.encounter(session.encounter_id).answers)


def _delay_ms(saver: AutoSaver) -> int:
    assert saver.next_attempt is not None
    assert saver.last_attempt is not None
    return round((saver.next_attempt - saver.last_attempt).total_seconds() * 1000)


def test_edits_are_stored_on_a_worker_thread(
    qtbot: QtBot, saver: AutoSaver, session: EncounterSession, switch: Switch
) -> None:
    reports: list[FlushReport] = []
    saver.flushed.connect(reports.append)
    session.edit(ANSWER, "hx_sx_fever", "yes")
    saver.changed(immediate=True)
    qtbot.waitUntil(lambda: bool(reports), timeout=5000)
    assert reports[0].stored == ["hx_sx_fever"]
    assert switch.threads
    assert all(thread is not threading.main_thread() for thread in switch.threads)


def test_typing_is_stored_within_the_debounce_not_at_once(
    qtbot: QtBot, saver: AutoSaver, session: EncounterSession, switch: Switch
) -> None:
    session.edit(ANSWER, "visit_main_complaint", "dry")
    saver.changed(immediate=False)
    session.edit(ANSWER, "visit_main_complaint", "dry orgasm")
    saver.changed(immediate=False)
    assert switch.attempts == 0
    qtbot.waitUntil(lambda: switch.attempts == 1 and not saver.busy, timeout=DEBOUNCE_MS * 10)
    assert session.waiting == 0


def test_edits_wait_while_unreachable_and_are_stored_in_order(
    qtbot: QtBot,
    saver: AutoSaver,
    session: EncounterSession,
    switch: Switch,
    service: WorkupService,
) -> None:
    states: list[str] = []
    saver.state_changed.connect(states.append)
    switch.down = True
    session.edit(ANSWER, "hx_sx_fever", "yes")
    saver.changed(immediate=True)
    qtbot.waitUntil(lambda: saver.offline, timeout=5000)
    attempts = switch.attempts
    session.edit(ANSWER, "visit_main_complaint", "dry orgasm")
    saver.changed(immediate=True)
    session.edit(ORDER, "lab_cbc", OrderEntry(OrderStatus.ORDERED, "2026-11-21"))
    saver.changed(immediate=False)
    session.edit(ANSWER, "hx_sx_fever", "no")
    saver.changed(immediate=False)
    assert states[-1] == AutoSaver.OFFLINE
    assert session.waiting_items() == ["visit_main_complaint", "lab_cbc", "hx_sx_fever"]
    qtbot.waitUntil(lambda: switch.attempts >= attempts + 2, timeout=5000)
    assert (saver.offline, saver.waiting) == (True, 3)
    switch.down = False
    qtbot.waitUntil(lambda: not saver.offline and saver.waiting == 0, timeout=5000)
    saver.wait_idle()
    stored = _stored(service, session)
    assert (stored["hx_sx_fever"], stored["visit_main_complaint"]) == ("no", "dry orgasm")
    assert service.encounter(session.encounter_id).orders["lab_cbc"].status is OrderStatus.ORDERED
    qtbot.waitUntil(lambda: states[-1] == AutoSaver.SAVED, timeout=5000)


def test_retry_delay_grows_to_its_limit_and_retry_now_tries_at_once(
    qtbot: QtBot, saver: AutoSaver, session: EncounterSession, switch: Switch
) -> None:
    saver.retry_first_ms = saver.retry_max_ms = 600_000
    switch.down = True
    session.edit(ANSWER, "hx_sx_fever", "yes")
    assert saver.flush_now() is False
    delays = [_delay_ms(saver)]
    saver.retry_first_ms, saver.retry_max_ms = 50, 120
    saver.discard()
    session.edit(ANSWER, "hx_sx_fever", "yes")
    for _ in range(4):
        assert saver.flush_now() is False
        delays.append(_delay_ms(saver))
    assert delays == [600_000, 50, 100, 120, 120]
    switch.down = False
    attempts = switch.attempts
    saver.retry_now()
    qtbot.waitUntil(lambda: switch.attempts == attempts + 1 and not saver.offline, timeout=5000)
    assert saver.waiting == 0


def test_discard_forgets_waiting_edits_and_stops_retrying(
    qtbot: QtBot, saver: AutoSaver, session: EncounterSession, switch: Switch
) -> None:
    switch.down = True
    session.edit(ANSWER, "hx_sx_fever", "yes")
    assert saver.flush_now() is False
    assert (saver.offline, saver.waiting) == (True, 1)
    saver.discard()
    assert (saver.offline, saver.waiting) == (False, 0)
    attempts = switch.attempts
    qtbot.wait(300)
    assert switch.attempts == attempts


def test_other_refusals_stop_and_are_reported_and_the_edit_stays(
    saver: AutoSaver, session: EncounterSession, switch: Switch
) -> None:
    reports: list[FlushReport] = []
    saver.flushed.connect(reports.append)
    switch.refuse = LockedError("finalized")
    session.edit(ANSWER, "hx_sx_fever", "yes")
    assert saver.flush_now() is False
    assert not saver.offline
    assert saver.pending
    assert isinstance(reports[-1].failed, LockedError)
