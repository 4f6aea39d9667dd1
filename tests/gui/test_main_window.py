# mypy: disable-error-code="no-untyped-call"
# (pytest-qt adds QtBot.keyClick, mouseClick, ... at run time, without annotations)
"""Encounter list, search, models, shortcuts, dialogs and the unexpected-error hook."""

from __future__ import annotations

import gc
import shutil
import sys
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QPageSize
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.catalog.loader import Catalog
from app.config import Settings, load_settings
from app.domain.encounter import EncounterSummary, OrderState, OrderStatus
from app.gui.application import run
from app.gui.dialogs import ExportPdfDialog
from app.gui.errors import ExceptionReporter
from app.gui.main_window import MainWindow
from app.gui.models import (
    PAGE_SIZE,
    EncounterListModel,
    MissingItemsModel,
    PatientListModel,
    Roles,
    SectionListModel,
)
from app.services import UnavailableError, WorkupService
from app.startup import pause_collector
from tests.gui.support import CLINICIAN, WORKFLOW_ID, Clock, Messages

CTRL = Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton
MANY = 2000


@pytest.fixture(scope="session")
def many_template(tmp_path_factory: pytest.TempPathFactory, shipped_catalog: Catalog) -> Path:
    """A database with MANY patients, each with one encounter; built once per session."""
    path = tmp_path_factory.mktemp("many") / "many.sqlite3"
    service = WorkupService.open(
        Settings(), f"sqlite:///{path}", clock=Clock(), catalog=shipped_catalog
    )
    workflow = service.workflow(WORKFLOW_ID)
    try:
        for number in range(MANY):
            patient = service.create_patient(
                f"Family{number:05d}", "Given", date(1970, 1, 1), f"K{number:05d}"
            )
            assert patient.id is not None
            # start_encounter re-reads the whole encounter each time; the list needs only
            # the rows, so the fixture goes one level down to stay fast.
            service._repository.create_encounter(patient.id, workflow, CLINICIAN, "en", {})
        special = service.create_patient("Zubarev", "Oleg", date(1966, 2, 3), "Z-1")
        assert special.id is not None
        service.start_encounter(special.id, WORKFLOW_ID, CLINICIAN)
    finally:
        service.close()
    return path


@pytest.fixture
def many_service(many_template: Path, tmp_path: Path, shipped_catalog: Catalog) -> WorkupService:
    """A copy of the big database, opened."""
    path = tmp_path / "copy.sqlite3"
    shutil.copyfile(many_template, path)
    return WorkupService.open(
        Settings(), f"sqlite:///{path}", clock=Clock(), catalog=shipped_catalog
    )


def test_search_finds_one_patient_among_thousands(
    qtbot: QtBot, many_service: WorkupService
) -> None:
    window = MainWindow(many_service, Settings(default_clinician=CLINICIAN))
    qtbot.addWidget(window)
    window.show()
    model = window.encounters
    assert model.total == MANY + 1
    assert model.rowCount() == MANY + 1
    assert model.loaded_rows <= 2 * PAGE_SIZE  # read lazily, not all at once
    qtbot.keyClicks(window.list_page.search, "zubar")
    qtbot.waitUntil(lambda: model.total == 1)
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    assert model.index(0, 0).data() == "Zubarev, Oleg"
    assert model.index(0, 2).data() == "Z-1"
    assert "1 workup(s)" in window.list_page.count_label.text()
    table = window.list_page.table
    table.setCurrentIndex(model.index(0, 0))
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.workup
    assert window.workup.patient_label.text() == "Zubarev, Oleg"
    many_service.close()


def test_encounter_model_reads_pages_when_shown_and_passes_the_model_tester(
    qtmodeltester: ModelTester, many_service: WorkupService
) -> None:
    model = EncounterListModel(many_service, lambda workflow_id: workflow_id)
    model.set_search("")
    assert model.rowCount() == MANY + 1
    # the first page comes with the count, in the same read; the others when shown
    assert model.cached_pages == [0]
    assert model.loaded_rows == PAGE_SIZE
    assert not model.canFetchMore(model.index(-1, -1))
    assert model.index(0, 0).data(Roles.ENCOUNTER_ID) is not None
    assert model.cached_pages == [0]
    assert model.index(PAGE_SIZE, 0).data(Roles.ENCOUNTER_ID) is not None
    assert model.cached_pages == [0, 1]
    assert model.loaded_rows == 2 * PAGE_SIZE
    qtmodeltester.check(model, force_py=True)
    searched = EncounterListModel(many_service, lambda workflow_id: workflow_id)
    searched.set_search("K0001")  # chart numbers K00010 ... K00019
    assert searched.total == 10
    assert searched.rowCount() == 10
    qtmodeltester.check(searched, force_py=True)
    many_service.close()


