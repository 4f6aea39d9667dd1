# mypy: disable-error-code="no-untyped-call"
# (pytest-qt adds QtBot.keyClick, mouseClick, ... at run time, without annotations)
"""The window while the real PostgreSQL server stops and starts again between edits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox
from pytestqt.qtbot import QtBot

from app.catalog.loader import Catalog
from app.config import Settings
from app.domain.encounter import OrderStatus
from app.gui.fields import NumberField, OrderField, TextField, YnuDetailsField, YnuField
from app.gui.main_window import MainWindow
from app.services import WorkupService
from tests.gui.support import CLINICIAN, WORKFLOW_ID, Clock, Messages, apply_look_once
from tests.postgres import PostgresCluster

pytestmark = pytest.mark.postgres
LEFT = Qt.MouseButton.LeftButton
RETRY_TIMEOUT_MS = 30_000


@pytest.fixture
def pg_url(pg_cluster: PostgresCluster) -> Iterator[str]:
    """A new database on the test cluster; the server is running again afterwards."""
    name = pg_cluster.create_database()
    yield pg_cluster.url(name)
    if not pg_cluster.running():
        pg_cluster.start()
    pg_cluster.drop_database(name)


def _open(url: str, settings: Settings, catalog: Catalog) -> WorkupService:
    return WorkupService.open(settings, url, clock=Clock(), catalog=catalog, auto_upgrade=True)


@pytest.fixture
def pg_service(
    pg_url: str, settings: Settings, shipped_catalog: Catalog
) -> Iterator[WorkupService]:
    """The window's service, on the server."""
    service = _open(pg_url, settings, shipped_catalog)
    yield service
    service.close()


@pytest.fixture
def other_station(
    pg_url: str, settings: Settings, shipped_catalog: Catalog, pg_service: WorkupService
) -> Iterator[WorkupService]:
    """A second connection to the same database, used to check what is stored."""
    service = _open(pg_url, settings, shipped_catalog)
    yield service
    service.close()


@pytest.fixture
def pg_window(qtbot: QtBot, pg_service: WorkupService, settings: Settings) -> MainWindow:
    """The main window on the server."""
    apply_look_once()
    main = MainWindow(pg_service, settings)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    return main


def _start(service: WorkupService) -> int:
    patient = service.create_patient("Ivanov", "Pavel", date(1980, 5, 1), "C-1")
    assert patient.id is not None
    encounter = service.start_encounter(patient.id, WORKFLOW_ID, CLINICIAN)
    assert encounter.id is not None
    return encounter.id


