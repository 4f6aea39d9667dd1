"""Summary PDFs of many workups at once, one file per step, with a progress dialog."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.config import Settings
from app.gui.dialogs import add_hint_and_buttons
from app.gui.errors import show_service_error
from app.gui.i18n import current_language, display_date
from app.services import ServiceError, SummaryBatch, WorkupService, batch_since

log = logging.getLogger("app.gui")
DEFAULT_DAYS = 30


class BatchExport(QObject):
    """Shows the progress of a `SummaryBatch` (the service's batch export) and drives it.

    One PDF is made per event-loop turn (`SummaryBatch.step`), so the window keeps
    answering; Stop ends the run after the file being written, and the files already
    written are kept. When it ends, a message says how many were written; `done` is emitted
    afterwards. `file_written` gives the path of each file as soon as it is complete.
    """

    file_written = Signal(str)
    done = Signal()

    def __init__(
        self,
        batch: SummaryBatch,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.batch = batch
        self.folder = batch.folder
        self._parent = parent
        self.written: list[Path] = []
        self.skipped = batch.left_out
        self.stopped = False
        self.error = ""
        self.ended = False
        self.progress = QProgressDialog(parent)
        self.progress.setWindowTitle(self.tr("Export PDFs"))
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(0)
        self.progress.setMinimumWidth(440)
        self.progress.setAutoClose(False)
        self.progress.setAutoReset(False)
        self.progress.setRange(0, batch.total)
        self.progress.setCancelButtonText(self.tr("Stop"))
        self.progress.canceled.connect(self._on_progress_canceled)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._on_timer_timeout)

    @property
    def total(self) -> int:
        """How many workups the run goes through."""
        return self.batch.total

    def start(self) -> None:
        """Show the progress dialog and begin with the first workup."""
        self._show_progress()
        self.progress.show()
        self._timer.start()

    def stop(self) -> None:
        """End the run after the file being written (what Stop does)."""
        self.stopped = True

    def _show_progress(self) -> None:
        self.progress.setLabelText(
            self.tr("Writing summary PDFs to %1\n%2 of %3 workups done, %4 written.")
            .replace("%1", str(self.folder))
            .replace("%2", str(len(self.batch.done)))
            .replace("%3", str(self.total))
            .replace("%4", str(len(self.written)))
        )
        self.progress.setValue(len(self.batch.done))

    @Slot()
    def _on_timer_timeout(self) -> None:
        if self.ended:
            return
        if self.progress.wasCanceled():
            self.stop()
        item = None if self.stopped else self.batch.step()
        if item is None:
            self._finish()
            return
        if item.error is not None:
            self.error = item.error
            self._finish()
            return
        self.written.append(item.path)
        self.file_written.emit(str(item.path))
        self._show_progress()
        self._timer.start()

    @Slot()
    def _on_progress_canceled(self) -> None:
        self.stop()

    def _finish(self) -> None:
        self.ended = True
        self._timer.stop()
        self.progress.canceled.disconnect(self._on_progress_canceled)
        self.progress.close()
        title = self.tr("Export PDFs")
        written, total, folder = len(self.written), self.total, str(self.folder)
        log.info(
            "batch export: %d of %d written, %d skipped, stopped=%s, error=%s",
            written,
            total,
            self.skipped,
            self.stopped,
            bool(self.error),
        )
        if self.error:
            message = self.error[:1].upper() + self.error[1:]
            QMessageBox.warning(
                self._parent,
                title,
                self.tr("Export stopped. %1.\n\n%2 of %3 summaries were written to %4.")
                .replace("%1", message)
                .replace("%2", str(written))
                .replace("%3", str(total))
                .replace("%4", folder),
            )
        else:
            if self.stopped:
                text = (
                    self.tr(
                        "Stopped after %1 of %2 workups. %3 summaries were written to %4 "
                        "and are kept."
                    )
                    .replace("%1", str(len(self.batch.done)))
                    .replace("%2", str(total))
                    .replace("%3", str(written))
                    .replace("%4", folder)
                )
            else:
                text = self.tr("%n summary PDF(s) written to %1.", "", written).replace(
                    "%1", folder
                )
            if self.skipped:
                text += " " + self.tr("%n unsigned workup(s) left out.", "", self.skipped)
            QMessageBox.information(self._parent, title, text)
        self.progress.deleteLater()
        self.done.emit()


class BatchExportDialog(QDialog):
    """Chooses which workups (changed since a date, signed only or all) and the folder.

    Export starts a `BatchExport` (announced by `export_started`) and closes the dialog.
    Files are named as `workup export --all --out DIR` names them.
    """

    export_started = Signal(object)

    def __init__(
        self, service: WorkupService, settings: Settings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._settings = settings
        self.run: BatchExport | None = None
        self.setWindowTitle(self.tr("Export PDFs"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(10)
        today = service.today()
        self.since_edit = QDateEdit(self)
        self.since_edit.setCalendarPopup(True)
        self.since_edit.setDisplayFormat(
            "dd.MM.yyyy" if current_language() == "ru" else "yyyy-MM-dd"
        )
        self.since_edit.setMaximumDate(_qdate(today))
        self.since_edit.setDate(_qdate(today - timedelta(days=DEFAULT_DAYS)))
        self.since_edit.setMinimumWidth(160)
        self.since_edit.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.signed_only_check = QCheckBox(self.tr("Signed workups only"), self)
        self.signed_only_check.setToolTip(self.tr("Drafts and open addenda are left out."))
        self.folder_edit = QLineEdit(self)
        self.folder_edit.setText(settings.export_dir or str(Path.home()))
        self.folder_edit.setMinimumWidth(300)
        self.browse_button = QPushButton(self.tr("Choose…"), self)
        folder_row = QHBoxLayout()
        folder_row.setSpacing(6)
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.browse_button)
        since_label = self.tr("Changed since")
        folder_label = self.tr("Folder")
        self.since_edit.setAccessibleName(since_label)
        self.folder_edit.setAccessibleName(folder_label)
        self.browse_button.setAccessibleName(self.tr("Choose the folder"))
        form.addRow(since_label, self.since_edit)
        form.addRow("", self.signed_only_check)
        form.addRow(folder_label, folder_row)
        layout.addLayout(form)
        self.export_button = add_hint_and_buttons(
            self,
            layout,
            self.tr(
                "Each workup changed on or after that date gets its summary PDF, in the "
                "workup's own language on %1 paper, named encounter-ID.pdf. A file of the "
                "same name is replaced."
            ).replace("%1", settings.paper_size),
            self.tr("Export"),
        )
        self.browse_button.clicked.connect(self._on_browse_button_clicked)

    def since(self) -> date:
        """The first day whose changes are exported."""
        chosen = self.since_edit.date()
        return date(chosen.year(), chosen.month(), chosen.day())

    def folder(self) -> Path:
        """The folder the files go to."""
        return Path(self.folder_edit.text().strip()).expanduser()

    def accept(self) -> None:
        """Check the folder, find the workups, start the export and close."""
        title = self.tr("Export PDFs")
        folder = self.folder()
        if not self.folder_edit.text().strip() or not folder.is_dir():
            QMessageBox.warning(
                self, title, self.tr("%1 is not an existing folder.").replace("%1", str(folder))
            )
            return
        batch = SummaryBatch(self._service, folder, paper=self._settings.paper_size)
        since = batch_since(self.since())
        try:
            batch.select(since, self.signed_only_check.isChecked())
        except ServiceError as error:
            show_service_error(self, title, error)
            return
        if not batch.total and not batch.left_out:
            QMessageBox.information(
                self,
                title,
                self.tr("No workup was changed on or after %1.").replace(
                    "%1", display_date(self.since())
                ),
            )
            return
        parent = self.parentWidget() or self
        run = BatchExport(batch, parent)
        self.run = run
        super().accept()
        self.export_started.emit(run)
        run.start()

    @Slot()
    def _on_browse_button_clicked(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, self.tr("Folder for the summary PDFs"), self.folder_edit.text()
        )
        if chosen:
            self.folder_edit.setText(chosen)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)
