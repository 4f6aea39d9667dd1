# mypy: disable-error-code="no-untyped-call"
# (pytest-qt adds QtBot.keyClick, mouseClick, ... at run time, without annotations)
"""The window after another workstation cleared what it shows: told, and shown the empty item."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.catalog.loader import Catalog
from app.config import Settings
from app.domain.encounter import OrderState, OrderStatus
from app.gui.fields import OrderField, YnuField
from app.gui.main_window import MainWindow
from app.services import WorkupService
from tests.gui.support import CLINICIAN, WORKFLOW_ID, Clock, Messages

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def other_station(
    tmp_path: Path, settings: Settings, shipped_catalog: Catalog, gui_service: WorkupService
) -> Iterator[WorkupService]:
    """A second workstation on the window's database file."""
    service = WorkupService.open(
        settings, f"sqlite:///{tmp_path}/t.sqlite3", clock=Clock(), catalog=shipped_catalog
    )
    yield service
    service.close()


def test_an_edit_of_an_item_cleared_elsewhere_is_refused_and_the_empty_item_shown(
    qtbot: QtBot,
    window: MainWindow,
    gui_service: WorkupService,
    other_station: WorkupService,
    messages: Messages,
) -> None:
    patient = gui_service.create_patient("Ivanov", "Pavel", date(1980, 5, 1), "C-1")
    encounter = gui_service.start_encounter(patient.id or 0, WORKFLOW_ID, CLINICIAN)
    encounter_id = encounter.id or 0
    gui_service.set_answer(encounter_id, "hx_sx_low_volume", "yes", CLINICIAN)
    ordered = OrderState(OrderStatus.ORDERED, date(2026, 11, 21))
    gui_service.set_order(encounter_id, "lab_cbc", ordered, CLINICIAN)
    assert window.open_encounter(encounter_id)
    view = window.workup
    answer = view.field("hx_sx_low_volume")
    order = view.field("lab_cbc")
    assert isinstance(answer, YnuField)
    assert isinstance(order, OrderField)
    assert (answer.ynu.choice(), order.status()) == ("yes", OrderStatus.ORDERED)

    other_station.set_answer(encounter_id, "hx_sx_low_volume", None, "Dr. B", base="yes")

    view.show_section(1)
    qtbot.mouseClick(answer.ynu.buttons["no"], LEFT)
    qtbot.waitUntil(lambda: len(messages.shown) == 1)
    assert messages.shown[0][1] == "Changed on another workstation"
    assert "Dr. B" in messages.shown[0][2]
    assert answer.ynu.choice() is None, "the window shows that the item is now empty"
    assert order.status() is OrderStatus.ORDERED

    other_station.set_order(encounter_id, "lab_cbc", None, "Dr. B", base=ordered)
    view.jump_to_item("lab_cbc")
    qtbot.keyClick(order.state_combo, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: len(messages.shown) == 2)
    assert messages.shown[1][1] == "Changed on another workstation"
    assert order.status() is None

    stored = other_station.encounter(encounter_id)
    assert "hx_sx_low_volume" not in stored.answers
    assert "lab_cbc" not in stored.orders
