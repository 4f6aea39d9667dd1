"""Backups in the window: made by themselves in a worker thread, listed and restored from
File → Backups…. The rules (when, what to keep, how to check and restore) are the services'."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.backups import EDITING_INTERVAL, start_up_backup_due
from app.gui.i18n import display_seconds
from app.services import ServiceError, WorkupService, backup_database, newest_backup_time

if TYPE_CHECKING:
    from app.services import BackupInfo

log = logging.getLogger("app.gui.backups")
_Index = QModelIndex | QPersistentModelIndex


class BackupRunner(QObject):
    """Makes one backup at a time in a worker thread; reports in the GUI thread.

    The backup reads the database in its own connection (SQLite's online backup API, WAL
    mode), so the window goes on saving while it runs; nothing here waits for it.
    """

    finished = Signal(str, bool, str)
    """reason, whether it worked, the file written or the one-line error."""

    def __init__(self, backup: Callable[[str], Path], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._backup = backup
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether a backup is being made now."""
        return self._thread is not None and self._thread.is_alive()

    def start(self, reason: str) -> bool:
        """Start a backup unless one is running; whether it started."""
        if self.running:
            return False
        self._thread = threading.Thread(
            target=self._work, args=(reason,), name=f"backup-{reason}", daemon=True
        )
        self._thread.start()
        return True

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the running backup (closing the window, tests)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _work(self, reason: str) -> None:
        try:
            written = self._backup(reason)
        except ServiceError as error:
            log.warning("%s backup failed: %s", reason, type(error).__name__)
            self.finished.emit(reason, False, str(error))
            return
        log.info("%s backup made", reason)
        self.finished.emit(reason, True, str(written))


class AutoBackup(QObject):
    """When the window backs up the workstation's database by itself.

    At start-up when the newest backup is older than a day, once in every half hour in
    which something was saved, and after every signature. Only for a SQLite file: a clinic
    server is backed up by its IT (pg_dump, docs/clinic-server.md).
    """

    report = Signal(str, bool, str)
    """reason, whether it worked, the file written or the one-line error."""

    def __init__(
        self,
        service: WorkupService,
        clock: Callable[[], datetime] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._clock = clock or (lambda: datetime.now(UTC))
        self.runner = BackupRunner(self._make, self)
        self.runner.finished.connect(self.report)
        self._editing_timer = QTimer(self)
        self._editing_timer.setSingleShot(True)
        self._editing_timer.setInterval(int(EDITING_INTERVAL.total_seconds() * 1000))
        self._editing_timer.timeout.connect(self._on_editing_timer_timeout)

    @property
    def enabled(self) -> bool:
        """Whether this database is backed up by the window (a local SQLite file)."""
        return self._service.database.sqlite_path is not None

    def _make(self, reason: str) -> Path:
        url = self._service.database.url
        _label, written, _info = backup_database(
            url, self._service.settings, reason, clock=self._clock
        )
        return written

    def at_start(self) -> bool:
        """Back up now if the newest backup is older than a day; whether one started."""
        if not self.enabled:
            return False
        try:
            newest = newest_backup_time(self._service.settings)
        except OSError as error:
            self.report.emit("start-up", False, str(error))
            return False
        return start_up_backup_due(newest, self._clock()) and self.runner.start("start-up")

    def edited(self) -> None:
        """Something was saved: a backup follows within half an hour (one per half hour)."""
        if self.enabled and not self._editing_timer.isActive():
            self._editing_timer.start()

    def signed(self) -> bool:
        """A workup or an addendum was signed: back up now."""
        return self.enabled and self.runner.start("signature")

    @Slot()
    def _on_editing_timer_timeout(self) -> None:
        if not self.runner.start("editing"):
            self._editing_timer.start()  # one is running: try again in half an hour


class BackupListModel(QAbstractTableModel):
    """The backups, newest first: time, reason, size, workups, check."""

    def __init__(self, backups: list[BackupInfo], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.backups = backups
        self._headers = [
            self.tr("Made"),
            self.tr("Why"),
            self.tr("Size"),
            self.tr("Workups"),
            self.tr("Check"),
        ]
        self._reasons = {
            "start-up": self.tr("At start"),
            "editing": self.tr("While editing"),
            "signature": self.tr("After signing"),
            "migration": self.tr("Before an upgrade"),
            "manual": self.tr("By hand"),
            "before-restore": self.tr("Kept before a restore"),
        }

    def set_backups(self, backups: list[BackupInfo]) -> None:
        """Show another list."""
        self.beginResetModel()
        self.backups = backups
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """One row per backup."""
        return 0 if parent.isValid() else len(self.backups)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Time, reason, size, workups, check."""
        return 0 if parent.isValid() else len(self._headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> str | None:
        """Column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> str | None:
        """The text of one cell."""
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        info = self.backups[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(info.path)
        column = index.column()
        if column == 0:
            return display_seconds(info.made_at)
        if column == 1:
            return self._reasons.get(info.reason, info.reason)
        if column == 2:
            return self.tr("%1 MB").replace("%1", f"{info.size / 1_000_000:.1f}")
        if column == 3:
            return "" if info.encounters is None else str(info.encounters)
        return self.tr("passed") if info.check == "ok" else info.check


class BackupsDialog(QDialog):
    """File → Backups…: the list, "Back up now" and "Restore…" (the window does the work)."""

    backup_requested = Signal()
    restore_requested = Signal(object)
    """The chosen BackupInfo."""

    def __init__(self, model: BackupListModel, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setWindowTitle(self.tr("Backups"))
        self.resize(760, 420)
        layout = QVBoxLayout(self)
        self.folder_label = QLabel(self.tr("Backups folder: %1").replace("%1", str(folder)), self)
        self.folder_label.setObjectName("helpText")
        self.folder_label.setWordWrap(True)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.folder_label)
        self.table = QTableView(self)
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setAccessibleName(self.tr("Backups"))
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.hint = QLabel(
            self.tr(
                "The application backs up this computer's database by itself: at start once a "
                "day, every half hour while workups are edited and after every signature. "
                "Restoring keeps the current database as a backup first."
            ),
            self,
        )
        self.hint.setObjectName("helpText")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        buttons = QHBoxLayout()
        self.backup_button = QPushButton(self.tr("Back up now"), self)
        self.restore_button = QPushButton(self.tr("Restore…"), self)
        self.close_button = QPushButton(self.tr("Close"), self)
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.restore_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.backup_button.clicked.connect(self.backup_requested)
        self.restore_button.clicked.connect(self._on_restore_button_clicked)
        self.close_button.clicked.connect(self.accept)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        model.modelReset.connect(self._update_buttons)
        if model.rowCount():
            self.table.selectRow(0)
        self._update_buttons()

    def chosen(self) -> BackupInfo | None:
        """The selected backup."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.backups[rows[0].row()] if rows else None

    def set_busy(self, busy: bool) -> None:
        """While a backup is being made, neither another nor a restore can start."""
        self.backup_button.setEnabled(not busy)
        self.restore_button.setEnabled(not busy and self.chosen() is not None)

    @Slot()
    def _update_buttons(self) -> None:
        self.restore_button.setEnabled(self.backup_button.isEnabled() and self.chosen() is not None)

    @Slot()
    def _on_restore_button_clicked(self) -> None:
        chosen = self.chosen()
        if chosen is not None:
            self.restore_requested.emit(chosen)