def test_edits_made_while_the_server_restarts_are_all_stored(
    qtbot: QtBot,
    pg_window: MainWindow,
    pg_service: WorkupService,
    other_station: WorkupService,
    pg_cluster: PostgresCluster,
    messages: Messages,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = pg_window
    encounter_id = _start(pg_service)
    assert window.open_encounter(encounter_id)
    view = window.workup
    saver = view.saver
    saver.retry_first_ms, saver.retry_max_ms = 200, 800
    banner = view.offline_banner
    made = 0

    complaint = view.field("visit_main_complaint")
    assert isinstance(complaint, TextField)
    assert complaint.editor is not None
    qtbot.keyClicks(complaint.editor, "Little fluid")
    made += 1
    qtbot.waitUntil(lambda: window.save_label.text() == "All changes saved")
    assert banner.isHidden()

    pg_cluster.stop()
    try:
        qtbot.keyClicks(complaint.editor, " at orgasm")
        made += 1
        qtbot.waitUntil(lambda: saver.offline, timeout=5000)
        assert not banner.isHidden()
        assert "unreachable" in banner.title_label.text()
        assert "1 change(s)" in banner.text_label.text()
        assert "Last try at" in banner.text_label.text()
        assert "unreachable" in window.save_label.text()
        assert messages.shown == [], "no dialog interrupts the typing"

        view.show_section(1)
        low_volume = view.field("hx_sx_low_volume")
        assert isinstance(low_volume, YnuField)
        qtbot.mouseClick(low_volume.ynu.buttons["yes"], LEFT)
        qtbot.mouseClick(low_volume.ynu.buttons["unknown"], LEFT)
        urinary = view.field("hx_sx_urinary")
        assert isinstance(urinary, YnuDetailsField)
        qtbot.mouseClick(urinary.ynu.buttons["yes"], LEFT)
        assert not urinary.details.isHidden()
        qtbot.keyClicks(urinary.details, "weak stream")
        leakage = view.field("hx_sx_semen_leakage")
        assert isinstance(leakage, YnuField)
        qtbot.mouseClick(leakage.ynu.buttons["yes"], LEFT)
        assert not view.field("leak_when").isHidden(), "follow-up items appear while offline"
        made += 5
        order = view.field("sa_order")
        assert isinstance(order, OrderField)
        view.jump_to_item("sa_order")
        qtbot.keyClick(order.state_combo, Qt.Key.Key_Down)
        made += 1
        assert not view.field("sa_scope").isHidden()
        qtbot.waitUntil(lambda: "5 change(s)" in banner.text_label.text())
        assert "5 change(s)" in window.save_label.text()

        # Refused while changes wait: finalizing, leaving the workup (kept open on Cancel).
        prompts: list[str] = []

        def get_text(_parent: object, title: str, *_args: object) -> tuple[str, bool]:
            prompts.append(title)
            return "x", True

        monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))
        qtbot.mouseClick(view.sign_button, LEFT)
        assert prompts == []
        assert messages.kinds() == ["warning"]
        assert "not saved yet" in messages.shown[-1][2]
        messages.answer = QMessageBox.StandardButton.Cancel
        assert window.show_list() is False
        assert window.stack.currentWidget() is view
        assert messages.kinds() == ["warning", "question"]

        tries = saver.last_attempt
        qtbot.waitUntil(lambda: saver.last_attempt != tries, timeout=5000)
        qtbot.waitUntil(lambda: saver.offline, timeout=5000)
        assert complaint.editor.toPlainText() == "Little fluid at orgasm"
        assert low_volume.ynu.choice() == "unknown"
        assert urinary.details.text() == "weak stream"
        assert order.status() is OrderStatus.ORDERED
    finally:
        pg_cluster.start()
    qtbot.waitUntil(lambda: not saver.offline and not saver.pending, timeout=RETRY_TIMEOUT_MS)
    assert window.save_label.text() == "All changes saved"
    assert banner.isHidden()

    # A second restart, between two edits.
    volume = view.field("hx_sx_volume_estimate")
    assert isinstance(volume, NumberField)
    view.jump_to_item("hx_sx_volume_estimate")
    qtbot.keyClicks(volume.line, "1,5")
    made += 1
    qtbot.waitUntil(lambda: window.save_label.text() == "All changes saved")
    pg_cluster.stop()
    try:
        qtbot.mouseClick(leakage.ynu.buttons["no"], LEFT)
        made += 1
        qtbot.waitUntil(lambda: saver.offline, timeout=5000)
        assert view.field("leak_when").isHidden()
        volume.line.clear()
        qtbot.keyClicks(volume.line, "2")
        made += 1
    finally:
        pg_cluster.start()
    qtbot.mouseClick(banner.retry_button, LEFT)
    qtbot.waitUntil(lambda: not saver.offline and not saver.pending, timeout=RETRY_TIMEOUT_MS)

    stored = other_station.encounter(encounter_id)
    expected = {
        "visit_main_complaint": "Little fluid at orgasm",
        "hx_sx_low_volume": "unknown",
        "hx_sx_semen_leakage": "no",
        "hx_sx_volume_estimate": Decimal("2"),
    }
    found = {item: stored.answers.get(item) for item in expected}
    assert found == expected
    assert getattr(stored.answers.get("hx_sx_urinary"), "details", None) == "weak stream"
    assert stored.orders["sa_order"].status is OrderStatus.ORDERED
    items_stored = sum(found[item] == value for item, value in expected.items()) + 2
    events = other_station.audit_events(encounter_id)
    low_volume_events = [e.new_json for e in events if e.item_id == "hx_sx_low_volume"]
    assert low_volume_events == ['"unknown"'], "the latest value of an item wins"
    assert other_station.verify_audit().ok
    # Shown with `pytest -rP`: the figures of this run.
    print(
        f"edits made {made} over two restarts, items changed {len(expected) + 2}, "
        f"items stored with their last value {items_stored}"
    )


