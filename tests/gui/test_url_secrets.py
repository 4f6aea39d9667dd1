# mypy: disable-error-code="no-untyped-call"
# (pytest-qt adds QtBot.keyClick, mouseClick, ... at run time, without annotations)
"""The window never shows a database password: start-up dialogs, status bar, about box,
settings; nor does the log file it writes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from app.catalog.loader import Catalog
from app.config import Settings
from app.gui.dialogs import SettingsDialog
from app.gui.main_window import MainWindow
from app.main import run_gui
from app.services import WorkupService
from tests.gui.support import Clock, Messages, apply_look_once
from tests.postgres import APP_PASSWORD, PostgresCluster
from tests.reliability.test_url_secrets import SECRET, SPELLINGS, assert_hidden


@pytest.fixture
def _log_handlers_removed() -> Iterator[None]:
    """run_gui adds a log file handler; it is closed and removed afterwards."""
    root = logging.getLogger()
    before = list(root.handlers)
    yield
    for handler in root.handlers:
        if handler not in before:
            root.removeHandler(handler)
            handler.close()


def _texts(widget: QWidget) -> str:
    """Every text a user can see in `widget` and its children."""
    parts = [widget.windowTitle()]
    parts += [label.text() for label in widget.findChildren(QLabel)]
    parts += [edit.text() for edit in widget.findChildren(QLineEdit)]
    return "\n".join(parts)


@pytest.mark.usefixtures("_log_handlers_removed")
@pytest.mark.parametrize(("url", "password"), SPELLINGS.values(), ids=SPELLINGS.keys())
def test_the_start_up_dialog_hides_the_password(
    url: str, password: str, messages: Messages, tmp_path: Path
) -> None:
    assert run_gui(url) == 1
    assert [kind for kind, _title, _text in messages.shown] == ["critical"]
    assert_hidden(messages.shown[0][2], password)
    log = tmp_path / "data" / "logs" / "workup.log"
    assert log.exists()
    assert_hidden(log.read_text(encoding="utf-8"), password)


def test_the_settings_show_the_url_without_its_password(qtbot: QtBot) -> None:
    url = f"postgresql+psycopg://workup:{SECRET}@db.clinic.local/workup"
    dialog = SettingsDialog(Settings(database_url=url))
    qtbot.addWidget(dialog)
    assert dialog.database_url.text() == "postgresql+psycopg://workup:***@db.clinic.local/workup"
    assert_hidden(_texts(dialog), SECRET)
    assert dialog.settings().database_url == url, "saved unchanged, the URL is kept"
    typed = "postgresql+psycopg://workup:other@db2.clinic.local/workup"
    dialog.database_url.setText(typed)
    assert dialog.settings().database_url == typed


@pytest.mark.postgres
def test_the_window_on_a_server_never_shows_the_password(
    qtbot: QtBot, pg_cluster: PostgresCluster, settings: Settings, shipped_catalog: Catalog
) -> None:
    name = pg_cluster.create_database()
    url = pg_cluster.url(name)
    assert APP_PASSWORD in url
    service = WorkupService.open(
        settings, url, clock=Clock(), catalog=shipped_catalog, auto_upgrade=True
    )
    try:
        apply_look_once()
        window = MainWindow(service, settings)
        qtbot.addWidget(window)
        window.show()
        status = window.statusBar().currentMessage()
        assert status.startswith("Database: postgresql+psycopg://workup_app:***@")
        about = window.show_about()
        assert_hidden(status + _texts(window) + _texts(about), APP_PASSWORD)
        about.close()
    finally:
        service.close()
        pg_cluster.drop_database(name)
