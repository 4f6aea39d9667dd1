# mypy: disable-error-code="no-untyped-call"
# (pytest-qt adds QtBot.keyClick, mouseClick, ... at run time, without annotations)
"""The workup window driven with real clicks and keys: new patient to signed encounter."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QInputDialog,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.config import Settings
from app.domain.encounter import Encounter, EncounterStatus, OrderStatus
from app.gui.fields import (
    DateField,
    MultiField,
    NumberField,
    OrderField,
    SingleField,
    TextField,
    YnuDetailsField,
    YnuField,
)
from app.gui.main_window import MainWindow
from app.services import LockedError, WorkupService
from tests.gui.support import CLINICIAN, WORKFLOW_ID, Messages
from tests.support import wait_until_saved

LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier


def _start(service: WorkupService, family: str = "Ivanov", chart: str = "C-1") -> int:
    patient = service.create_patient(family, "Pavel", date(1980, 5, 1), chart)
    assert patient.id is not None
    encounter = service.start_encounter(patient.id, WORKFLOW_ID, CLINICIAN)
    assert encounter.id is not None
    return encounter.id


def _stored(window: MainWindow, service: WorkupService, encounter_id: int) -> Encounter:
    """The encounter as stored once the window's saving thread is done with what it was given."""
    if window._workup is not None:
        wait_until_saved(window._workup.saver)
    return service.encounter(encounter_id)


def _sign_with(monkeypatch: pytest.MonkeyPatch, text: str) -> list[str]:
    prompts: list[str] = []

    def get_text(_parent: object, title: str, *_args: object) -> tuple[str, bool]:
        prompts.append(title)
        return text, True

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))
    return prompts


def test_complete_workup_from_new_patient_to_finalized(
    qtbot: QtBot,
    window: MainWindow,
    gui_service: WorkupService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    dialog = window.new_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.clinician.text() == CLINICIAN
    qtbot.keyClicks(dialog.family_name, "Ivanov")
    qtbot.keyClicks(dialog.given_name, "Pavel")
    qtbot.keyClicks(dialog.birth_date, "1980-05-01")
    qtbot.keyClicks(dialog.chart_number, "C-77")
    qtbot.mouseClick(dialog.start_button, LEFT)

    view = window.workup
    assert window.stack.currentWidget() is view
    encounter = view.encounter
    assert encounter is not None
    assert encounter.id is not None
    encounter_id = encounter.id
    assert view.patient_label.text() == "Ivanov, Pavel"
    assert "Draft" in view.status_label.text()

    complaint = view.field("visit_main_complaint")
    assert isinstance(complaint, TextField)
    assert complaint.editor is not None
    qtbot.keyClicks(complaint.editor, "Little fluid at orgasm")
    qtbot.waitUntil(
        lambda: (
            _stored(window, gui_service, encounter_id).answers.get("visit_main_complaint")
            == "Little fluid at orgasm"
        )
    )
    assert view.sections is not None
    assert "3/3 ✓" in view.sections.index(0).data()

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_PageDown, CTRL)
    assert view.current_section() == 1
    low_volume = view.field("hx_sx_low_volume")
    assert isinstance(low_volume, YnuField)
    qtbot.mouseClick(low_volume.ynu.buttons["yes"], LEFT)
    assert _stored(window, gui_service, encounter_id).answers["hx_sx_low_volume"] == "yes"
    qtbot.mouseClick(low_volume.ynu.buttons["unknown"], LEFT)
    assert _stored(window, gui_service, encounter_id).answers["hx_sx_low_volume"] == "unknown"
    qtbot.mouseClick(low_volume.ynu.clear_button, LEFT)
    assert "hx_sx_low_volume" not in _stored(window, gui_service, encounter_id).answers
    assert low_volume.ynu.choice() is None

    urinary = view.field("hx_sx_urinary")
    assert isinstance(urinary, YnuDetailsField)
    assert urinary.details.isHidden()
    qtbot.mouseClick(urinary.ynu.buttons["yes"], LEFT)
    assert not urinary.details.isHidden()
    qtbot.keyClicks(urinary.details, "weak stream")
    qtbot.waitUntil(
        lambda: (
            getattr(
                _stored(window, gui_service, encounter_id).answers.get("hx_sx_urinary"),
                "details",
                "",
            )
            == "weak stream"
        )
    )

    prompts = _sign_with(monkeypatch, CLINICIAN)
    qtbot.mouseClick(view.sign_button, LEFT)
    assert prompts == ["Finalize workup"]
    stored = _stored(window, gui_service, encounter_id)
    assert stored.status is EncounterStatus.FINALIZED
    assert stored.finalized_by == CLINICIAN
    assert "Finalized" in view.status_label.text()
    assert f"signed by {CLINICIAN}" in view.status_label.text()
    assert not complaint.editor.isEnabled()
    assert not low_volume.ynu.buttons["yes"].isEnabled()
    assert view.sign_button.isHidden()
    assert not view.amend_button.isHidden()


