"""Error reporting: expected service errors say what to do; anything else is logged and shown."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from app.config import log_path
from app.gui.messages import error_message
from app.services import (
    ConflictError,
    InvalidInputError,
    LockedError,
    NotFoundError,
    ServiceError,
    UnavailableError,
)

log = logging.getLogger("app.gui")


def service_error_text(error: ServiceError) -> str:
    """What happened and what to do, for an expected error."""
    message = error_message(error)
    if isinstance(error, UnavailableError):
        advice = QCoreApplication.translate(
            "errors",
            "The database cannot be used right now. Check the network connection or the "
            "database setting, then try again. What was saved before is kept.",
        )
    elif isinstance(error, LockedError):
        advice = QCoreApplication.translate(
            "errors", "This workup is signed. Use Amend… to add an addendum with a reason."
        )
    elif isinstance(error, ConflictError):
        advice = QCoreApplication.translate(
            "errors",
            "Another workstation changed this item (%1). Its value is shown now; "
            "enter your change again if it is still needed.",
        ).replace("%1", error.updated_by)
    elif isinstance(error, InvalidInputError):
        advice = QCoreApplication.translate("errors", "Correct the entry and try again.")
    elif isinstance(error, NotFoundError):
        advice = QCoreApplication.translate(
            "errors", "It may have been removed on another workstation. Refresh the list."
        )
    else:
        advice = QCoreApplication.translate(
            "errors", "Try again; if it keeps happening, tell the clinic's IT support."
        )
    return f"{message[:1].upper()}{message[1:]}.\n\n{advice}" if message else advice


def show_service_error(parent: QWidget | None, title: str, error: ServiceError) -> None:
    """Tell the user about an expected error; logged without its text (it may name a patient)."""
    log.warning("%s: %s", title, type(error).__name__)
    QMessageBox.warning(parent, title, service_error_text(error))


class ExceptionReporter:
    """A sys.excepthook: logs an unexpected exception and shows a short dialog; the app goes on.

    The log gets the exception type and the code locations only: exception messages can
    hold patient names or free text, so they are not written.
    """

    def __init__(self, parent: Callable[[], QWidget | None]) -> None:
        self._parent = parent
        self._showing = False

    def __call__(
        self,
        kind: type[BaseException],
        error: BaseException,
        trace: TracebackType | None,
    ) -> None:
        """Handle one uncaught exception."""
        locations = "".join(traceback.format_tb(trace))
        log.error("unexpected %s\n%s", kind.__name__, locations)
        if self._showing:
            return
        self._showing = True
        try:
            QMessageBox.critical(
                self._parent(),
                QCoreApplication.translate("errors", "Unexpected error"),
                QCoreApplication.translate(
                    "errors",
                    "Something went wrong (%1). The last action may not have finished; "
                    "changes saved before it are kept.\n\nDetails were written to the log "
                    "file:\n%2",
                )
                .replace("%1", kind.__name__)
                .replace("%2", str(log_path())),
            )
        finally:
            self._showing = False
