"""Property-based tests: the workflow loader and the JSON import on arbitrary and mutated input.

Either the input is accepted or the layer's own error is raised; nothing else escapes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.catalog.loader import Catalog
from app.catalog.problems import WorkflowFileError
from app.catalog.rules import parse_workflow
from app.config import Settings, shipped_workflows_dir
from app.services import InvalidInputError, WorkupService
from tests.support import WORKFLOW_ID

SHIPPED = (shipped_workflows_dir() / f"{WORKFLOW_ID}.toml").read_text(encoding="utf-8")
SHIPPED_LINES = SHIPPED.splitlines(keepends=True)
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
TOML_BITS = [
    "[[sections]]\n",
    "[[sections.items]]\n",
    'id = "x"\n',
    "=",
    '"',
    "'''",
    "]",
    "{",
    "\x00",
]


@st.composite
def mutated_toml(draw: st.DrawFn) -> str:
    """The shipped workflow with a few lines deleted, duplicated, cut or garbled."""
    lines = list(SHIPPED_LINES)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "cut", "insert", "swap"]))
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "cut":
            line = lines[index]
            lines[index] = line[: draw(st.integers(0, len(line)))]
        elif action == "insert":
            lines.insert(index, draw(st.sampled_from(TOML_BITS) | st.text(max_size=30)))
        else:
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
    return "".join(lines)


@FUZZ
@given(st.text(max_size=300) | st.sampled_from(TOML_BITS).map(lambda bit: bit * 3))
def test_arbitrary_text_is_a_workflow_or_a_workflow_file_error(text: str) -> None:
    try:
        parse_workflow(text, "fuzz.toml")
    except WorkflowFileError as error:
        assert error.problems  # noqa: PT017  # the text may also load, so no pytest.raises


@settings(max_examples=80, deadline=None)
@given(mutated_toml())
def test_a_mutated_shipped_workflow_loads_or_reports_problems(text: str) -> None:
    try:
        parse_workflow(text, "mutated.toml")
    except WorkflowFileError as error:
        problems = [str(problem) for problem in error.problems]
        assert problems
        assert all(problem.startswith("mutated.toml:") for problem in problems)


@pytest.fixture(scope="module")
def import_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkupService]:
    """A service on a real temporary database, shared by the import examples."""
    path = tmp_path_factory.mktemp("import") / "import.sqlite3"
    service = WorkupService.open(Settings(), f"sqlite:///{path}", catalog=_catalog())
    yield service
    service.close()


def _catalog() -> Catalog:
    return Catalog.load([shipped_workflows_dir()])


@pytest.fixture(scope="module")
def exported(import_service: WorkupService) -> dict[str, Any]:
    """A real exported document to mutate."""
    patient = import_service.create_patient("Fuzz", "Frank", date(1970, 2, 3), "FUZZ-1")
    encounter = import_service.start_encounter(patient.id or 0, WORKFLOW_ID, "Dr. Fuzz")
    import_service.set_answer(encounter.id or 0, "sx_notes", "note", "Dr. Fuzz")
    document: dict[str, Any] = json.loads(import_service.export_document(encounter.id or 0))
    return document


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _places(value: Any, trail: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield trail
    if isinstance(value, dict):
        for key, child in value.items():
            if key != "definition":  # the workflow text has its own fuzz test above
                yield from _places(child, (*trail, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _places(child, (*trail, index))


@st.composite
def mutated_documents(draw: st.DrawFn, original: dict[str, Any]) -> dict[str, Any]:
    """`original` with one to three values replaced or removed, and a fresh uid."""
    document: dict[str, Any] = json.loads(json.dumps(original))
    document["encounter"]["uid"] = draw(st.uuids()).hex
    for _ in range(draw(st.integers(1, 3))):
        places = [place for place in _places(document) if place]
        trail = draw(st.sampled_from(places))
        parent: Any = document
        for step in trail[:-1]:
            parent = parent[step]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[trail[-1]]
        else:
            parent[trail[-1]] = draw(JSON_VALUES)
    return document


def _import(service: WorkupService, text: str | bytes) -> None:
    try:
        service.import_document(text, actor="fuzz")
    except InvalidInputError as error:
        assert str(error).strip()  # noqa: PT017  # the input may also be accepted


@FUZZ
@given(data=st.data())
def test_a_mutated_document_imports_or_is_refused_as_invalid(
    import_service: WorkupService, exported: dict[str, Any], data: st.DataObject
) -> None:
    document = data.draw(mutated_documents(exported))
    _import(import_service, json.dumps(document, ensure_ascii=data.draw(st.booleans())))


@FUZZ
@given(raw=JSON_VALUES.map(json.dumps) | st.text(max_size=200) | st.binary(max_size=200))
def test_arbitrary_input_is_refused_as_invalid(import_service: WorkupService, raw: Any) -> None:
    _import(import_service, raw)
    assert import_service.verify_audit().ok


def test_an_import_does_not_touch_other_files(tmp_path: Path) -> None:
    """A refused import writes nothing but the database it was given."""
    path = tmp_path / "one.sqlite3"
    service = WorkupService.open(Settings(), f"sqlite:///{path}", catalog=_catalog())
    try:
        with pytest.raises(InvalidInputError):
            service.import_document(b"\xff\xfe not json", actor="fuzz")
    finally:
        service.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.sqlite3"]
