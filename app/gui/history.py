"""An encounter's history of changes: its audit events, oldest first, as recorded."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.encounter import AuditEvent
from app.domain.workflow import Workflow

_Index = QModelIndex | QPersistentModelIndex


class AuditEventModel(QAbstractTableModel):
    """Audit events as rows: time, who, workstation, what, item, old value, new value."""

    def __init__(
        self,
        events: list[AuditEvent],
        workflow: Workflow,
        language: str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._events = events
        self._workflow = workflow
        self._language = language
        self._headers = [
            self.tr("Time"),
            self.tr("Who"),
            self.tr("Workstation"),
            self.tr("Change"),
            self.tr("Item"),
            self.tr("Before"),
            self.tr("After"),
        ]
        self._actions = {
            "create": self.tr("Started"),
            "answer": self.tr("Answer"),
            "order": self.tr("Order"),
            "language": self.tr("Language"),
            "finalize": self.tr("Signed"),
            "amend": self.tr("Amendment opened"),
            "sign_addendum": self.tr("Addendum signed"),
            "import": self.tr("Imported"),
        }

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt API: the default index is the root)
        """One row per event."""
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt API: the default index is the root)
        """Seven columns."""
        return 0 if parent.isValid() else len(self._headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> str | None:
        """Column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> str | None:
        """The recorded values, as stored (JSON for answers), never judged."""
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        event = self._events[index.row()]
        column = index.column()
        if column == 0:
            return event.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        if column == 1:
            return event.actor
        if column == 2:
            return event.workstation
        if column == 3:
            return self._actions.get(event.action, event.action)
        if column == 4:
            if event.item_id and self._workflow.has_item(event.item_id):
                return self._workflow.item(event.item_id).label.get(self._language)
            return event.item_id or ""
        if column == 5:
            return event.old_json or ""
        return event.new_json or ""


class HistoryDialog(QDialog):
    """Shows an encounter's audit trail, read-only."""

    def __init__(self, model: AuditEventModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("History of changes"))
        self.resize(1100, 560)
        self.model = model
        model.setParent(self)
        self.table = QTableView(self)
        self.table.setModel(model)
        self.table.setAccessibleName(self.tr("History of changes"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.resizeColumnsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
