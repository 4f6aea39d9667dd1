"""The main window: the encounter list, the workup view and the application's actions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QStyle,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.config import ConfigError, Settings, save_settings
from app.domain.encounter import EncounterStatus
from app.gui.application import icon_path
from app.gui.autosave import AutoSaver
from app.gui.backups import AutoBackup
from app.gui.errors import show_service_error
from app.gui.i18n import set_language
from app.gui.models import EncounterListModel, Roles
from app.services import NotFoundError, ServiceError, WorkupService

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrintPreviewDialog

    from app.gui.backups import BackupListModel, BackupsDialog
    from app.gui.batch_export import BatchExport, BatchExportDialog
    from app.gui.dialogs import (
        AboutDialog,
        ExportPdfDialog,
        NewWorkupDialog,
        SettingsDialog,
        WelcomeDialog,
    )
    from app.gui.history import HistoryDialog
    from app.gui.workup_view import WorkupView
    from app.services import BackupInfo

log = logging.getLogger("app.gui")
SEARCH_DELAY_MS = 250
COLUMN_WIDTHS = (260, 120, 130, 0, 140, 150)


class EncounterListPage(QWidget):
    """Search box and the encounter table."""

    def __init__(self, model: EncounterListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 8)
        layout.setSpacing(10)
        top = QHBoxLayout()
        self.title = QLabel(self)
        self.title.setObjectName("pageTitle")
        self.search = QLineEdit(self)
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(420)
        self.new_button = QPushButton(self)
        self.new_button.setObjectName("primaryButton")
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.search)
        top.addWidget(self.new_button)
        layout.addLayout(top)
        self.table = QTableView(self)
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setTabKeyNavigation(False)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        # Said over the empty table, so that a first start shows where to begin.
        self.empty_label = QLabel(self.table.viewport())
        self.empty_label.setObjectName("emptyList")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(False)
        self.empty_label.hide()
        over_table = QGridLayout(self.table.viewport())
        over_table.addWidget(self.empty_label, 0, 0, Qt.AlignmentFlag.AlignCenter)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("helpText")
        layout.addWidget(self.count_label)
        self.retranslate()

    def retranslate(self) -> None:
        """Set every fixed text in the interface language now installed."""
        self.title.setText(self.tr("Workups"))
        self.search.setPlaceholderText(self.tr("Search by name, chart number or date (YYYY-MM-DD)"))
        self.search.setAccessibleName(self.tr("Search workups"))
        self.new_button.setText(self.tr("New workup…"))
        self.table.setAccessibleName(self.tr("Workups"))
        header = self.table.horizontalHeader()
        for column, width in enumerate(COLUMN_WIDTHS):
            if width:
                needed = header.sectionSizeFromContents(column).width() + 12
                self.table.setColumnWidth(column, max(width, needed))

    def show_empty(self, empty: bool, search: str) -> None:
        """Say over the table that it is empty, and what to do; hide the words otherwise."""
        if search:
            text = self.tr("No workup matches “%1”.").replace("%1", search)
        else:
            text = self.tr("No workups yet: New workup… (Ctrl+N)")
        self.empty_label.setText(text)
        self.empty_label.setVisible(empty)


class MainWindow(QMainWindow):
    """The application window over one opened service."""

    def __init__(
        self,
        service: WorkupService,
        settings: Settings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.settings = settings
        self._titles: dict[str, str] = {}
        self.new_dialog: NewWorkupDialog | None = None
        self.print_preview: QPrintPreviewDialog | None = None
        self.history_dialog: HistoryDialog | None = None
        self.batch_export_dialog: BatchExportDialog | None = None
        self.batch_export: BatchExport | None = None
        self.export_dialog: ExportPdfDialog | None = None
        self.backups_dialog: BackupsDialog | None = None
        self._save_state = ""
        self.resize(1280, 800)

        self.encounters = EncounterListModel(service, self._workflow_title, self)
        self.list_page = EncounterListPage(self.encounters, self)
        self._workup: WorkupView | None = None
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.list_page)
        self.setCentralWidget(self.stack)
        self.save_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.save_label)

        self.auto_backup = AutoBackup(service, parent=self)
        self.auto_backup.report.connect(self._on_auto_backup_report)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._create_actions()
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self.list_page.search.textEdited.connect(self._on_search_text_edited)
        self.list_page.new_button.clicked.connect(self.new_workup)
        self.list_page.table.activated.connect(self._on_table_activated)
        self.encounters.modelReset.connect(self._on_encounters_changed)
        self.encounters.set_search("")
        self._retranslate()
        self._update_actions()

    @property
    def workup(self) -> WorkupView:
        """The workup view, built when it is first needed (not before the list is shown)."""
        if self._workup is None:
            from app.gui.workup_view import WorkupView

            workup = WorkupView(self.service, self.settings.language, self)
            self.stack.addWidget(workup)
            workup.save_state_changed.connect(self._on_workup_save_state_changed)
            workup.save_state_changed.connect(self._on_workup_saved_for_backup)
            workup.encounter_changed.connect(self._on_workup_encounter_changed)
            self._workup = workup
        return self._workup

    def _in_workup(self) -> bool:
        return self._workup is not None and self.stack.currentWidget() is self._workup

    # -- actions ----------------------------------------------------------------------

    def _action(self, shortcut: QKeySequence | str | None, slot: Callable[[], object]) -> QAction:
        action = QAction(self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _create_actions(self) -> None:
        self.new_action = self._action("Ctrl+N", self.new_workup)
        self.find_action = self._action("Ctrl+F", self.focus_search)
        self.list_action = self._action("Ctrl+L", self.show_list)
        self.next_action = self._action("Ctrl+PgDown", self._on_next_action_triggered)
        self.previous_action = self._action("Ctrl+PgUp", self._on_previous_action_triggered)
        self.review_action = self._action("Ctrl+R", self._on_review_action_triggered)
        self.amend_action = self._action(None, self._on_amend_action_triggered)
        self.history_action = self._action(None, self.show_history)
        self.export_action = self._action("Ctrl+E", self.export_pdf)
        self.print_action = self._action("Ctrl+P", self.print_summary)
        self.fhir_action = self._action(None, self.export_fhir)
        self.batch_export_action = self._action(None, self.export_pdfs)
        self.backups_action = self._action(None, self.show_backups)
        self.settings_action = self._action(None, self.open_settings)
        self.about_action = self._action(None, self.show_about)
        self.quit_action = self._action("Ctrl+Q", self.close)

        menu = self.menuBar()
        self.file_menu = menu.addMenu("")
        for action in (self.new_action, self.find_action, self.list_action):
            self.file_menu.addAction(action)
        self.file_menu.addSeparator()
        for action in (self.export_action, self.print_action, self.fhir_action):
            self.file_menu.addAction(action)
        self.file_menu.addAction(self.batch_export_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.backups_action)
        self.file_menu.addAction(self.settings_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)
        self.workup_menu = menu.addMenu("")
        for action in (self.next_action, self.previous_action):
            self.workup_menu.addAction(action)
        self.workup_menu.addSeparator()
        self.workup_menu.addAction(self.review_action)
        self.workup_menu.addAction(self.amend_action)
        self.workup_menu.addAction(self.history_action)
        self.help_menu = menu.addMenu("")
        self.help_menu.addAction(self.about_action)

        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._set_icons()
        for action in (self.list_action, self.new_action):
            self.toolbar.addAction(action)
        self.toolbar.addSeparator()
        for action in (self.previous_action, self.next_action, self.review_action):
            self.toolbar.addAction(action)
        self.toolbar.addSeparator()
        for action in (self.export_action, self.print_action):
            self.toolbar.addAction(action)
        self.addToolBar(self.toolbar)

    def _set_icons(self) -> None:
        """Qt's standard icons for the toolbar's actions, our own where Qt has none."""
        style = self.style()
        pixmaps = QStyle.StandardPixmap
        standard = (
            (self.list_action, pixmaps.SP_FileDialogListView),
            (self.new_action, pixmaps.SP_FileIcon),
            (self.previous_action, pixmaps.SP_ArrowBack),
            (self.next_action, pixmaps.SP_ArrowForward),
            (self.review_action, pixmaps.SP_DialogApplyButton),
            (self.export_action, pixmaps.SP_DialogSaveButton),
        )
        for action, pixmap in standard:
            action.setIcon(style.standardIcon(pixmap))
        self.print_action.setIcon(QIcon(icon_path("print")))

    def _retranslate(self) -> None:
        """Set every fixed text of the window in the interface language now installed."""
        texts = (
            (self.new_action, self.tr("&New workup…")),
            (self.find_action, self.tr("&Find workup")),
            (self.list_action, self.tr("&Workup list")),
            (self.next_action, self.tr("Ne&xt section")),
            (self.previous_action, self.tr("&Previous section")),
            (self.review_action, self.tr("&Review and finalize…")),
            (self.amend_action, self.tr("&Amend…")),
            (self.history_action, self.tr("&History of changes…")),
            (self.export_action, self.tr("&Export PDF…")),
            (self.print_action, self.tr("&Print…")),
            (self.fhir_action, self.tr("Export &FHIR…")),
            (self.batch_export_action, self.tr("Export P&DFs of many workups…")),
            (self.backups_action, self.tr("&Backups…")),
            (self.settings_action, self.tr("&Settings…")),
            (self.about_action, self.tr("&About")),
            (self.quit_action, self.tr("&Quit")),
        )
        for action, text in texts:
            action.setText(text)
        self.file_menu.setTitle(self.tr("&File"))
        self.workup_menu.setTitle(self.tr("&Workup"))
        self.help_menu.setTitle(self.tr("&Help"))
        self.toolbar.setWindowTitle(self.tr("Main"))
        self.list_page.retranslate()
        self._on_encounters_changed()
        self._update_title()
        self._on_workup_save_state_changed(self._save_state)
        self.statusBar().showMessage(
            self.tr("Database: %1").replace("%1", self.service.database.label)
        )

    def _update_title(self) -> None:
        if self._in_workup() and self.workup.encounter is not None:
            self.setWindowTitle(
                self.tr("%1 — Ejaculatory Disorder Workup").replace(
                    "%1", self.workup.patient_label.text()
                )
            )
        else:
            self.setWindowTitle(self.tr("Ejaculatory Disorder Workup"))

    def apply_language(self, language: str) -> None:
        """Switch the interface language at once; the open workup stays open where it was."""
        set_language(language)
        self._titles.clear()
        if self._workup is not None:
            self._workup.set_language(language)
        self.encounters.retranslate()
        self._retranslate()

    def _update_actions(self) -> None:
        in_workup = self._in_workup()
        for action in (
            self.next_action,
            self.previous_action,
            self.export_action,
            self.print_action,
            self.history_action,
            self.fhir_action,
        ):
            action.setEnabled(in_workup)
        self.review_action.setEnabled(in_workup and self.workup.editable)
        self.amend_action.setEnabled(in_workup and not self.workup.editable)
        self.list_action.setEnabled(in_workup)

    def _workflow_title(self, workflow_id: str) -> str:
        if workflow_id not in self._titles:
            try:
                title = self.service.workflow(workflow_id).title.get(self.settings.language)
            except NotFoundError:
                title = workflow_id
            self._titles[workflow_id] = title
        return self._titles[workflow_id]

    # -- navigation -------------------------------------------------------------------

    def open_encounter(self, encounter_id: int) -> bool:
        """Show one encounter's workup (pending edits of the current one are saved first)."""
        if not self.workup.settle(self.tr("Unsaved changes")):
            return False
        try:
            self.workup.load(encounter_id)
        except ServiceError as error:
            show_service_error(self, self.tr("Open workup"), error)
            return False
        self.stack.setCurrentWidget(self.workup)
        self._update_title()
        self._update_actions()
        self.workup.navigator.setFocus()
        return True

    @Slot()
    def show_list(self) -> bool:
        """Back to the encounter list (after saving pending edits)."""
        if self._workup is not None and not self._workup.settle(self.tr("Unsaved changes")):
            return False
        self.stack.setCurrentWidget(self.list_page)
        self._update_title()
        self.encounters.refresh()
        self._update_actions()
        return True

    @Slot()
    def focus_search(self) -> None:
        """Show the list and put the cursor in the search box."""
        if self.stack.currentWidget() is not self.list_page and not self.show_list():
            return
        self.list_page.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.list_page.search.selectAll()

    @Slot()
    def new_workup(self) -> NewWorkupDialog:
        """Open the new-workup dialog (not blocking)."""
        from app.gui.dialogs import NewWorkupDialog

        dialog = NewWorkupDialog(self.service, self.settings, self)
        dialog.encounter_started.connect(self._on_new_dialog_encounter_started)
        dialog.finished.connect(dialog.deleteLater)
        self.new_dialog = dialog
        dialog.open()
        return dialog

    # -- documents --------------------------------------------------------------------

    @Slot()
    def export_pdf(self) -> None:
        """Save the summary PDF of the shown encounter, in the language chosen, where asked."""
        encounter = self.workup.encounter
        if (
            encounter is None
            or encounter.id is None
            or not self.workup.ready(self.tr("Export PDF"))
        ):
            return
        from app.gui.dialogs import ExportPdfDialog

        dialog = ExportPdfDialog(encounter.language, self.settings.paper_size, self)
        self.export_dialog = dialog
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        language, paper = dialog.language(), dialog.paper()
        patient_copy, instructions = dialog.patient_copy(), dialog.instructions()
        self.export_dialog = None
        dialog.deleteLater()
        if not accepted:
            return
        self._export(
            self.tr("Export PDF"),
            ".pdf",
            self.tr("PDF documents (*.pdf)"),
            lambda encounter_id: self.service.summary_pdf(
                encounter_id,
                language=language,
                paper=paper,
                patient_copy=patient_copy,
                instructions=instructions,
            ),
            self.tr("PDF saved: %1"),
        )

    @Slot()
    def export_fhir(self) -> None:
        """Save the encounter as a FHIR R4 Bundle where the user chooses."""
        self._export(
            self.tr("Export FHIR"),
            ".fhir.json",
            self.tr("FHIR JSON (*.json)"),
            lambda encounter_id: self.service.export_fhir_bundle(encounter_id).encode("utf-8"),
            self.tr("FHIR bundle saved: %1"),
        )

    def _export(
        self,
        title: str,
        suffix: str,
        file_filter: str,
        make: Callable[[int], bytes],
        saved: str,
    ) -> None:
        """Ask where, make the file through the services, write it atomically, remember where."""
        encounter = self.workup.encounter
        if encounter is None or encounter.id is None or not self.workup.ready(title):
            return
        folder = Path(self.settings.export_dir) if self.settings.export_dir else Path.home()
        name = f"workup-{encounter.patient.chart_number or encounter.id}{suffix}"
        path_text, _filter = QFileDialog.getSaveFileName(
            self, title, str(folder / name), file_filter
        )
        if not path_text:
            return
        path = Path(path_text)
        extension = suffix.rsplit(".", 1)[-1]
        if path.suffix.lower() != f".{extension}":
            path = path.with_suffix(f".{extension}")
        try:
            self.service.write_file(path, make(encounter.id))
        except ServiceError as error:
            show_service_error(self, title, error)
            return
        self._remember_export_dir(path.parent)
        self.statusBar().showMessage(saved.replace("%1", str(path)), 8000)

    @Slot()
    def export_pdfs(self) -> BatchExportDialog | None:
        """Open the batch export of summary PDFs (not blocking; pending edits saved first)."""
        if self._workup is not None and not self._workup.ready(self.tr("Export PDFs")):
            return None
        from app.gui.batch_export import BatchExportDialog

        dialog = BatchExportDialog(self.service, self.settings, self)
        dialog.export_started.connect(self._on_batch_export_started)
        dialog.finished.connect(dialog.deleteLater)
        self.batch_export_dialog = dialog
        dialog.open()
        return dialog

    @Slot(object)
    def _on_batch_export_started(self, run: BatchExport) -> None:
        self.batch_export = run
        self._remember_export_dir(run.folder)

    def _remember_export_dir(self, folder: Path) -> None:
        if str(folder) == self.settings.export_dir:
            return
        self.settings = replace(self.settings, export_dir=str(folder))
        try:
            save_settings(self.settings)
        except ConfigError as error:
            log.warning("export folder not remembered: %s", type(error).__name__)

    @Slot()
    def print_summary(self) -> None:
        """Print exactly the pages of the summary PDF, through a print preview."""
        encounter = self.workup.encounter
        if encounter is None or encounter.id is None or not self.workup.ready(self.tr("Print")):
            return
        from PySide6.QtPrintSupport import QPrintPreviewDialog

        from app.gui.printing import make_printer, page_images, paint_pages

        paper = self.settings.paper_size
        try:
            pdf = self.service.summary_pdf(encounter.id, paper=paper)
            images = page_images(self.service.page_images(pdf))
        except ServiceError as error:
            show_service_error(self, self.tr("Print"), error)
            return
        printer = make_printer(paper)
        preview = QPrintPreviewDialog(printer, self)
        preview.setWindowTitle(self.tr("Print preview"))
        preview.paintRequested.connect(lambda target: paint_pages(target, images))
        self.print_preview = preview
        preview.exec()

    @Slot()
    def show_history(self) -> HistoryDialog | None:
        """Open the audit trail of the shown encounter (not blocking)."""
        encounter = self.workup.encounter
        if encounter is None or encounter.id is None:
            return None
        if not self.workup.ready(self.tr("History of changes")):
            return None
        try:
            events = self.service.audit_events(encounter.id)
            workflow = self.service.encounter_workflow(encounter.id)
        except ServiceError as error:
            show_service_error(self, self.tr("History of changes"), error)
            return None
        from app.gui.history import AuditEventModel, HistoryDialog

        model = AuditEventModel(events, workflow, self.settings.language)
        dialog = HistoryDialog(model, self)
        dialog.finished.connect(dialog.deleteLater)
        self.history_dialog = dialog
        dialog.open()
        return dialog

    # -- backups ----------------------------------------------------------------------

    @Slot()
    def show_backups(self) -> BackupsDialog:
        """File → Backups…: the list, back up now, restore (not blocking)."""
        from app.config import backups_dir
        from app.gui.backups import BackupListModel, BackupsDialog

        model = BackupListModel(self._backups(), self)
        dialog = BackupsDialog(model, backups_dir(self.settings), self)
        if not self.auto_backup.enabled:
            dialog.hint.setText(
                self.tr(
                    "This workstation uses the clinic server; the server is backed up by the "
                    "clinic's IT (workup db backup on the server)."
                )
            )
            dialog.backup_button.setEnabled(False)
            dialog.restore_button.setEnabled(False)
        else:
            dialog.set_busy(self.auto_backup.runner.running)
        dialog.backup_requested.connect(self._on_backups_dialog_backup_requested)
        dialog.restore_requested.connect(self._on_backups_dialog_restore_requested)
        dialog.finished.connect(self._on_backups_dialog_finished)
        dialog.finished.connect(dialog.deleteLater)
        self.backups_dialog = dialog
        dialog.open()
        return dialog

    def _backups(self) -> list[BackupInfo]:
        from app.services import list_backups

        try:
            return list_backups(self.settings)
        except OSError as error:
            log.warning("backups not listed: %s", type(error).__name__)
            return []

    def start_backups(self) -> None:
        """The automatic backup at start-up (when the newest is older than a day)."""
        self.auto_backup.at_start()

    @Slot(str, bool, str)
    def _on_auto_backup_report(self, reason: str, worked: bool, detail: str) -> None:
        if worked:
            if reason == "manual":
                self.statusBar().showMessage(self.tr("Backup made: %1").replace("%1", detail), 8000)
        else:
            self.statusBar().showMessage(
                self.tr("Backup failed — work goes on; see File → Backups…: %1").replace(
                    "%1", detail
                ),
                30000,
            )
        if self.backups_dialog is not None:
            model: BackupListModel = self.backups_dialog.model
            model.set_backups(self._backups())
            self.backups_dialog.set_busy(False)
            if not worked and reason == "manual":
                QMessageBox.warning(self.backups_dialog, self.tr("Backups"), detail)

    @Slot()
    def _on_backups_dialog_backup_requested(self) -> None:
        if self.auto_backup.runner.start("manual") and self.backups_dialog is not None:
            self.backups_dialog.set_busy(True)

    @Slot(object)
    def _on_backups_dialog_restore_requested(self, chosen: BackupInfo) -> None:
        dialog = self.backups_dialog
        if dialog is None:
            return
        from app.gui.i18n import display_seconds

        count = "?" if chosen.encounters is None else str(chosen.encounters)
        question = (
            self.tr(
                "Restore the backup made %1, holding %2 workup(s)?\n\nThe database in use now "
                "is kept as a backup of its own first. Workups recorded after this backup "
                "will no longer be in the list."
            )
            .replace("%1", display_seconds(chosen.made_at))
            .replace("%2", count)
        )
        answer = QMessageBox.question(
            dialog,
            self.tr("Restore backup"),
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes or not self.show_list():
            return
        self.auto_backup.runner.wait()
        try:
            restored = self.service.restore_backup(chosen.path, force=True)
        except ServiceError as error:
            show_service_error(dialog, self.tr("Restore backup"), error)
            dialog.model.set_backups(self._backups())
            return
        log.info("backup restored")
        self.encounters.refresh()
        dialog.model.set_backups(self._backups())
        self.statusBar().showMessage(
            self.tr("Backup restored: %1 workup(s)").replace("%1", str(restored.encounters)), 15000
        )

    @Slot()
    def _on_backups_dialog_finished(self) -> None:
        self.backups_dialog = None

    # -- settings and about -----------------------------------------------------------

    @Slot()
    def open_settings(self) -> SettingsDialog:
        """Open the settings dialog (not blocking)."""
        from app.gui.dialogs import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        dialog.accepted.connect(self._on_settings_dialog_accepted)
        dialog.finished.connect(dialog.deleteLater)
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    @Slot()
    def welcome(self) -> WelcomeDialog:
        """Ask for the clinic and the default clinician on the first start (not blocking).

        Saving or skipping writes the settings file, so the question is asked once.
        """
        from app.gui.dialogs import WelcomeDialog

        dialog = WelcomeDialog(self.settings, self)
        dialog.finished.connect(self._on_welcome_dialog_finished)
        dialog.finished.connect(dialog.deleteLater)
        self.welcome_dialog = dialog
        dialog.open()
        return dialog

    @Slot(int)
    def _on_welcome_dialog_finished(self, result: int) -> None:
        if result == QDialog.DialogCode.Accepted:
            self.settings = self.welcome_dialog.settings()
            self.service.settings = self.settings
        try:
            save_settings(self.settings)
        except ConfigError as error:
            QMessageBox.warning(self, self.tr("Settings"), str(error))

    @Slot()
    def show_about(self) -> AboutDialog:
        """Open the about box (not blocking)."""
        from app.gui.dialogs import AboutDialog

        dialog = AboutDialog(self.service.database.label, self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    # -- closing ----------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save pending edits before closing; ask when they cannot be saved."""
        if self._workup is not None and not self.workup.settle(self.tr("Unsaved changes")):
            if self.workup.saver.offline:
                event.ignore()
                return
            answer = QMessageBox.question(
                self,
                self.tr("Unsaved changes"),
                self.tr(
                    "Some changes could not be saved. Close anyway and lose them?\n\n"
                    "Choose No to keep the window open and try again."
                ),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self.workup.saver.discard()
        self.auto_backup.runner.wait(60)
        event.accept()

    # -- slots ------------------------------------------------------------------------

    @Slot(str)
    def _on_search_text_edited(self, _text: str) -> None:
        self._search_timer.start()

    @Slot()
    def _on_search_timer_timeout(self) -> None:
        self.encounters.set_search(self.list_page.search.text())

    @Slot()
    def _on_encounters_changed(self) -> None:
        model = self.encounters
        if model.search:
            text = self.tr("%1 workup(s) match “%2”").replace("%1", str(model.total))
            text = text.replace("%2", model.search)
        else:
            text = self.tr("%1 workup(s)").replace("%1", str(model.total))
        self.list_page.count_label.setText(text)
        self.list_page.show_empty(model.total == 0, model.search)

    @Slot(QModelIndex)
    def _on_table_activated(self, index: QModelIndex) -> None:
        encounter_id = index.data(Roles.ENCOUNTER_ID)
        if encounter_id is not None:
            self.open_encounter(int(encounter_id))

    @Slot(int)
    def _on_new_dialog_encounter_started(self, encounter_id: int) -> None:
        self.encounters.refresh()
        self.open_encounter(encounter_id)

    @Slot()
    def _on_next_action_triggered(self) -> None:
        if self._in_workup():
            self.workup.next_section()

    @Slot()
    def _on_previous_action_triggered(self) -> None:
        if self._in_workup():
            self.workup.previous_section()

    @Slot()
    def _on_review_action_triggered(self) -> None:
        self.workup.review()

    @Slot()
    def _on_amend_action_triggered(self) -> None:
        self.workup.amend()

    @Slot(str)
    def _on_workup_save_state_changed(self, state: str) -> None:
        texts = {
            AutoSaver.SAVING: self.tr("Saving…"),
            AutoSaver.SAVED: self.tr("All changes saved"),
            AutoSaver.FAILED: self.tr("Not saved — see the message"),
            AutoSaver.INVALID: self.tr("A marked entry was not saved; correct it"),
        }
        if state == AutoSaver.OFFLINE:
            waiting = self._workup.saver.waiting if self._workup is not None else 0
            texts[state] = self.tr(
                "Not saved — database server unreachable; %n change(s) waiting", "", waiting
            )
        self._save_state = state
        self.save_label.setText(texts.get(state, ""))

    @Slot(int)
    def _on_workup_encounter_changed(self, _encounter_id: int) -> None:
        self._update_actions()
        encounter = self.workup.encounter
        if encounter is not None and encounter.status in (
            EncounterStatus.FINALIZED,
            EncounterStatus.AMENDED,
        ):
            self.auto_backup.signed()

    @Slot(str)
    def _on_workup_saved_for_backup(self, state: str) -> None:
        if state == AutoSaver.SAVED:
            self.auto_backup.edited()

    @Slot()
    def _on_settings_dialog_accepted(self) -> None:
        new = self.settings_dialog.settings()
        try:
            save_settings(new)
        except ConfigError as error:
            QMessageBox.warning(self, self.tr("Settings"), str(error))
            return
        language_changed = new.language != self.settings.language
        self.settings = new
        self.service.settings = new
        self._titles.clear()
        if language_changed:
            self.apply_language(new.language)
        self.statusBar().showMessage(self.tr("Settings saved"), 5000)
