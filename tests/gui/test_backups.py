# mypy: disable-error-code="no-untyped-call"
# (pytest-qt adds QtBot.keyClick, mouseClick, ... at run time, without annotations)
"""Backups in the window: automatic ones, File → Backups…, restoring from it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot

from app.config import backups_dir
from app.gui.main_window import MainWindow
from app.services import WorkupService, list_backups
from tests.gui.support import CLINICIAN, WORKFLOW_ID, Messages

LEFT = Qt.MouseButton.LeftButton


def _start(service: WorkupService, family: str, chart: str) -> int:
    patient = service.create_patient(family, "Pavel", date(1980, 5, 1), chart)
    assert patient.id is not None
    encounter = service.start_encounter(patient.id, WORKFLOW_ID, CLINICIAN)
    assert encounter.id is not None
    return encounter.id


def _reasons(window: MainWindow) -> list[str]:
    return [info.reason for info in list_backups(window.settings)]


def _wait_for_backup(qtbot: QtBot, window: MainWindow, reason: str) -> None:
    qtbot.waitUntil(lambda: reason in _reasons(window), timeout=30000)
    window.auto_backup.runner.wait(30)


def test_a_backup_at_start_then_not_again_the_same_day(
    qtbot: QtBot, window: MainWindow, gui_service: WorkupService
) -> None:
    _start(gui_service, "Ivanov", "C-1")
    with qtbot.waitSignal(window.auto_backup.report, timeout=30000) as blocker:
        window.start_backups()
    assert blocker.args is not None
    reason, worked, written = blocker.args
    assert (reason, worked) == ("start-up", True)
    assert Path(written).parent == backups_dir(window.settings)
    assert _reasons(window) == ["start-up"]
    assert not window.auto_backup.at_start()
    assert _reasons(window) == ["start-up"]


def test_editing_and_signing_each_make_a_backup(
    qtbot: QtBot,
    window: MainWindow,
    gui_service: WorkupService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window.auto_backup._editing_timer.setInterval(50)  # half an hour in the application
    encounter_id = _start(gui_service, "Ivanov", "C-1")
    window.open_encounter(encounter_id)
    view = window.workup
    complaint = view.field("visit_main_complaint").inputs[0]
    qtbot.keyClicks(complaint, "Dry orgasm")
    _wait_for_backup(qtbot, window, "editing")

    monkeypatch.setattr(
        QInputDialog, "getText", staticmethod(lambda *_args, **_kwargs: (CLINICIAN, True))
    )
    qtbot.mouseClick(view.sign_button, LEFT)
    _wait_for_backup(qtbot, window, "signature")
    [signed] = [info for info in list_backups(window.settings) if info.reason == "signature"]
    assert signed.encounters == 1
    assert signed.check == "ok"


def test_a_failed_backup_is_shown_and_work_goes_on(
    qtbot: QtBot, window: MainWindow, gui_service: WorkupService, tmp_path: Path
) -> None:
    blocker_file = tmp_path / "a-file"
    blocker_file.write_text("x")
    window.settings = replace(window.settings, backup_dir=str(blocker_file / "backups"))
    gui_service.settings = window.settings
    encounter_id = _start(gui_service, "Ivanov", "C-1")
    with qtbot.waitSignal(window.auto_backup.report, timeout=30000):
        assert window.auto_backup.signed()
    assert "Backup failed" in window.statusBar().currentMessage()
    assert "cannot create the backups folder" in window.statusBar().currentMessage()
    gui_service.set_answer(encounter_id, "visit_main_complaint", "still saved", CLINICIAN)
    assert gui_service.encounter(encounter_id).answers["visit_main_complaint"] == "still saved"


def test_the_backups_dialog_backs_up_and_restores(
    qtbot: QtBot, window: MainWindow, gui_service: WorkupService, messages: Messages
) -> None:
    _start(gui_service, "Before", "C-1")
    dialog = window.show_backups()
    assert dialog.model.rowCount() == 0
    assert not dialog.restore_button.isEnabled()
    with qtbot.waitSignal(window.auto_backup.report, timeout=30000):
        qtbot.mouseClick(dialog.backup_button, LEFT)
    assert dialog.model.rowCount() == 1
    assert dialog.model.index(0, 1).data() == "By hand"
    assert dialog.model.index(0, 3).data() == "1"
    assert dialog.model.index(0, 4).data() == "passed"
    assert "Backup made" in window.statusBar().currentMessage()

    _start(gui_service, "After", "C-2")
    window.encounters.refresh()
    assert window.encounters.total == 2
    dialog.table.selectRow(0)
    assert dialog.restore_button.isEnabled()
    messages.answer = messages.answer.No
    qtbot.mouseClick(dialog.restore_button, LEFT)
    assert window.encounters.total == 2

    messages.answer = messages.answer.Yes
    qtbot.mouseClick(dialog.restore_button, LEFT)
    kind, title, question = messages.shown[-1]
    assert (kind, title) == ("question", "Restore backup")
    assert "holding 1 workup(s)" in question
    assert window.encounters.total == 1
    assert [row.chart_number for row in gui_service.list_encounters("", 10, 0)] == ["C-1"]
    assert sorted(_reasons(window)) == ["before-restore", "manual"]
    assert "Backup restored: 1 workup(s)" in window.statusBar().currentMessage()
    # the service goes on with the restored file
    _start(gui_service, "Later", "C-3")
    assert gui_service.count_encounters() == 2