def test_a_conflict_found_on_retry_is_shown_and_other_waiting_edits_stay(
    qtbot: QtBot,
    pg_window: MainWindow,
    pg_service: WorkupService,
    other_station: WorkupService,
    pg_cluster: PostgresCluster,
    messages: Messages,
) -> None:
    window = pg_window
    encounter_id = _start(pg_service)
    assert window.open_encounter(encounter_id)
    view = window.workup
    saver = view.saver
    saver.retry_first_ms = saver.retry_max_ms = 600_000
    view.show_section(1)
    fever = view.field("hx_sx_low_volume")
    urinary = view.field("hx_sx_urinary")
    assert isinstance(fever, YnuField)
    assert isinstance(urinary, YnuDetailsField)
    pg_cluster.stop()
    try:
        qtbot.mouseClick(fever.ynu.buttons["yes"], LEFT)
        qtbot.mouseClick(urinary.ynu.buttons["no"], LEFT)
        assert saver.waiting == 2
    finally:
        pg_cluster.start()
    other_station.set_answer(encounter_id, "hx_sx_low_volume", "no", "Dr. B")
    qtbot.mouseClick(view.offline_banner.retry_button, LEFT)
    qtbot.waitUntil(lambda: bool(messages.shown), timeout=5000)
    qtbot.waitUntil(lambda: (saver.offline, saver.waiting) == (False, 0), timeout=5000)
    assert [title for _kind, title, _text in messages.shown] == ["Changed on another workstation"]
    assert "Dr. B" in messages.shown[0][2]
    assert fever.ynu.choice() == "no", "the other workstation's value is shown"
    stored = other_station.encounter(encounter_id).answers
    assert stored["hx_sx_low_volume"] == "no"
    assert getattr(stored["hx_sx_urinary"], "choice", stored["hx_sx_urinary"]) == "no"
    assert urinary.ynu.choice() == "no"


def test_closing_while_changes_wait_asks_and_loses_them_only_when_told(
    qtbot: QtBot,
    pg_window: MainWindow,
    pg_service: WorkupService,
    other_station: WorkupService,
    pg_cluster: PostgresCluster,
    messages: Messages,
) -> None:
    window = pg_window
    encounter_id = _start(pg_service)
    assert window.open_encounter(encounter_id)
    view = window.workup
    view.saver.retry_first_ms = view.saver.retry_max_ms = 600_000
    view.show_section(1)
    low_volume = view.field("hx_sx_low_volume")
    assert isinstance(low_volume, YnuField)
    pg_cluster.stop()
    try:
        qtbot.mouseClick(low_volume.ynu.buttons["yes"], LEFT)
        qtbot.waitUntil(lambda: view.saver.offline, timeout=5000)
        messages.answer = QMessageBox.StandardButton.Cancel
        assert window.close() is False
        assert window.isVisible()
        assert view.saver.pending
        assert low_volume.ynu.choice() == "yes"
        ((kind, title, text),) = messages.shown
        assert (kind, title) == ("question", "Unsaved changes")
        assert "1 change(s)" in text
        messages.answer = QMessageBox.StandardButton.Discard
        assert window.close() is True
        assert view.saver.waiting == 0
    finally:
        pg_cluster.start()
    assert "hx_sx_low_volume" not in other_station.encounter(encounter_id).answers