def test_show_when_items_appear_and_disappear(
    qtbot: QtBot, window: MainWindow, gui_service: WorkupService
) -> None:
    encounter_id = _start(gui_service)
    window.open_encounter(encounter_id)
    view = window.workup
    leakage = view.field("hx_sx_semen_leakage")
    assert isinstance(leakage, YnuField)
    leak_when = view.field("leak_when")
    assert leak_when.isHidden()
    view.show_section(1)
    qtbot.mouseClick(leakage.ynu.buttons["yes"], LEFT)
    assert not leak_when.isHidden()
    assert not view.field("leak_notes").isHidden()
    qtbot.mouseClick(leakage.ynu.buttons["no"], LEFT)
    assert leak_when.isHidden()

    order = view.field("sa_order")
    assert isinstance(order, OrderField)
    scope = view.field("sa_scope")
    assert scope.isHidden()
    view.jump_to_item("sa_order")
    qtbot.keyClick(order.state_combo, Qt.Key.Key_Down)
    assert order.status() is OrderStatus.ORDERED
    stored = _stored(window, gui_service, encounter_id).orders["sa_order"]
    assert stored.status is OrderStatus.ORDERED
    assert stored.date == date(2026, 11, 21)
    assert not scope.isHidden()
    assert order.instructions_button is not None
    assert order.instructions_label is not None
    qtbot.mouseClick(order.instructions_button, LEFT)
    assert not order.instructions_label.isHidden()
    assert "ejaculate" in order.instructions_label.text()
    qtbot.keyClick(order.state_combo, Qt.Key.Key_Up)
    assert "sa_order" not in _stored(window, gui_service, encounter_id).orders
    assert scope.isHidden()


