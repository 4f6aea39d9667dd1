# mypy: disable-error-code="no-untyped-call"
# (pytest-qt adds QtBot.keyClick, mouseClick, ... at run time, without annotations)
"""A first start that explains itself: welcome dialog, empty list, icons, disabled looks."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from app.config import load_settings, settings_path
from app.gui.application import DISABLED_COLORS, application_icon, light_palette
from app.gui.fields import YnuField
from app.gui.main_window import MainWindow
from app.services import WorkupService
from tests.gui.support import CLINICIAN, WORKFLOW_ID

CTRL = Qt.KeyboardModifier.ControlModifier


def _darkest(widget: QWidget) -> int:
    """The lowest grey level (0 black .. 255 white) of any pixel the widget draws."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    return min(
        image.pixelColor(x, y).value() for y in range(image.height()) for x in range(image.width())
    )


def test_the_welcome_dialog_saves_the_clinic_and_asks_once(
    qtbot: QtBot, window: MainWindow
) -> None:
    assert not settings_path().exists()
    dialog = window.welcome()
    assert dialog.isVisible()
    assert dialog.clinic_name.text() == "Test clinic"
    for field in (dialog.clinic_name, dialog.clinic_address, dialog.default_clinician):
        field.clear()
    qtbot.keyClicks(dialog.clinic_name, "  Andrology Clinic ")
    qtbot.keyClicks(dialog.clinic_address, "1 Main Street")
    qtbot.keyClicks(dialog.default_clinician, "Dr. Petrov")
    dialog.accept()
    stored = load_settings()
    assert (stored.clinic_name, stored.clinic_address, stored.default_clinician) == (
        "Andrology Clinic",
        "1 Main Street",
        "Dr. Petrov",
    )
    assert window.settings.clinic_name == "Andrology Clinic"
    assert window.service.settings.default_clinician == "Dr. Petrov"


def test_skipping_the_welcome_dialog_keeps_the_settings_and_is_remembered(
    qtbot: QtBot, window: MainWindow
) -> None:
    before = window.settings
    dialog = window.welcome()
    qtbot.keyClicks(dialog.clinic_name, "typed, then skipped")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert settings_path().exists()
    assert load_settings().clinic_name == before.clinic_name
    assert window.settings == before


def test_an_empty_list_says_what_to_do_and_a_search_says_what_found_nothing(
    qtbot: QtBot, window: MainWindow, gui_service: WorkupService
) -> None:
    empty = window.list_page.empty_label
    assert empty.isVisible()
    assert empty.text() == "No workups yet: New workup… (Ctrl+N)"
    patient = gui_service.create_patient("Ivanov", "Pavel", date(1980, 5, 1), "C-1")
    assert patient.id is not None
    gui_service.start_encounter(patient.id, WORKFLOW_ID, CLINICIAN)
    window.encounters.refresh()
    assert not empty.isVisible()
    window.encounters.set_search("Nobody")
    assert empty.isVisible()
    assert empty.text() == "No workup matches “Nobody”."
    window.apply_language("ru")
    assert empty.text() == "Не найдено обследований по запросу «Nobody»."
    window.encounters.set_search("")
    assert empty.text() == "Обследований пока нет: Новое обследование… (Ctrl+N)"


def test_toolbar_actions_have_icons_and_act_only_with_a_workup_open(
    window: MainWindow, gui_service: WorkupService
) -> None:
    toolbar_actions = [action for action in window.toolbar.actions() if not action.isSeparator()]
    assert len(toolbar_actions) == 7
    assert all(not action.icon().isNull() for action in toolbar_actions)
    needs_workup = (
        window.list_action,
        window.previous_action,
        window.next_action,
        window.review_action,
        window.export_action,
        window.print_action,
    )
    assert not any(action.isEnabled() for action in needs_workup)
    assert window.new_action.isEnabled()
    patient = gui_service.create_patient("Ivanov", "Pavel", date(1980, 5, 1), "C-1")
    assert patient.id is not None
    encounter = gui_service.start_encounter(patient.id, WORKFLOW_ID, CLINICIAN)
    assert encounter.id is not None
    window.open_encounter(encounter.id)
    assert all(action.isEnabled() for action in needs_workup)


def test_the_window_and_its_dialogs_carry_the_application_icon(window: MainWindow) -> None:
    icon = application_icon()
    assert not icon.isNull()
    assert icon.pixmap(64, 64).width() == 64
    application = QApplication.instance()
    assert isinstance(application, QApplication)
    application.setWindowIcon(icon)
    dialog = window.welcome()
    assert not window.windowIcon().isNull()
    assert dialog.windowIcon().cacheKey() == window.windowIcon().cacheKey()
    dialog.reject()


def test_the_disabled_palette_differs_from_the_enabled_one() -> None:
    palette = light_palette()
    for role in DISABLED_COLORS:
        assert palette.color(QPalette.ColorGroup.Disabled, role) != palette.color(
            QPalette.ColorGroup.Active, role
        ), role


def test_a_finalized_workup_looks_read_only(
    qtbot: QtBot, window: MainWindow, gui_service: WorkupService
) -> None:
    patient = gui_service.create_patient("Ivanov", "Pavel", date(1980, 5, 1), "C-1")
    assert patient.id is not None
    encounter = gui_service.start_encounter(patient.id, WORKFLOW_ID, CLINICIAN)
    assert encounter.id is not None
    gui_service.set_answer(encounter.id, "visit_main_complaint", "Dry orgasm", CLINICIAN)
    gui_service.set_answer(encounter.id, "hx_sx_low_volume", "yes", CLINICIAN)
    window.open_encounter(encounter.id)
    view = window.workup
    view.show_section(1)
    low_volume = view.field("hx_sx_low_volume")
    assert isinstance(low_volume, YnuField)
    complaint_editor = view.field("visit_main_complaint").inputs[0]
    view.show_section(0)
    editable_text = _darkest(complaint_editor)
    view.show_section(1)
    editable_choice = _darkest(low_volume.ynu.buttons["no"])

    gui_service.finalize(encounter.id, CLINICIAN)
    window.open_encounter(encounter.id)
    view.show_section(0)
    assert not complaint_editor.isEnabled()
    read_only_text = _darkest(complaint_editor)
    view.show_section(1)
    read_only_choice = _darkest(low_volume.ynu.buttons["no"])
    # Enabled text is drawn near-black (#1f2a36, grey ~40); disabled text in #5f6a76 (~104).
    assert editable_text < 60
    assert editable_choice < 60
    assert read_only_text > 80
    assert read_only_choice > 80
