# mypy: disable-error-code="no-untyped-call"
# (pytest-qt adds QtBot.keyClick, mouseClick, ... at run time, without annotations)
"""File → Export PDFs of many workups: every file written, named as the CLI names them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from app.domain.encounter import EncounterStatus
from app.gui.batch_export import BatchExport, BatchExportDialog
from app.gui.main_window import MainWindow
from app.services import ServiceError, WorkupService, batch_pdf_name
from tests.gui.support import CLINICIAN, WORKFLOW_ID, Messages

LEFT = Qt.MouseButton.LeftButton


def _encounters(service: WorkupService, count: int) -> list[int]:
    ids = []
    for number in range(count):
        patient = service.create_patient(
            f"Patient{number}", "Test", date(1980, 1, 1), f"B-{number}"
        )
        assert patient.id is not None
        encounter = service.start_encounter(patient.id, WORKFLOW_ID, CLINICIAN)
        assert encounter.id is not None
        ids.append(encounter.id)
    return ids


def _dialog(window: MainWindow, folder: Path) -> BatchExportDialog:
    dialog = window.export_pdfs()
    assert dialog is not None
    assert dialog.isVisible()
    dialog.since_edit.setDate(QDate(2026, 11, 1))
    dialog.folder_edit.setText(str(folder))
    return dialog


def _run(qtbot: QtBot, window: MainWindow, dialog: BatchExportDialog) -> BatchExport:
    qtbot.mouseClick(dialog.export_button, LEFT)
    run = window.batch_export
    assert run is not None
    assert not dialog.isVisible()
    return run


def test_every_summary_is_written_with_progress(
    qtbot: QtBot,
    window: MainWindow,
    gui_service: WorkupService,
    tmp_path: Path,
    messages: Messages,
) -> None:
    ids = _encounters(gui_service, 6)
    folder = tmp_path / "out"
    folder.mkdir()
    dialog = _dialog(window, folder)
    assert dialog.since() == date(2026, 11, 1)
    run = _run(qtbot, window, dialog)
    assert run.total == len(ids)
    assert run.progress.maximum() == len(ids)
    with qtbot.waitSignal(run.done, timeout=60_000):
        pass
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        batch_pdf_name(encounter_id) for encounter_id in ids
    )
    assert all(path.read_bytes().startswith(b"%PDF") for path in folder.iterdir())
    assert messages.shown == [
        ("information", "Export PDFs", f"6 summary PDF(s) written to {folder}.")
    ]
    assert window.settings.export_dir == str(folder)


def test_stop_keeps_the_files_written_and_says_how_many(
    qtbot: QtBot,
    window: MainWindow,
    gui_service: WorkupService,
    tmp_path: Path,
    messages: Messages,
) -> None:
    ids = _encounters(gui_service, 8)
    run = _run(qtbot, window, _dialog(window, tmp_path))

    def stop_after_three(_path: str) -> None:
        if len(run.written) == 3:
            (stop,) = run.progress.findChildren(QPushButton)
            assert stop.text() == "Stop"
            qtbot.mouseClick(stop, LEFT)

    run.file_written.connect(stop_after_three)
    with qtbot.waitSignal(run.done, timeout=60_000):
        pass
    files = sorted(tmp_path.glob("encounter-*.pdf"))
    assert len(files) == 3 < len(ids)
    assert files == sorted(run.written)
    ((kind, _title, text),) = messages.shown
    assert kind == "information"
    assert f"{len(files)} summaries were written to {tmp_path}" in text
    assert "Stopped after" in text


def test_signed_only_leaves_out_drafts(
    qtbot: QtBot,
    window: MainWindow,
    gui_service: WorkupService,
    tmp_path: Path,
    messages: Messages,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = _encounters(gui_service, 3)
    signed = ids[1]
    monkeypatch.setattr(gui_service, "missing_required", lambda _encounter: [])
    gui_service.finalize(signed, CLINICIAN)
    dialog = _dialog(window, tmp_path)
    dialog.signed_only_check.setChecked(True)
    run = _run(qtbot, window, dialog)
    with qtbot.waitSignal(run.done, timeout=60_000):
        pass
    assert [path.name for path in tmp_path.glob("*.pdf")] == [batch_pdf_name(signed)]
    assert "2 unsigned workup(s) left out" in messages.shown[-1][2]


def test_signed_only_takes_amended_workups_and_leaves_out_open_addenda(
    qtbot: QtBot,
    window: MainWindow,
    gui_service: WorkupService,
    tmp_path: Path,
    messages: Messages,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    draft, signed, amended, addendum = _encounters(gui_service, 4)
    monkeypatch.setattr(gui_service, "missing_required", lambda _encounter: [])
    for encounter_id in (signed, amended, addendum):
        gui_service.finalize(encounter_id, CLINICIAN)
    gui_service.amend(amended, "chart number corrected", CLINICIAN)
    gui_service.finalize(amended, CLINICIAN)
    gui_service.amend(addendum, "result arrived", CLINICIAN)
    assert gui_service.encounter(amended).status is EncounterStatus.AMENDED
    assert gui_service.encounter(addendum).status is EncounterStatus.AMENDING
    dialog = _dialog(window, tmp_path)
    dialog.signed_only_check.setChecked(True)
    run = _run(qtbot, window, dialog)
    with qtbot.waitSignal(run.done, timeout=60_000):
        pass
    assert sorted(path.name for path in tmp_path.glob("*.pdf")) == sorted(
        [batch_pdf_name(signed), batch_pdf_name(amended)]
    )
    assert messages.shown[-1][2] == (
        f"2 summary PDF(s) written to {tmp_path}. 2 unsigned workup(s) left out."
    )
    assert draft not in {item.encounter_id for item in run.batch.done}


def test_a_folder_that_is_not_there_or_not_writable_gives_one_line(
    qtbot: QtBot,
    window: MainWindow,
    gui_service: WorkupService,
    tmp_path: Path,
    messages: Messages,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _encounters(gui_service, 3)
    missing = tmp_path / "nowhere"
    dialog = _dialog(window, missing)
    qtbot.mouseClick(dialog.export_button, LEFT)
    assert dialog.isVisible()
    assert messages.shown == [("warning", "Export PDFs", f"{missing} is not an existing folder.")]
    assert window.batch_export is None

    def refuse(path: Path, _data: bytes) -> None:
        raise ServiceError(
            f"cannot write {path}: permission denied; choose a folder you may write to"
        )

    monkeypatch.setattr(gui_service, "write_pdf", refuse)
    dialog.folder_edit.setText(str(tmp_path))
    run = _run(qtbot, window, dialog)
    with qtbot.waitSignal(run.done, timeout=60_000):
        pass
    kind, _title, text = messages.shown[-1]
    assert kind == "warning"
    assert text.startswith(
        f"Export stopped. Cannot write {tmp_path / 'encounter-1.pdf'}: permission"
    )
    assert "0 of 3 summaries were written" in text
    assert list(tmp_path.glob("*.pdf")) == []