def test_encounter_model_keeps_few_pages_and_reads_evicted_ones_again(
    many_service: WorkupService,
) -> None:
    expected = [summary.id for summary in many_service.list_encounters("", MANY + 1, 0)]
    model = EncounterListModel(many_service, lambda workflow_id: workflow_id, cached_pages=3)
    model.set_search("")
    shown = [model.index(row, 0).data(Roles.ENCOUNTER_ID) for row in range(model.rowCount())]
    assert shown == expected
    last_page = MANY // PAGE_SIZE
    assert model.cached_pages == [last_page - 2, last_page - 1, last_page]
    assert model.loaded_rows <= 3 * PAGE_SIZE
    for row in (0, 1, PAGE_SIZE + 5, PAGE_SIZE - 1, MANY):
        assert model.index(row, 1).data(Roles.ENCOUNTER_ID) == expected[row]
        assert model.summary(row).id == expected[row]
    assert model.cached_pages == [1, 0, last_page]
    assert model.index(MANY + 1, 0).data() is None
    with pytest.raises(IndexError):
        model.summary(MANY + 1)
    model.refresh()
    assert model.cached_pages == [0]  # read again with the count, the others dropped
    many_service.close()


def test_encounter_model_leaves_rows_blank_when_a_page_cannot_be_read(
    many_service: WorkupService, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = EncounterListModel(many_service, lambda workflow_id: workflow_id)
    model.set_search("")

    def unreachable(*_args: object) -> object:
        raise UnavailableError("database server unreachable")

    monkeypatch.setattr(many_service, "list_encounters", unreachable)
    assert model.index(PAGE_SIZE * 3, 0).data() is None
    assert model.index(PAGE_SIZE * 3 + 1, 0).data(Roles.ENCOUNTER_ID) is None
    monkeypatch.undo()
    model.refresh()
    assert model.index(PAGE_SIZE * 3, 0).data(Roles.ENCOUNTER_ID) is not None
    many_service.close()


def test_scrolling_to_the_end_and_back_opens_the_chosen_rows(
    qtbot: QtBot, many_service: WorkupService
) -> None:
    window = MainWindow(many_service, Settings(default_clinician=CLINICIAN))
    qtbot.addWidget(window)
    window.encounters._cached_pages = 2
    window.show()
    qtbot.waitExposed(window)
    table = window.list_page.table
    model = window.encounters
    last_page = MANY // PAGE_SIZE
    table.scrollToBottom()
    qtbot.waitUntil(lambda: model.cached_pages[-1:] == [last_page])
    assert len(model.cached_pages) <= 2
    last = model.index(MANY, 0)
    table.setCurrentIndex(last)
    expected = many_service.list_encounters("", 1, MANY)[0]
    table.scrollToTop()
    qtbot.waitUntil(lambda: model.cached_pages[-1:] == [0])
    assert len(model.cached_pages) <= 2
    assert last_page - 1 not in model.cached_pages
    assert table.currentIndex().row() == MANY
    first = model.index(0, 0)
    assert first.data() == many_service.list_encounters("", 1, 0)[0].patient_name
    table.scrollTo(last)
    rect = table.visualRect(last)
    qtbot.mouseClick(table.viewport(), LEFT, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), LEFT, pos=rect.center())
    assert window.stack.currentWidget() is window.workup
    assert window.workup.encounter is not None
    assert window.workup.encounter.id == expected.id
    many_service.close()


def test_small_models_pass_the_model_tester(
    qtmodeltester: ModelTester, gui_service: WorkupService
) -> None:
    workflow = gui_service.workflow(WORKFLOW_ID)
    sections = SectionListModel(workflow.sections, "en")
    patient = gui_service.create_patient("Ivanov", "Pavel", date(1980, 5, 1), "C-1")
    assert patient.id is not None
    encounter = gui_service.start_encounter(patient.id, WORKFLOW_ID, CLINICIAN)
    sections.set_completion(gui_service.completion(encounter))
    assert sections.index(0).data() == "A  Visit header\n2/3"
    assert sections.index(0).data(Roles.COMPLETE) is False
    qtmodeltester.check(sections, force_py=True)
    patients = PatientListModel()
    patients.set_patients(gui_service.find_patients("iva"))
    assert patients.rowCount() == 1
    qtmodeltester.check(patients, force_py=True)
    missing = MissingItemsModel("en")
    missing.set_entries(gui_service.missing_required(encounter))
    assert missing.index(0).data(Roles.ITEM_ID) == "visit_main_complaint"
    qtmodeltester.check(missing, force_py=True)


