# mypy: disable-error-code="no-untyped-call"
# (pytest-qt adds QtBot.keyClick, mouseClick, ... at run time, without annotations)
"""The review before signing also lists orders with no decision and data-entry prompts."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.domain.encounter import OrderState, OrderStatus
from app.domain.values import YnuDetails
from app.gui.main_window import MainWindow
from app.gui.models import Roles
from app.services import WorkupService
from tests.gui.support import CLINICIAN, WORKFLOW_ID


def test_review_lists_undecided_orders_and_prompts_without_blocking(
    qtbot: QtBot, window: MainWindow, gui_service: WorkupService
) -> None:
    patient = gui_service.create_patient("Ivanov", "Ivan", date(1980, 1, 1), "C-1")
    encounter = gui_service.start_encounter(patient.id or 0, WORKFLOW_ID, CLINICIAN)
    encounter_id = encounter.id or 0
    gui_service.set_answer(encounter_id, "visit_main_complaint", "dry orgasm", CLINICIAN)
    gui_service.set_answer(encounter_id, "hx_med_5ari", YnuDetails("yes", ""), CLINICIAN)
    orders = gui_service.workflow(WORKFLOW_ID).order_items()
    for item in orders[1:]:
        gui_service.set_order(
            encounter_id, item.id, OrderState(OrderStatus.NOT_INDICATED), CLINICIAN
        )
    gui_service.set_order(
        encounter_id, "lab_psa", OrderState(OrderStatus.DONE_ELSEWHERE), CLINICIAN
    )
    window.open_encounter(encounter_id)
    view = window.workup
    qtbot.mouseClick(view.review_button, Qt.MouseButton.LeftButton)
    dialog = view.review_dialog
    assert dialog is not None
    rows = [dialog.model.index(row) for row in range(dialog.model.rowCount())]
    assert [index.data(Roles.ITEM_ID) for index in rows] == [
        "hx_med_5ari",
        orders[0].id,
        "lab_psa",
    ]
    texts = [str(index.data()) for index in rows]
    assert texts[0].endswith("— Yes chosen, details empty")
    assert texts[1].endswith("— no decision yet")
    assert texts[2].endswith("— done elsewhere, no date")
    assert "3 more item(s) to look at" in dialog.summary.text()
    assert dialog.view.isVisible()
    # nothing required is missing: the notes do not stop signing
    assert dialog.finalize_button.isEnabled()
    # choosing a note goes to its item
    rect = dialog.view.visualRect(rows[1])
    qtbot.mouseClick(dialog.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    workflow = view.workflow
    assert workflow is not None
    assert view.current_section() == workflow.sections.index(workflow.section_of(orders[0].id))
