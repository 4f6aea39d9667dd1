"""The QApplication, its look, and the event loop with the unexpected-error hook installed."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QMainWindow, QStyleFactory

from app.gui.errors import ExceptionReporter
from app.startup import resume_collector

APPLICATION_NAME = "Ejaculatory Disorder Workup"

STYLE_SHEET = """
QWidget#sectionPage { background: #ffffff; }
QLabel#pageTitle { font-size: 17pt; font-weight: 600; color: #1f2a36; }
QLabel#sectionTitle { font-size: 15pt; font-weight: 600; color: #1f2a36; padding-bottom: 4px; }
QLabel#sectionNote {
    background: #f2f5f8; border-left: 3px solid #7b8fa3; padding: 8px 10px; color: #2b3742;
}
QLabel#patientName { font-size: 14pt; font-weight: 600; color: #1f2a36; }
QLabel#statusLine { color: #2b3742; }
QLabel#helpText { color: #5b6672; }
QLabel#inputError { color: #8a2b1d; }
QLabel#dialogTitle { font-size: 14pt; font-weight: 600; }
QLabel#instructions {
    background: #f7f8fa; border: 1px solid #dde2e7; border-radius: 3px; padding: 8px 10px;
}
QLabel#orderLabel { font-weight: 600; }
QFrame#workupHeader { background: #f2f5f8; border-bottom: 1px solid #d4dbe2; }
QFrame#orderFrame { border: 1px solid #dde2e7; border-radius: 4px; background: #fbfcfd; }
QListView#sectionNavigator { background: #f7f8fa; border: none; border-right: 1px solid #d4dbe2; }
QListView#sectionNavigator::item { padding: 6px 0px; border-bottom: 1px solid #e6eaee; }
QListView#sectionNavigator { padding-left: 6px; }
QListView#sectionNavigator::item:selected { background: #dde7f1; color: #1f2a36; }
QPushButton[ynu="true"] { padding: 3px 10px; }
QPushButton[ynu="true"]:checked {
    background: #3d5a78; color: #ffffff; border: 1px solid #2f4860; border-radius: 3px;
}
QPushButton#primaryButton { font-weight: 600; }
QToolBar#mainToolbar { spacing: 4px; padding: 2px 6px; }
"""


def create_application(argv: list[str]) -> QApplication:
    """The QApplication with a calm, readable look (Fusion, light palette)."""
    existing = QApplication.instance()
    application = existing if isinstance(existing, QApplication) else QApplication(argv)
    application.setApplicationName(APPLICATION_NAME)
    apply_look(application)
    return application


def apply_look(application: QApplication) -> None:
    """Fusion style, a light neutral palette and our style sheet."""
    style = QStyleFactory.create("Fusion")
    if style is not None:
        application.setStyle(style)
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#eef1f4"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f5f7f9"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#1f2a36"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#1f2a36"))
    palette.setColor(QPalette.ColorRole.Button, QColor("#f4f6f8"))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor("#1f2a36"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#3d5a78"))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor("#8b95a0"))
    application.setPalette(palette)
    font = QFont(application.font())
    font.setPointSizeF(max(font.pointSizeF(), 10.0))
    application.setFont(font)
    application.setStyleSheet(STYLE_SHEET)


def run(application: QApplication, window: QMainWindow) -> int:
    """Show `window` and run the event loop; unexpected errors are logged and shown."""
    previous = sys.excepthook
    sys.excepthook = ExceptionReporter(lambda: window)
    try:
        window.show()
        QTimer.singleShot(0, resume_collector)
        return application.exec()
    finally:
        sys.excepthook = previous
