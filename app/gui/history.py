"""An encounter's history of changes: its audit events, oldest first, as recorded."""

from __future__ import annotations

import json
from datetime import date

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

from app.domain.encounter import AuditEvent, OrderStatus
from app.domain.seal import shown_digest
from app.domain.workflow import Workflow
from app.gui.i18n import display_date, display_seconds
from app.services.session import shown_stored_value

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
        """The recorded values as the workup shows them, never judged."""
        if not index.isValid():
            return None
        column = index.column()
        shown = role == Qt.ItemDataRole.DisplayRole
        if not shown and not (role == Qt.ItemDataRole.ToolTipRole and column >= 4):
            return None
        event = self._events[index.row()]
        if column == 0:
            return display_seconds(event.at)
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
        return self._value_text(event, event.old_json if column == 5 else event.new_json)

    def _value_text(self, event: AuditEvent, recorded: str | None) -> str:
        """A recorded value as the workup shows it; the stored text where it cannot be read."""
        if not recorded:
            return ""
        if event.action in ("finalize", "sign_addendum", "import"):
            return self._signature_text(recorded) if event.action != "import" else ""
        item_id = event.item_id
        if not item_id or not self._workflow.has_item(item_id):
            return recorded
        item = self._workflow.item(item_id)
        try:
            raw = json.loads(recorded)
            if event.action == "order" and isinstance(raw, dict):
                return self._order_text(raw)
            if event.action == "answer":
                return shown_stored_value(item, raw, self._language, lambda: recorded)
        except ValueError:
            pass
        return recorded

    def _signature_text(self, recorded: str) -> str:
        """The signer and the start of the sealed digest (older events hold the name only)."""
        try:
            raw = json.loads(recorded)
        except ValueError:
            return recorded
        if not isinstance(raw, dict):
            return recorded
        digest = raw.get("sealed_digest")
        signer = str(raw.get("signed_by") or "")
        return f"{signer}, SHA-256 {shown_digest(digest)}" if isinstance(digest, str) else signer

    def _order_text(self, raw: dict[str, object]) -> str:
        status = raw.get("status")
        words = {
            OrderStatus.ORDERED.value: self.tr("Ordered"),
            OrderStatus.DONE_ELSEWHERE.value: self.tr("Done elsewhere"),
            OrderStatus.NOT_INDICATED.value: self.tr("Not indicated"),
            OrderStatus.DECLINED.value: self.tr("Declined by patient"),
        }
        parts = [words.get(str(status), str(status))]
        on_date = raw.get("date")
        if isinstance(on_date, str) and on_date:
            try:
                parts.append(display_date(date.fromisoformat(on_date)))
            except ValueError:
                parts.append(on_date)
        note = raw.get("note")
        if isinstance(note, str) and note.strip():
            parts.append(note.strip())
        return ", ".join(parts)


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
        for column, widest in ((4, 340), (5, 220)):
            header.resizeSection(column, min(header.sectionSize(column), widest))
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