def test_every_kind_saves_and_reopens(
    qtbot: QtBot,
    window: MainWindow,
    gui_service: WorkupService,
    settings: Settings,
) -> None:
    encounter_id = _start(gui_service)
    window.open_encounter(encounter_id)
    view = window.workup

    volume = view.field("hx_sx_volume_estimate")
    assert isinstance(volume, NumberField)
    qtbot.keyClicks(volume.line, "1,5")
    qtbot.waitUntil(lambda: window.save_label.text() == "All changes saved")
    assert _stored(window, gui_service, encounter_id).answers["hx_sx_volume_estimate"] == Decimal(
        "1.5"
    )

    onset = view.field("hx_onset_date")
    assert isinstance(onset, DateField)
    qtbot.keyClicks(onset.line, "2031-02")
    qtbot.waitUntil(lambda: not onset.error_label.isHidden())
    assert "future" in onset.error_label.text()
    assert "hx_onset_date" not in _stored(window, gui_service, encounter_id).answers
    onset.line.clear()
    qtbot.keyClicks(onset.line, "2024-02")
    qtbot.waitUntil(
        lambda: _stored(window, gui_service, encounter_id).answers.get("hx_onset_date") == "2024-02"
    )
    assert onset.error_label.isHidden()

    single = next(
        widget
        for widget in (view.field(item.id) for item in view.workflow.items())  # type: ignore[union-attr]
        if isinstance(widget, SingleField)
    )
    qtbot.keyClick(single.combo, Qt.Key.Key_Down)
    chosen = single.item.options[0].value
    assert _stored(window, gui_service, encounter_id).answers[single.item.id] == chosen

    multi = view.field("leak_when")
    assert isinstance(multi, MultiField)
    first = next(iter(multi.boxes.values()))
    first.setVisible(True)
    qtbot.mouseClick(first, LEFT, pos=first.rect().center())
    assert _stored(window, gui_service, encounter_id).answers["leak_when"] == (
        multi.item.options[0].value,
    )

    notes = view.field("note_clinician")
    assert isinstance(notes, TextField)
    assert notes.editor is not None
    qtbot.keyClicks(notes.editor, "typed just before leaving")
    assert window.show_list()  # leaving flushes the pending edit at once
    assert _stored(window, gui_service, encounter_id).answers["note_clinician"] == (
        "typed just before leaving"
    )

    reopened = MainWindow(gui_service, settings)
    qtbot.addWidget(reopened)
    reopened.open_encounter(encounter_id)
    again = reopened.workup
    assert isinstance(again.field("hx_sx_volume_estimate"), NumberField)
    assert again.field("hx_sx_volume_estimate").line.text() == "1.5"  # type: ignore[union-attr]
    assert again.field("hx_onset_date").line.text() == "2024-02"  # type: ignore[union-attr]
    reopened_single = again.field(single.item.id)
    assert isinstance(reopened_single, SingleField)
    assert reopened_single.combo.currentData() == chosen
    reopened_notes = again.field("note_clinician")
    assert isinstance(reopened_notes, TextField)
    assert reopened_notes.text() == "typed just before leaving"


def test_closing_the_window_flushes_typing(
    qtbot: QtBot, window: MainWindow, gui_service: WorkupService
) -> None:
    encounter_id = _start(gui_service)
    window.open_encounter(encounter_id)
    complaint = window.workup.field("visit_main_complaint")
    assert isinstance(complaint, TextField)
    assert complaint.editor is not None
    qtbot.keyClicks(complaint.editor, "closing now")
    assert window.workup.saver.pending
    window.close()
    assert (
        _stored(window, gui_service, encounter_id).answers["visit_main_complaint"] == "closing now"
    )


def test_invalid_number_is_shown_and_not_saved(
    qtbot: QtBot, window: MainWindow, gui_service: WorkupService
) -> None:
    encounter_id = _start(gui_service)
    window.open_encounter(encounter_id)
    volume = window.workup.field("hx_sx_volume_estimate")
    assert isinstance(volume, NumberField)
    qtbot.keyClicks(volume.line, "-3")
    qtbot.waitUntil(lambda: not volume.error_label.isHidden())
    assert "below" in volume.error_label.text()
    assert "hx_sx_volume_estimate" not in _stored(window, gui_service, encounter_id).answers
    assert "correct" in window.save_label.text()


