# mypy: disable-error-code="no-untyped-call"
# (pytest-qt adds QtBot.keyClick, mouseClick, ... at run time, without annotations)
"""Messages of the service and domain layers in the interface language."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.config import Settings
from app.gui import i18n
from app.gui.fields import NumberField
from app.gui.main_window import MainWindow
from app.gui.messages import MESSAGE_TEMPLATES, error_message
from app.services import ConflictError, InvalidInputError, WorkupService
from tests.gui.support import CLINICIAN, WORKFLOW_ID

APP = Path(__file__).resolve().parents[2] / "app"


def _templates_in_code() -> set[str]:
    """Every message template the domain and service code hands to an error."""
    found: set[str] = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else None
                name = node.func.id if isinstance(node.func, ast.Name) else name
                position = {"of": 0, "_fail": 1, "AnswerError": 1}.get(name or "")
                if position is not None and len(node.args) > position:
                    argument = node.args[position]
                    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                        found.add(argument.value)
            elif (
                isinstance(node, ast.Assign)
                and any(
                    isinstance(target, ast.Attribute) and target.attr == "template"
                    for target in node.targets
                )
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                found.add(node.value.value)
    return found


def test_every_template_in_the_code_is_marked_for_translation() -> None:
    templates = _templates_in_code()
    assert len(templates) >= 30
    assert templates <= set(MESSAGE_TEMPLATES), sorted(templates - set(MESSAGE_TEMPLATES))


@pytest.fixture
def russian(qapp: object) -> Iterator[None]:
    assert i18n.set_language("ru") == []
    yield
    i18n.set_language("en")


@pytest.mark.usefixtures("russian")
def test_service_errors_are_shown_in_russian(gui_service: WorkupService) -> None:
    with pytest.raises(InvalidInputError) as caught:
        gui_service.create_patient("", "Pavel", date(1980, 5, 1))
    assert str(caught.value) == "the family name is empty"
    assert error_message(caught.value) == "не указана фамилия"
    conflict = ConflictError("item a was changed by B at T", "a", None, "B")
    conflict.template = "item {item} was changed by {who} at {when}"
    conflict.params = {"item": "a", "who": "B", "when": "T"}
    assert error_message(conflict).startswith("пункт a изменён: B")
    assert error_message(ValueError("plain")) == "plain"


@pytest.mark.usefixtures("russian")
def test_an_invalid_entry_is_explained_in_russian(
    qtbot: QtBot, gui_service: WorkupService, settings: Settings
) -> None:
    patient = gui_service.create_patient("Иванов", "Павел", date(1980, 5, 1), "C-1")
    assert patient.id is not None
    encounter = gui_service.start_encounter(patient.id, WORKFLOW_ID, CLINICIAN)
    assert encounter.id is not None
    window = MainWindow(gui_service, replace(settings, language="ru"))
    qtbot.addWidget(window)
    window.open_encounter(encounter.id)
    volume = window.workup.field("hx_sx_volume_estimate")
    assert isinstance(volume, NumberField)
    qtbot.keyClicks(volume.line, "-3")
    qtbot.waitUntil(lambda: not volume.error_label.isHidden())
    assert volume.error_label.text() == "-3 меньше наименьшего возможного значения 0."
