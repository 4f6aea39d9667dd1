"""The notice shown while edits wait for an unreachable database server."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

BANNER_STYLE = """
QFrame#offlineBanner { background: #fff3d6; border-bottom: 1px solid #d9b25f; }
QLabel#offlineTitle { font-weight: 600; color: #5a3b00; }
QLabel#offlineText { color: #3d2a00; }
"""


def clock_time(moment: datetime | None) -> str:
    """Local wall-clock time to the second (empty for None)."""
    return f"{moment.astimezone():%H:%M:%S}" if moment is not None else ""


class OfflineBanner(QFrame):
    """Says that the server is unreachable, how many changes wait, and when it is tried again.

    Hidden while the database answers. `retry_requested` is emitted by its Retry now button.
    """

    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offlineBanner")
        self.setStyleSheet(BANNER_STYLE)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 8)
        layout.setSpacing(16)
        column = QVBoxLayout()
        column.setSpacing(2)
        self.title_label = QLabel(self)
        self.title_label.setObjectName("offlineTitle")
        self.title_label.setWordWrap(True)
        self.text_label = QLabel(self)
        self.text_label.setObjectName("offlineText")
        self.text_label.setWordWrap(True)
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        for label in (self.title_label, self.text_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            column.addWidget(label)
        layout.addLayout(column, 1)
        self.retry_button = QPushButton(self)
        layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.retry_button.clicked.connect(self._on_retry_button_clicked)
        self._waiting = 0
        self._last: datetime | None = None
        self._next: datetime | None = None
        self.setVisible(False)
        self.retranslate()

    def show_state(
        self, offline: bool, waiting: int, last: datetime | None, next_try: datetime | None
    ) -> None:
        """Show the notice while `offline`, with the number of waiting changes and the times."""
        self._waiting, self._last, self._next = waiting, last, next_try
        self.retranslate()
        self.setVisible(offline)

    def retranslate(self) -> None:
        """Set the texts in the interface language now installed."""
        self.title_label.setText(self.tr("The database server is unreachable."))
        lines = [
            self.tr(
                "%n change(s) of this workup are not saved yet. They stay on screen and are "
                "saved as soon as the server answers.",
                "",
                self._waiting,
            )
        ]
        if self._last is not None:
            attempt = self.tr("Last try at %1.").replace("%1", clock_time(self._last))
            if self._next is not None:
                attempt += " " + self.tr("Next try at %1.").replace("%1", clock_time(self._next))
            lines.append(attempt)
        self.text_label.setText("\n".join(lines))
        self.retry_button.setText(self.tr("Retry now"))
        self.retry_button.setAccessibleName(self.tr("Retry saving now"))
        self.setAccessibleName(self.tr("The database server is unreachable."))

    def changeEvent(self, event: QEvent) -> None:
        """Follow a change of the interface language."""
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    @Slot()
    def _on_retry_button_clicked(self) -> None:
        self.retry_requested.emit()
