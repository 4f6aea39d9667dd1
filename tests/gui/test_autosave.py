"""The autosaver with a writer that can be made unreachable: nothing is lost or reordered."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from app.gui.autosave import AutoSaver
from app.services import ConflictError, LockedError, UnavailableError


class FakeWriter:
    """Stores writes in order; raises UnavailableError while `down`."""

    def __init__(self) -> None:
        self.down = False
        self.attempts = 0
        self.stored: list[tuple[str, str, object]] = []
        self.refuse: dict[str, Exception] = {}

    def __call__(self, kind: str, item_id: str, value: object) -> None:
        self.attempts += 1
        if self.down:
            raise UnavailableError("the database server is unreachable (test)")
        if item_id in self.refuse:
            raise self.refuse.pop(item_id)
        self.stored.append((kind, item_id, value))


def _state(saver: AutoSaver) -> tuple[bool, int]:
    """Whether the saver is offline and how many items wait."""
    return saver.offline, saver.waiting


def _delay_ms(saver: AutoSaver) -> int:
    """The delay before the next try, in milliseconds."""
    assert saver.next_attempt is not None
    assert saver.last_attempt is not None
    return round((saver.next_attempt - saver.last_attempt).total_seconds() * 1000)


@pytest.fixture
def writer() -> FakeWriter:
    return FakeWriter()


@pytest.fixture
def saver(qtbot: QtBot, writer: FakeWriter) -> AutoSaver:
    made = AutoSaver(writer)
    made.retry_first_ms = 50
    made.retry_max_ms = 120
    return made


def test_edits_wait_while_unreachable_and_are_stored_in_order(
    qtbot: QtBot, saver: AutoSaver, writer: FakeWriter
) -> None:
    states: list[str] = []
    saver.state_changed.connect(states.append)
    saver.schedule("answer", "a", "first", immediate=True)
    assert writer.stored == [("answer", "a", "first")]
    writer.down = True
    saver.schedule("answer", "b", "one", immediate=True)
    assert _state(saver) == (True, 1)
    assert saver.last_attempt is not None
    assert saver.next_attempt is not None
    attempts = writer.attempts
    saver.schedule("answer", "c", "x", immediate=True)
    saver.schedule("order", "o", "draft", immediate=False)
    saver.schedule("answer", "b", "two", immediate=False)
    assert writer.attempts == attempts, "edits made while offline do not block on the server"
    assert states[-1] == AutoSaver.OFFLINE
    assert saver.pending_values() == [
        ("answer", "c", "x"),
        ("order", "o", "draft"),
        ("answer", "b", "two"),
    ]
    qtbot.waitUntil(lambda: writer.attempts >= attempts + 3, timeout=3000)
    assert _state(saver) == (True, 3)
    writer.down = False
    with qtbot.waitSignal(saver.offline_changed, timeout=3000):
        pass
    assert _state(saver) == (False, 0)
    assert writer.stored[1:] == [
        ("answer", "c", "x"),
        ("order", "o", "draft"),
        ("answer", "b", "two"),
    ]
    assert states[-1] == AutoSaver.SAVED


def test_retry_delay_grows_to_its_limit_and_retry_now_tries_at_once(
    saver: AutoSaver, writer: FakeWriter
) -> None:
    writer.down = True
    saver.schedule("answer", "a", 1, immediate=True)
    delays = []
    for _ in range(4):
        delays.append(_delay_ms(saver))
        assert saver.retry_now() is False
    assert delays == [50, 100, 120, 120]
    writer.down = False
    assert saver.retry_now() is True
    assert writer.stored == [("answer", "a", 1)]
    writer.down = True
    saver.schedule("answer", "a", 2, immediate=True)
    assert _delay_ms(saver) == 50


def test_discard_forgets_waiting_edits_and_stops_retrying(
    qtbot: QtBot, saver: AutoSaver, writer: FakeWriter
) -> None:
    writer.down = True
    saver.schedule("answer", "a", 1, immediate=True)
    assert _state(saver) == (True, 1)
    saver.discard()
    assert _state(saver) == (False, 0)
    attempts = writer.attempts
    qtbot.wait(300)
    assert writer.attempts == attempts


def test_a_conflict_on_retry_is_reported_and_the_other_edits_are_stored(
    qtbot: QtBot, saver: AutoSaver, writer: FakeWriter
) -> None:
    conflicts: list[object] = []
    saver.conflict_found.connect(conflicts.append)
    writer.down = True
    saver.schedule("answer", "a", 1, immediate=True)
    saver.schedule("answer", "b", 2, immediate=True)
    writer.refuse["a"] = ConflictError("changed", "a", '"theirs"', "Dr. B")
    writer.down = False
    assert saver.retry_now() is True
    assert [getattr(c, "item_id", None) for c in conflicts] == ["a"]
    assert writer.stored == [("answer", "b", 2)]


def test_other_refusals_still_stop_and_report(saver: AutoSaver, writer: FakeWriter) -> None:
    failures: list[object] = []
    saver.save_failed.connect(failures.append)
    writer.refuse["a"] = LockedError("finalized")
    saver.schedule("answer", "a", 1, immediate=True)
    assert not saver.offline
    assert saver.pending
    assert len(failures) == 1