def test_new_workup_dialog_rejects_a_future_birth_date(
    qtbot: QtBot, window: MainWindow, gui_service: WorkupService
) -> None:
    dialog = window.new_workup()
    qtbot.keyClicks(dialog.family_name, "Petrov")
    qtbot.keyClicks(dialog.given_name, "Ivan")
    qtbot.keyClicks(dialog.birth_date, "2030-01-01")
    qtbot.mouseClick(dialog.start_button, LEFT)
    assert dialog.isVisible()
    assert "future" in dialog.error_label.text()
    assert gui_service.find_patients("petrov") == []
    dialog.birth_date.clear()
    qtbot.keyClicks(dialog.birth_date, "1990-01-01")
    qtbot.mouseClick(dialog.start_button, LEFT)
    assert not dialog.isVisible()
    assert window.workup.patient_label.text() == "Petrov, Ivan"


def test_new_workup_for_an_existing_patient(
    qtbot: QtBot, window: MainWindow, gui_service: WorkupService
) -> None:
    gui_service.create_patient("Sidorov", "Anton", date(1977, 7, 7), "S-9")
    dialog = window.new_workup()
    dialog.tabs.setCurrentIndex(0)
    qtbot.keyClicks(dialog.patient_search, "S-9")
    qtbot.waitUntil(lambda: dialog.patients.rowCount() == 1)
    qtbot.mouseClick(dialog.start_button, LEFT)
    assert window.workup.patient_label.text() == "Sidorov, Anton"
    assert gui_service.count_encounters("sidorov") == 1


def test_shortcuts(
    qtbot: QtBot,
    window: MainWindow,
    gui_service: WorkupService,
    messages: Messages,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    patient = gui_service.create_patient("Ivanov", "Pavel", date(1980, 5, 1), "C-1")
    assert patient.id is not None
    encounter = gui_service.start_encounter(patient.id, WORKFLOW_ID, CLINICIAN)
    assert encounter.id is not None
    window.open_encounter(encounter.id)
    view = window.workup
    qtbot.keyClick(window, Qt.Key.Key_PageDown, CTRL)
    qtbot.keyClick(window, Qt.Key.Key_PageDown, CTRL)
    assert view.current_section() == 2
    qtbot.keyClick(window, Qt.Key.Key_PageUp, CTRL)
    assert view.current_section() == 1

    target = tmp_path / "out" / "summary.pdf"
    target.parent.mkdir()
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        staticmethod(lambda *_args, **_kwargs: (str(target), "")),
    )
    monkeypatch.setattr(ExportPdfDialog, "exec", lambda _dialog: QDialog.DialogCode.Accepted)
    qtbot.keyClick(window, Qt.Key.Key_E, CTRL)
    assert target.read_bytes().startswith(b"%PDF")
    assert load_settings().export_dir == str(target.parent)

    bundle = tmp_path / "out" / "bundle.json"
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        staticmethod(lambda *_args, **_kwargs: (str(bundle), "")),
    )
    window.fhir_action.trigger()
    assert '"resourceType": "Bundle"' in bundle.read_text(encoding="utf-8")

    printed = tmp_path / "printed.pdf"

    def print_to_file(dialog: QPrintPreviewDialog) -> int:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed))
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        printer.setFullPage(True)
        dialog.paintRequested.emit(printer)
        return 0

    monkeypatch.setattr(QPrintPreviewDialog, "exec", print_to_file)
    qtbot.keyClick(window, Qt.Key.Key_P, CTRL)
    summary_pages = len(PdfReader(target).pages)
    assert len(PdfReader(printed).pages) == summary_pages

    qtbot.keyClick(window, Qt.Key.Key_F, CTRL)
    assert window.stack.currentWidget() is window.list_page
    assert QApplication.focusWidget() is window.list_page.search

    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    assert window.new_dialog is not None
    assert window.new_dialog.isVisible()
    window.new_dialog.reject()