def test_finalized_encounter_cannot_be_edited_until_amended(
    qtbot: QtBot,
    window: MainWindow,
    gui_service: WorkupService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    encounter_id = _start(gui_service)
    gui_service.set_answer(encounter_id, "visit_main_complaint", "x", CLINICIAN)
    gui_service.finalize(encounter_id, CLINICIAN)
    window.open_encounter(encounter_id)
    view = window.workup
    for item_id in ("visit_main_complaint", "hx_sx_low_volume", "sa_order", "visit_date"):
        widget = view.field(item_id)
        assert all(not control.isEnabled() for control in widget.inputs)
    with pytest.raises(LockedError):
        gui_service.set_answer(encounter_id, "hx_sx_low_volume", "yes", CLINICIAN)
    assert not window.review_action.isEnabled()

    _sign_with(monkeypatch, "Patient recalled a past operation")
    qtbot.mouseClick(view.amend_button, LEFT)
    assert _stored(window, gui_service, encounter_id).status is EncounterStatus.AMENDING
    assert "Addendum 1" in view.status_label.text()
    low_volume = view.field("hx_sx_low_volume")
    assert isinstance(low_volume, YnuField)
    assert low_volume.ynu.buttons["yes"].isEnabled()
    view.show_section(1)
    qtbot.mouseClick(low_volume.ynu.buttons["yes"], LEFT)
    assert _stored(window, gui_service, encounter_id).answers["hx_sx_low_volume"] == "yes"
    assert view.sign_button.text() == "Sign addendum…"

    prompts = _sign_with(monkeypatch, CLINICIAN)
    qtbot.mouseClick(view.sign_button, LEFT)
    assert prompts == ["Sign addendum"]
    signed = _stored(window, gui_service, encounter_id)
    assert signed.status is EncounterStatus.AMENDED
    assert signed.addenda[0].signed_by == CLINICIAN
    assert not low_volume.ynu.buttons["yes"].isEnabled()


def test_review_lists_missing_items_and_jumps_to_one(
    qtbot: QtBot, window: MainWindow, gui_service: WorkupService, messages: Messages
) -> None:
    encounter_id = _start(gui_service)
    window.open_encounter(encounter_id)
    view = window.workup
    view.show_section(5)
    qtbot.mouseClick(view.sign_button, LEFT)  # missing items: the review opens instead
    dialog = view.review_dialog
    assert dialog is not None
    # the one required item first, then the (not blocking) orders with no decision yet
    rows = [str(dialog.model.index(row).data()) for row in range(dialog.model.rowCount())]
    assert [row for row in rows if " — " not in row] == [rows[0]]
    assert all(row.endswith(" — no decision yet") for row in rows[1:])
    assert not dialog.finalize_button.isEnabled()
    index = dialog.model.index(0)
    rect = dialog.view.visualRect(index)
    qtbot.mouseClick(dialog.view.viewport(), LEFT, pos=rect.center())
    assert view.current_section() == 0
    complaint = view.field("visit_main_complaint")
    assert isinstance(complaint, TextField)
    assert complaint.editor is not None
    qtbot.waitUntil(complaint.editor.hasFocus)
    assert _stored(window, gui_service, encounter_id).status is EncounterStatus.DRAFT
    assert messages.shown == []


def test_tab_walks_the_section_in_visual_order(
    qtbot: QtBot, window: MainWindow, gui_service: WorkupService
) -> None:
    encounter_id = _start(gui_service)
    window.open_encounter(encounter_id)
    view = window.workup
    view.show_section(1)  # B1: thirteen items, one of every Yes/No/Unknown layout
    workflow = view.workflow
    assert workflow is not None
    items = [item.id for item in workflow.sections[1].items]
    fields = [view.field(item_id) for item_id in items]
    first = fields[0]
    first.setFocus()
    start = QApplication.focusWidget()
    assert start is not None
    visited: list[int] = []
    tops: list[int] = []
    for _ in range(120):
        focused = QApplication.focusWidget()
        owner = next(
            (
                index
                for index, field in enumerate(fields)
                if focused is not None and (focused is field or field.isAncestorOf(focused))
            ),
            None,
        )
        if owner is None:
            break
        visited.append(owner)
        assert focused is not None
        tops.append(focused.mapToGlobal(focused.rect().topLeft()).y())
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    assert visited == sorted(visited), "Tab went back to an earlier item"
    assert set(visited) == set(range(len(fields))), "Tab skipped an item"
    steps = list(zip(visited, tops, strict=True))
    for (before_item, before_top), (after_item, after_top) in itertools.pairwise(steps):
        if after_item != before_item:
            assert after_top > before_top, "Tab moved up the screen to the next item"


def test_every_input_has_an_accessible_name(window: MainWindow, gui_service: WorkupService) -> None:
    window.open_encounter(_start(gui_service))
    view = window.workup
    inputs = (QAbstractButton, QLineEdit, QPlainTextEdit, QComboBox, QAbstractSpinBox)
    unnamed = []
    for row in range(len(view.workflow.sections if view.workflow else ())):
        view.show_section(row)
        page = view.pages.currentWidget()
        assert page is not None
        for widget in page.findChildren(QWidget):
            if isinstance(widget, inputs) and not widget.accessibleName().strip():
                unnamed.append(f"{row}:{type(widget).__name__}:{widget.objectName()}")
    assert unnamed == []


def test_order_instructions_show_the_chosen_variant(
    qtbot: QtBot, window: MainWindow, gui_service: WorkupService
) -> None:
    encounter_id = _start(gui_service)
    window.open_encounter(encounter_id)
    view = window.workup
    order = view.field("peu_order")
    assert isinstance(order, OrderField)
    view.jump_to_item("peu_order")
    qtbot.keyClick(order.state_combo, Qt.Key.Key_Down)
    label = order.instructions_label
    assert label is not None
    before = label.text()
    assert "{item:" not in before
    assert "as your laboratory instructs" in before
    variant = view.field("peu_pre_void")
    assert isinstance(variant, SingleField)
    index = variant.combo.findData("leave_some")
    variant.combo.setCurrentIndex(index)
    variant.combo.activated.emit(index)
    qtbot.waitUntil(lambda: "leave a little urine in the bladder" in label.text())
    assert "as your laboratory instructs" not in label.text()


def _ready_to_sign(gui_service: WorkupService) -> int:
    encounter_id = _start(gui_service)
    gui_service.set_answer(encounter_id, "visit_main_complaint", "dry orgasm", CLINICIAN)
    return encounter_id


def test_a_change_made_elsewhere_after_the_window_showed_it_is_shown_not_signed(
    qtbot: QtBot,
    window: MainWindow,
    gui_service: WorkupService,
    monkeypatch: pytest.MonkeyPatch,
    messages: Messages,
) -> None:
    encounter_id = _ready_to_sign(gui_service)
    window.open_encounter(encounter_id)
    view = window.workup
    # another workstation records an answer the window has not shown
    gui_service.set_answer(encounter_id, "hx_sx_low_volume", "yes", "Dr. Other")
    prompts = _sign_with(monkeypatch, CLINICIAN)

    qtbot.mouseClick(view.sign_button, LEFT)

    assert prompts == []  # not even asked to sign
    assert _stored(window, gui_service, encounter_id).status is EncounterStatus.DRAFT
    assert messages.kinds() == ["warning"]
    assert "changed after it was shown" in messages.shown[0][2]
    low_volume = view.field("hx_sx_low_volume")
    assert isinstance(low_volume, YnuField)
    assert low_volume.ynu.buttons["yes"].isChecked()  # the window now shows it

    qtbot.mouseClick(view.sign_button, LEFT)  # reviewed now: it signs
    assert prompts == ["Finalize workup"]
    assert _stored(window, gui_service, encounter_id).status is EncounterStatus.FINALIZED


def test_a_change_made_while_the_signer_types_the_name_is_refused_and_shown(
    qtbot: QtBot,
    window: MainWindow,
    gui_service: WorkupService,
    monkeypatch: pytest.MonkeyPatch,
    messages: Messages,
) -> None:
    encounter_id = _ready_to_sign(gui_service)
    window.open_encounter(encounter_id)
    view = window.workup

    def get_text(*_args: object) -> tuple[str, bool]:
        gui_service.set_answer(encounter_id, "hx_sx_low_volume", "no", "Dr. Other")
        return CLINICIAN, True

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))
    qtbot.mouseClick(view.sign_button, LEFT)

    stored = _stored(window, gui_service, encounter_id)
    assert stored.status is EncounterStatus.DRAFT
    assert stored.finalized_by is None
    assert messages.kinds() == ["warning"]
    assert "review the changes, then sign" in messages.shown[0][2]
    low_volume = view.field("hx_sx_low_volume")
    assert isinstance(low_volume, YnuField)
    assert low_volume.ynu.buttons["no"].isChecked()
