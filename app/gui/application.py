"""The QApplication, its look, and the event loop with the unexpected-error hook installed."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QFont, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QMainWindow, QStyleFactory

from app.config import resources_dir
from app.gui.errors import ExceptionReporter
from app.startup import resume_collector

APPLICATION_NAME = "Ejaculatory Disorder Workup"
DESKTOP_FILE_NAME = "org.ejaculatory_disorder_workup.Workup"
"""The .desktop entry's name (packaging/): Wayland compositors and docks match the window to it."""
ICON_NAME = "ejaculatory-disorder-workup"
"""The application icon's SVG source in resources/icons/."""

ENABLED_COLORS = {
    QPalette.ColorRole.Window: "#eef1f4",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f5f7f9",
    QPalette.ColorRole.Text: "#1f2a36",
    QPalette.ColorRole.WindowText: "#1f2a36",
    QPalette.ColorRole.Button: "#f4f6f8",
    QPalette.ColorRole.ButtonText: "#1f2a36",
    QPalette.ColorRole.Highlight: "#3d5a78",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.PlaceholderText: "#8b95a0",
}
DISABLED_COLORS = {
    QPalette.ColorRole.Text: "#5f6a76",
    QPalette.ColorRole.WindowText: "#5f6a76",
    QPalette.ColorRole.ButtonText: "#5f6a76",
    QPalette.ColorRole.Base: "#f3f5f7",
    QPalette.ColorRole.Button: "#eceff2",
    QPalette.ColorRole.Highlight: "#b9c4cf",
    QPalette.ColorRole.HighlightedText: "#1f2a36",
}
"""Controls that cannot act (a finalized workup, an action with nothing open) look it:
greyer text on a flatter ground, still readable (contrast at least 4.5:1 on each ground)."""

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
QPushButton[ynu="true"]:checked:disabled {
    background: #c5cfd9; color: #1f2a36; border: 1px solid #9aa8b6; border-radius: 3px;
}
QLabel#emptyList { color: #5b6672; font-size: 12pt; }
QPushButton#primaryButton { font-weight: 600; }
QToolBar#mainToolbar { spacing: 4px; padding: 2px 6px; }
"""


def create_application(argv: list[str]) -> QApplication:
    """The QApplication with a calm, readable look (Fusion, light palette)."""
    existing = QApplication.instance()
    application = existing if isinstance(existing, QApplication) else QApplication(argv)
    application.setApplicationName(APPLICATION_NAME)
    application.setDesktopFileName(DESKTOP_FILE_NAME)
    application.setWindowIcon(application_icon())
    apply_look(application)
    return application


def icon_path(name: str) -> str:
    """A shipped icon file (SVG) by name."""
    return str(resources_dir() / "icons" / f"{name}.svg")


def application_icon() -> QIcon:
    """The application icon, drawn from its one SVG source at every size asked."""
    return QIcon(icon_path(ICON_NAME))


def apply_look(application: QApplication) -> None:
    """Fusion style, a light neutral palette and our style sheet."""
    style = QStyleFactory.create("Fusion")
    if style is not None:
        application.setStyle(style)
    application.setPalette(light_palette())
    font = QFont(application.font())
    font.setPointSizeF(max(font.pointSizeF(), 10.0))
    application.setFont(font)
    application.setStyleSheet(STYLE_SHEET)


def light_palette() -> QPalette:
    """The light palette: colours for every group first, then the disabled group's own."""
    palette = QPalette()
    for role, color in ENABLED_COLORS.items():
        palette.setColor(role, QColor(color))
    for role, color in DISABLED_COLORS.items():
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(color))
    return palette


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
