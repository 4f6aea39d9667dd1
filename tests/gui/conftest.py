# mypy: disable-error-code="no-untyped-call"
# (pytest-qt adds QtBot.keyClick, mouseClick, ... at run time, without annotations)
"""GUI test fixtures: offscreen Qt, isolated folders, a service on a temporary database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.catalog.loader import Catalog
from app.config import Settings
from app.gui.i18n import set_language
from app.gui.main_window import MainWindow
from app.services import WorkupService
from tests.gui.support import CLINICIAN, Clock, Messages, apply_look_once

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _gui_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real user's settings or data."""
    monkeypatch.setenv("WORKUP_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WORKUP_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    """A test that switches the interface language leaves English for the next one."""
    yield
    set_language("en")


@pytest.fixture(autouse=True)
def messages(monkeypatch: pytest.MonkeyPatch) -> Messages:
    """Replace modal message boxes by a recorder."""
    record = Messages()

    def recorder(kind: str) -> Any:
        def show(_parent: object, title: str, text: str, *_args: object) -> Any:
            record.shown.append((kind, title, text))
            return record.answer if kind == "question" else QMessageBox.StandardButton.Ok

        return staticmethod(show)

    for kind in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, kind, recorder(kind))
    return record


@pytest.fixture
def settings() -> Settings:
    """Settings with a default clinician."""
    return Settings(clinic_name="Test clinic", default_clinician=CLINICIAN)


@pytest.fixture
def gui_service(
    tmp_path: Path, settings: Settings, shipped_catalog: Catalog
) -> Iterator[WorkupService]:
    """A service on a fresh database."""
    service = WorkupService.open(
        settings, f"sqlite:///{tmp_path}/t.sqlite3", clock=Clock(), catalog=shipped_catalog
    )
    yield service
    service.close()


@pytest.fixture
def window(qtbot: QtBot, gui_service: WorkupService, settings: Settings) -> MainWindow:
    """The main window, shown."""
    apply_look_once()
    main = MainWindow(gui_service, settings)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    main.activateWindow()
    # Shortcuts reach only the active window; on a busy X server activation takes a moment.
    qtbot.waitUntil(main.isActiveWindow, timeout=10_000)
    return main
