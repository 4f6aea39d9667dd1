# mypy: disable-error-code="no-untyped-call"
# (pytest-qt adds QtBot.keyClick, mouseClick, ... at run time, without annotations)
"""Russian interface: translation files in step, every screen translated, live switching."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    Qt,
)
from PySide6.QtPrintSupport import QPrintPreviewDialog
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFileSystemModel,
    QGroupBox,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.config import Settings, load_settings
from app.domain.encounter import OrderState, OrderStatus
from app.gui import i18n
from app.gui.dialogs import ExportPdfDialog
from app.gui.fields import NumberField, TextField
from app.gui.main_window import MainWindow
from app.gui.printing import make_printer
from app.services import WorkupService
from tests.gui.support import WORKFLOW_ID, apply_look_once

ROOT = Path(__file__).resolve().parents[2]
TS_FILE = ROOT / "resources" / "translations" / "workup_ru.ts"
QM_FILE = ROOT / "resources" / "translations" / "workup_ru.qm"
TOOLS = Path(sys.executable).parent
CLINICIAN_RU = "Д-р Волкова"

# Latin words allowed in the Russian interface: code systems and file formats, the English
# name of the language, the "Letter" paper format, Qt's own Russian "OK", the key names of
# shortcuts as printed on Russian keyboards ("Ctrl+N"), and laboratory abbreviations used as
# such in Russian (HbA1c, MAR test, pH).
ALLOWED_LATIN = {
    "LOINC",
    "SNOMED",
    "CT",
    "PDF",
    "FHIR",
    "JSON",
    "English",
    "Letter",
    "pdf",
    "json",
    "OK",
    "Ctrl",
    "HbA",
    "MAR",
    "pH",
}
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_PATH = re.compile(r"(?<!\S)/\S*")
_PLACEHOLDER = re.compile(r"\{item:[a-z0-9_]+\}")


def _translated_sources() -> list[str]:
    return [str(ROOT / "app" / "main.py"), *sorted(str(p) for p in (ROOT / "app/gui").glob("*.py"))]


# -- translation files -----------------------------------------------------------------


def test_lupdate_leaves_the_ts_file_unchanged(tmp_path: Path) -> None:
    copy = tmp_path / "workup_ru.ts"
    shutil.copyfile(TS_FILE, copy)
    subprocess.run(
        [
            str(TOOLS / "pyside6-lupdate"),
            "-silent",
            "-no-obsolete",
            "-locations",
            "none",
            "-sort-messages",
            *_translated_sources(),
            "-ts",
            str(copy),
        ],
        check=True,
        capture_output=True,
    )
    assert copy.read_text(encoding="utf-8") == TS_FILE.read_text(encoding="utf-8"), (
        "run `make translations` and translate the new strings"
    )


def test_the_compiled_qm_file_is_in_step_with_the_ts_file(tmp_path: Path) -> None:
    compiled = tmp_path / "workup_ru.qm"
    subprocess.run(
        [str(TOOLS / "pyside6-lrelease"), "-silent", str(TS_FILE), "-qm", str(compiled)],
        check=True,
        capture_output=True,
    )
    assert compiled.read_bytes() == QM_FILE.read_bytes(), "run `make translations`"


def test_every_message_has_a_russian_translation() -> None:
    text = TS_FILE.read_text(encoding="utf-8")
    assert 'type="unfinished"' not in text
    assert "<translation></translation>" not in text


def test_qt_own_russian_translations_are_shipped_with_pyside() -> None:
    assert (i18n.qt_translations_dir() / "qtbase_ru.qm").is_file()


# -- the walk over every screen ----------------------------------------------------------


@pytest.fixture
def russian() -> Iterator[None]:
    """The Russian interface for one test; English again afterwards."""
    assert i18n.set_language("ru") == []
    yield
    i18n.set_language("en")


def _model_texts(model: QAbstractItemModel | None, skip_columns: set[int]) -> list[str]:
    if model is None:
        return []
    texts: list[str] = []
    columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(QModelIndex())
    for column in range(columns):
        header = model.headerData(column, Qt.Orientation.Horizontal)
        if isinstance(header, str):
            texts.append(header)
    for row in range(model.rowCount(QModelIndex())):
        for column in range(columns):
            if column in skip_columns:
                continue
            value = model.data(model.index(row, column, QModelIndex()))
            if isinstance(value, str):
                texts.append(value)
    return texts


def _widget_texts(widget: QWidget, skip_columns: set[int]) -> list[tuple[str, str]]:
    """(where, text) for every text the widget shows or announces."""
    name = type(widget).__name__
    texts = [widget.toolTip(), widget.accessibleName(), widget.whatsThis()]
    if widget.isWindow():
        texts.append(widget.windowTitle())
    if isinstance(widget, QLabel):
        texts.append(widget.text())
    if isinstance(widget, QAbstractButton):
        texts.append(widget.text())
    if isinstance(widget, QGroupBox):
        texts.append(widget.title())
    if isinstance(widget, QLineEdit | QPlainTextEdit):
        texts.append(widget.placeholderText())
    if isinstance(widget, QComboBox):
        texts += [widget.itemText(index) for index in range(widget.count())]
    if isinstance(widget, QTabWidget):
        texts += [widget.tabText(index) for index in range(widget.count())]
    if isinstance(widget, QMenu):
        texts.append(widget.title())
    if isinstance(widget, QAbstractItemView):
        model = widget.model()
        files = isinstance(model, QFileSystemModel)
        texts += _model_texts(model, {0} if files else skip_columns)
    for action in widget.actions():
        texts += [action.text(), action.toolTip(), action.iconText()]
    return [(name, text) for text in texts if text]


def english_words(
    root: QWidget, allowed: set[str] = ALLOWED_LATIN, skip_columns: set[int] | None = None
) -> list[tuple[str, str]]:
    """Every (widget class, text) under `root` holding a Latin word not in `allowed`."""
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if widget.window() is not root.window():
            continue
        for where, text in _widget_texts(widget, skip_columns or set()):
            plain = re.sub(r"<[^>]+>", " ", text).replace("&", "")
            plain = _PATH.sub(" ", _PLACEHOLDER.sub(" ", plain))
            if set(_LATIN_WORD.findall(plain)) - allowed:
                found.append((where, text))
    return found


def _sample(service: WorkupService) -> tuple[int, int]:
    patient = service.create_patient("Иванов", "Павел", date(1986, 3, 14))
    other = service.create_patient("Петров", "Сергей", date(1979, 1, 9))
    assert patient.id is not None
    assert other.id is not None
    draft = service.start_encounter(patient.id, WORKFLOW_ID, CLINICIAN_RU, "ru")
    signed = service.start_encounter(other.id, WORKFLOW_ID, CLINICIAN_RU, "ru")
    assert draft.id is not None
    assert signed.id is not None
    service.set_answer(draft.id, "hx_diabetes", "type2", CLINICIAN_RU)
    service.set_answer(draft.id, "hx_diabetes_years", Decimal("1.5"), CLINICIAN_RU)
    service.set_order(
        draft.id,
        "sa_order",
        OrderState(OrderStatus.ORDERED, service.today(), "утренний образец"),
        CLINICIAN_RU,
    )
    service.set_answer(signed.id, "visit_main_complaint", "Нет эякулята", CLINICIAN_RU)
    service.finalize(signed.id, CLINICIAN_RU)
    service.amend(signed.id, "уточнение анамнеза", CLINICIAN_RU)
    return draft.id, signed.id


def _russian_window(qtbot: QtBot, service: WorkupService, settings: Settings) -> MainWindow:
    apply_look_once()
    russian = replace(
        settings,
        clinic_name="Городская андрологическая клиника",
        default_clinician=CLINICIAN_RU,
        language="ru",
    )
    window = MainWindow(service, russian)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.mark.usefixtures("russian")
def test_every_screen_and_dialog_is_in_russian(
    qtbot: QtBot, gui_service: WorkupService, settings: Settings, tmp_path: Path
) -> None:
    draft, signed = _sample(gui_service)
    window = _russian_window(qtbot, gui_service, settings)
    problems: dict[str, list[tuple[str, str]]] = {}

    def check(name: str, widget: QWidget, skip: set[int] | None = None) -> None:
        QApplication.processEvents()
        found = english_words(widget, skip_columns=skip)
        if found:
            problems[name] = found

    check("encounter list", window)
    new = window.new_workup()
    check("new workup", new)
    new.reject()

    assert window.open_encounter(draft)
    view = window.workup
    assert view.workflow is not None
    for page in range(len(view.workflow.sections)):
        view.show_section(page)
    for field in view._fields.values():
        field.setVisible(True)
    check("workup (every section)", window)
    review = view.review()
    assert review is not None
    check("review", review)
    review.reject()
    history = window.show_history()
    assert history is not None
    check("history", history, {2, 5, 6})
    history.reject()
    export = ExportPdfDialog("ru", "A4", window)
    check("export PDF", export)
    export.reject()

    assert window.open_encounter(signed)
    check("amended workup", window)
    dialog = window.open_settings()
    check("settings", dialog)
    dialog.reject()
    about = window.show_about()
    check("about", about)
    about.reject()

    printer = make_printer("A4")
    preview = QPrintPreviewDialog(printer, window)
    preview.show()
    check("print preview", preview)
    preview.close()
    files = QFileDialog(window, "", str(tmp_path))
    files.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    files.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    files.show()
    files.setDirectory(str(tmp_path))
    found = english_words(files, ALLOWED_LATIN | {Path.home().name})
    if found:
        problems["file dialog"] = found
    files.reject()
    question = QMessageBox(
        QMessageBox.Icon.Question,
        "",
        "",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        window,
    )
    check("message box", question)
    text_input = QInputDialog(window)
    text_input.show()
    check("text input", text_input)
    text_input.reject()
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Save
        | QDialogButtonBox.StandardButton.Cancel
        | QDialogButtonBox.StandardButton.Close
        | QDialogButtonBox.StandardButton.Ok
    )
    check("standard buttons", buttons)
    untranslated = sorted(
        {f"{screen}: {text}" for screen, found in problems.items() for _w, text in found}
    )
    assert untranslated == [], "\n".join(untranslated)


@pytest.mark.usefixtures("russian")
def test_russian_dates_and_units_in_the_workup(
    qtbot: QtBot, gui_service: WorkupService, settings: Settings
) -> None:
    draft, _signed = _sample(gui_service)
    window = _russian_window(qtbot, gui_service, settings)
    assert window.open_encounter(draft)
    years = window.workup.field("hx_diabetes_years")
    assert isinstance(years, NumberField)
    assert years.line.text() == "1,5"
    assert years.unit_label is not None
    assert years.unit_label.text() == "лет"
    assert "дата рождения 14.03.1986" in window.workup.details_label.text()


# -- switching while a workup is open -------------------------------------------------------


def test_switching_the_language_keeps_the_open_workup(
    qtbot: QtBot, window: MainWindow, gui_service: WorkupService
) -> None:
    patient = gui_service.create_patient("Smith", "John", date(1980, 1, 2))
    assert patient.id is not None
    encounter = gui_service.start_encounter(patient.id, WORKFLOW_ID, "Dr. Test")
    assert encounter.id is not None
    try:
        assert window.open_encounter(encounter.id)
        view = window.workup
        view.show_section(1)
        complaint = view.field("visit_main_complaint")
        assert isinstance(complaint, TextField)
        view.jump_to_item("visit_main_complaint")
        row = view.current_section()
        assert complaint.editor is not None
        qtbot.keyClicks(complaint.editor, "Little fluid")
        assert view.sections is not None
        english_title = view.sections.data(view.sections.index(row))

        dialog = window.open_settings()
        dialog.language.setCurrentIndex(dialog.language.findData("ru"))
        dialog.accept()

        assert load_settings().language == "ru"
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        assert window.stack.currentWidget() is view
        assert view.encounter is not None
        assert view.encounter.id == encounter.id
        assert view.current_section() == row
        switched = view.field("visit_main_complaint")
        assert isinstance(switched, TextField)
        assert switched.text() == "Little fluid"
        assert gui_service.encounter(encounter.id).answers["visit_main_complaint"] == "Little fluid"
        assert view.sections is not None
        assert view.sections.data(view.sections.index(row)) != english_title
        assert window.review_action.text() == "П&роверить и завершить…"
        assert window.workup.review_button.text() == "Проверить…"
        assert window.list_page.new_button.text() == "Новое обследование…"
        assert "Обследование при нарушениях эякуляции" in window.windowTitle()
        assert (
            english_words(
                window, ALLOWED_LATIN | {"Smith", "John", "Dr", "Test", "Little", "fluid"}
            )
            == []
        )
        assert QCoreApplication.translate("status", "Draft") == "Черновик"

        window.apply_language("en")
        assert window.workup.review_button.text() == "Review…"
        assert (
            window.workup.field("visit_main_complaint").label_text
            == "Main complaint in the patient's own words"
        )
    finally:
        i18n.set_language("en")


def test_export_dialog_chooses_the_pdf_language(
    qtbot: QtBot,
    window: MainWindow,
    gui_service: WorkupService,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from pypdf import PdfReader

    patient = gui_service.create_patient("Smith", "John", date(1980, 1, 2))
    assert patient.id is not None
    encounter = gui_service.start_encounter(patient.id, WORKFLOW_ID, "Dr. Test")
    assert encounter.id is not None
    assert encounter.language == "en"
    window.open_encounter(encounter.id)
    target = tmp_path / "summary.pdf"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *_args, **_kw: (str(target), ""))
    )

    def choose_russian(dialog: ExportPdfDialog) -> int:
        assert dialog.language() == "en"
        dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("ru"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportPdfDialog, "exec", choose_russian)
    window.export_pdf()
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(target).pages).split())
    assert "Обследование при нарушениях эякуляции" in text
    assert gui_service.encounter(encounter.id).language == "en"
