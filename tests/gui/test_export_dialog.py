# mypy: disable-error-code="no-untyped-call"
# (pytest-qt adds QtBot.keyClick, mouseClick, ... at run time, without annotations)
"""Export PDF: the summary or the patient copy, with or without the instruction pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog
from pytestqt.qtbot import QtBot

from app.domain.encounter import OrderState, OrderStatus
from app.domain.values import YnuDetails
from app.gui.dialogs import ExportPdfDialog
from app.gui.main_window import MainWindow
from app.services import WorkupService
from tests.gui.support import WORKFLOW_ID

INSTRUCTION_TITLE = "Patient instructions"
HISTORY_LABEL = "Urinary symptoms"


def _export(
    window: MainWindow,
    monkeypatch: pytest.MonkeyPatch,
    target: Path,
    choose: object,
) -> str:
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *_args, **_kw: (str(target), ""))
    )
    monkeypatch.setattr(ExportPdfDialog, "exec", choose)
    window.export_pdf()
    return " ".join(" ".join(page.extract_text() for page in PdfReader(target).pages).split())


@pytest.fixture
def encounter_id(gui_service: WorkupService) -> int:
    patient = gui_service.create_patient("Smith", "John", date(1980, 1, 2))
    encounter = gui_service.start_encounter(patient.id or 0, WORKFLOW_ID, "Dr. Test")
    assert encounter.id is not None
    gui_service.set_answer(encounter.id, "hx_sx_urinary", YnuDetails("yes", "nocturia"), "Dr")
    gui_service.set_order(encounter.id, "lab_cbc", OrderState(OrderStatus.ORDERED), "Dr")
    return encounter.id


def test_patient_copy_is_chosen_in_the_dialog(
    qtbot: QtBot,
    window: MainWindow,
    encounter_id: int,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    window.open_encounter(encounter_id)

    def summary(dialog: ExportPdfDialog) -> int:
        assert not dialog.patient_copy()
        assert dialog.instructions_check.isChecked()
        return QDialog.DialogCode.Accepted

    full = _export(window, monkeypatch, tmp_path / "summary.pdf", summary)
    assert HISTORY_LABEL in full
    assert INSTRUCTION_TITLE in full

    def patient_copy(dialog: ExportPdfDialog) -> int:
        dialog.instructions_check.setChecked(False)
        dialog.document_combo.setCurrentIndex(dialog.document_combo.findData(True))
        # a patient copy always has its instruction pages
        assert dialog.instructions_check.isChecked()
        assert not dialog.instructions_check.isEnabled()
        return QDialog.DialogCode.Accepted

    copy = _export(window, monkeypatch, tmp_path / "copy.pdf", patient_copy)
    assert "patient copy" in copy
    assert HISTORY_LABEL not in copy
    assert "nocturia" not in copy
    assert INSTRUCTION_TITLE in copy


def test_instruction_pages_can_be_left_out(
    qtbot: QtBot,
    window: MainWindow,
    encounter_id: int,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    window.open_encounter(encounter_id)

    def without(dialog: ExportPdfDialog) -> int:
        qtbot.mouseClick(dialog.instructions_check, Qt.MouseButton.LeftButton)
        assert not dialog.instructions()
        return QDialog.DialogCode.Accepted

    text = _export(window, monkeypatch, tmp_path / "summary.pdf", without)
    assert HISTORY_LABEL in text
    assert INSTRUCTION_TITLE not in text