def test_settings_and_about_dialogs(qtbot: QtBot, window: MainWindow) -> None:
    dialog = window.open_settings()
    dialog.clinic_name.clear()
    qtbot.keyClicks(dialog.clinic_name, "North Clinic")
    dialog.language.setCurrentIndex(1)
    dialog.accept()
    stored = load_settings()
    assert stored.clinic_name == "North Clinic"
    assert stored.language == "ru"
    assert window.service.settings.clinic_name == "North Clinic"
    about = window.show_about()
    assert about.isVisible()
    about.reject()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_shows_a_dialog_and_the_app_continues(
    qtbot: QtBot,
    window: MainWindow,
    gui_service: WorkupService,
    messages: Messages,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "excepthook", ExceptionReporter(lambda: window))
    original = gui_service.search_encounters

    def broken(_search: str, _limit: int) -> tuple[int, list[EncounterSummary]]:
        raise RuntimeError("boom with a patient name inside")

    monkeypatch.setattr(gui_service, "search_encounters", broken)
    qtbot.keyClicks(window.list_page.search, "x")
    qtbot.waitUntil(lambda: "critical" in messages.kinds())
    assert messages.shown[-1][1] == "Unexpected error"
    assert "RuntimeError" in messages.shown[-1][2]

    monkeypatch.setattr(gui_service, "search_encounters", original)
    window.list_page.search.clear()
    qtbot.keyClicks(window.list_page.search, "y")
    qtbot.waitUntil(lambda: window.encounters.search == "y")
    assert window.isVisible()


def test_run_installs_and_restores_the_excepthook(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    application = QApplication.instance()
    assert isinstance(application, QApplication)
    seen: list[object] = []
    before = sys.excepthook

    def fake_exec() -> int:
        seen.append(sys.excepthook)
        return 0

    monkeypatch.setattr(application, "exec", fake_exec)
    assert run(application, window) == 0
    assert isinstance(seen[0], ExceptionReporter)
    assert sys.excepthook is before


def test_run_resumes_a_paused_garbage_collector_once_the_window_is_up(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    application = QApplication.instance()
    assert isinstance(application, QApplication)
    frozen_before = gc.get_freeze_count()
    pause_collector()
    try:
        monkeypatch.setattr(application, "exec", lambda: 0)
        assert run(application, window) == 0
        assert not gc.isenabled()  # shown, the event loop not yet turned
        qtbot.waitUntil(gc.isenabled)
        assert gc.get_freeze_count() > frozen_before
    finally:
        gc.enable()
        gc.unfreeze()


def test_history_shows_every_change_with_who_and_where(
    qtbot: QtBot, window: MainWindow, gui_service: WorkupService, qtmodeltester: ModelTester
) -> None:
    patient = gui_service.create_patient("Ivanov", "Pavel", date(1980, 5, 1), "C-1")
    assert patient.id is not None
    encounter = gui_service.start_encounter(patient.id, WORKFLOW_ID, CLINICIAN)
    assert encounter.id is not None
    gui_service.set_answer(encounter.id, "hx_sx_fever", "yes", CLINICIAN)
    gui_service.set_answer(encounter.id, "hx_sx_fever", "no", CLINICIAN)
    gui_service.set_order(
        encounter.id,
        "sa_order",
        OrderState(OrderStatus.ORDERED, date(2026, 11, 20), "x"),
        CLINICIAN,
    )
    gui_service.set_answer(encounter.id, "visit_main_complaint", "dry orgasm", CLINICIAN)
    signed = gui_service.finalize(encounter.id, CLINICIAN)
    assert signed.sealed_digest is not None
    window.open_encounter(encounter.id)
    dialog = window.show_history()
    assert dialog is not None
    qtbot.addWidget(dialog)
    model = dialog.model
    qtmodeltester.check(model)
    rows = [
        [model.data(model.index(row, column)) for column in range(model.columnCount())]
        for row in range(model.rowCount())
    ]
    assert [row[3] for row in rows] == [
        "Started",
        "Answer",
        "Answer",
        "Answer",
        "Answer",
        "Order",
        "Answer",
        "Signed",
    ]
    digest = signed.sealed_digest
    assert rows[-1][5:] == [
        "",
        f"{CLINICIAN}, SHA-256 {digest[:4]} {digest[4:8]} {digest[8:12]} {digest[12:16]}",
    ]
    rows = rows[:-2]
    fever = rows[-2]
    assert fever[1:3] == [CLINICIAN, "test-station"]
    assert fever[4:] == ["Fever or flu-like symptoms", "Yes", "No"]
    assert rows[-1][5:] == ["", "Ordered, 2026-11-20, x"]
    dialog.reject()
