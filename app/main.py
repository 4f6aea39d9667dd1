"""Entry point of the window application: the one place that wires settings, database and GUI."""

from __future__ import annotations

import logging
import sys


def run_gui(database_url: str | None = None) -> int:
    """Start the application window; return the process exit code."""
    from app.services import ServiceError, WorkupService, hide_secrets, load_storage

    load_storage()  # before Qt, which slows the imports that come after it
    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtWidgets import QMessageBox

    from app.config import (
        ConfigError,
        load_settings,
        resolve_database_url,
        settings_path,
        setup_logging,
    )
    from app.gui.application import APPLICATION_NAME, create_application, run
    from app.gui.i18n import set_language
    from app.gui.main_window import MainWindow

    application = create_application(sys.argv[:1])
    setup_logging()
    log = logging.getLogger("app.main")
    try:
        settings = load_settings()
    except ConfigError as error:
        QMessageBox.critical(None, APPLICATION_NAME, str(error))
        return 1
    first_start = not settings_path().exists()
    set_language(settings.language)
    try:
        service = WorkupService.open(settings, database_url)
    except ServiceError as error:
        log.error("database could not be opened: %s", type(error).__name__)
        QMessageBox.critical(
            None,
            APPLICATION_NAME,
            # The message quotes the URL with its password hidden; hiding it once more
            # here also covers a library message that quotes it as written.
            hide_secrets(str(error), [resolve_database_url(database_url, settings)])
            + "\n\n"
            + QCoreApplication.translate(
                "main",
                "The database file was left as it is. Check the database setting "
                "or ask the clinic's IT support.",
            ),
        )
        return 1
    try:
        window = MainWindow(service, settings)
        from app.gui import probe

        if probe.wanted():
            probe.watch(window.list_page.table)
        if first_start:
            QTimer.singleShot(0, window.welcome)
        QTimer.singleShot(0, window.start_backups)
        return run(application, window)
    finally:
        service.close()
