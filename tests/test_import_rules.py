"""Import applies the rules of entry and of the lifecycle; entry and import share the limits."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.services import InvalidInputError, WorkupService
from tests.support import WORKFLOW_ID

Change = Callable[[dict[str, Any]], None]


@pytest.fixture
def signed_document(service: WorkupService) -> dict[str, Any]:
    """The exported document of a finalized encounter with an amendment signed."""
    patient = service.create_patient("Ivanov", "Pavel", date(1980, 5, 1), "C-1")
    assert patient.id is not None
    encounter = service.start_encounter(patient.id, WORKFLOW_ID, "Dr. A")
    assert encounter.id is not None
    service.set_answer(encounter.id, "visit_main_complaint", "Dry orgasm", "Dr. A")
    service.finalize(encounter.id, "Dr. A")
    service.amend(encounter.id, "Patient recalled an operation", "Dr. A")
    service.finalize(encounter.id, "Dr. A")
    document: dict[str, Any] = json.loads(service.export_document(encounter.id))
    return document


def _set(path: str, value: object) -> Change:
    def change(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = document
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value

    return change


def _new_patient_and_uid(document: dict[str, Any]) -> None:
    document["patient"]["chart_number"] = "C-2"
    document["encounter"]["uid"] = "11111111-2222-4333-8444-555555555555"


REFUSED: dict[str, tuple[list[Change], str]] = {
    "blank signer": ([_set("encounter.finalized_by", "  ")], "encounter.finalized_by"),
    "blank reason": ([_set("encounter.addenda.0.reason", "")], "encounter.addenda[0].reason"),
    "blank addendum signer": (
        [_set("encounter.addenda.0.signed_by", " ")],
        "encounter.addenda[0].signed_by",
    ),
    "updated before created": (
        [_set("encounter.updated_at", "2000-01-01T00:00:00+00:00")],
        "encounter.updated_at",
    ),
    "signed before created": (
        [_set("encounter.finalized_at", "2000-01-01T00:00:00+00:00")],
        "encounter.finalized_at",
    ),
    "addendum opened before the signature": (
        [_set("encounter.addenda.0.opened_at", "2026-11-21T11:00:00+00:00")],
        "encounter.addenda[0].opened_at",
    ),
    "a time in the future": (
        [
            _set("encounter.addenda.0.signed_at", "2030-01-01T00:00:00+00:00"),
            _set("encounter.updated_at", "2030-01-01T00:00:00+00:00"),
        ],
        "is in the future",
    ),
    "not a UUID": ([_set("encounter.uid", "encounter-1")], "encounter.uid"),
    "birth date in the future": ([_set("patient.birth_date", "2030-01-01")], "patient.birth_date"),
    "birth date before 1900": ([_set("patient.birth_date", "1899-12-31")], "patient.birth_date"),
    "a name with a line break": (
        [_set("patient.family_name", "Ivanov\nPetrov")],
        "patient.family_name",
    ),
    "a name too long": ([_set("patient.given_name", "P" * 201)], "patient.given_name"),
    "a NUL in a name": ([_set("encounter.clinician", "Dr.\x00A")], "encounter.clinician"),
    "a huge number": (
        [_set("answers.hx_sx_volume_estimate", "1e1000000")],
        "answers.hx_sx_volume_estimate",
    ),
    "a note too long": (
        [_set("answers.visit_main_complaint", "x" * 100_001)],
        "answers.visit_main_complaint",
    ),
    "a required item unanswered in a signed encounter": (
        [lambda document: document["answers"].pop("visit_main_complaint")],
        "required item 'visit_main_complaint' is not answered",
    ),
}


@pytest.mark.parametrize(("changes", "named"), REFUSED.values(), ids=REFUSED)
def test_import_refuses_what_entry_or_the_lifecycle_would_refuse(
    service: WorkupService, signed_document: dict[str, Any], changes: list[Change], named: str
) -> None:
    _new_patient_and_uid(signed_document)
    for change in changes:
        change(signed_document)
    before = service.count_encounters()
    with pytest.raises(InvalidInputError, match=named.replace("[", r"\[").replace("]", r"\]")):
        service.import_document(json.dumps(signed_document), actor="import")
    assert service.count_encounters() == before


def test_the_unchanged_document_imports(
    service: WorkupService, signed_document: dict[str, Any]
) -> None:
    _new_patient_and_uid(signed_document)
    encounter_id = service.import_document(json.dumps(signed_document), actor="import")
    assert service.encounter(encounter_id).answers["visit_main_complaint"] == "Dry orgasm"


def test_a_uid_in_another_spelling_is_the_same_encounter(
    service: WorkupService, signed_document: dict[str, Any]
) -> None:
    _new_patient_and_uid(signed_document)
    signed_document["encounter"]["uid"] = "{11111111-2222-4333-8444-555555555555}".upper()
    encounter_id = service.import_document(json.dumps(signed_document), actor="import")
    assert service.encounter(encounter_id).uid == "11111111-2222-4333-8444-555555555555"
    signed_document["encounter"]["uid"] = " 11111111-2222-4333-8444-555555555555 "
    with pytest.raises(InvalidInputError, match="already in the database"):
        service.import_document(json.dumps(signed_document), actor="import")


@pytest.mark.parametrize(
    ("family", "given", "chart", "words"),
    [
        ("F" * 201, "Given", "", "family name is longer than 200"),
        ("Family", "Given\tTab", "", "given name holds a line break, tab"),
        ("Family", "Given", "C\x00", "chart number holds a NUL"),
    ],
)
def test_entry_refuses_the_same_limits(
    service: WorkupService, family: str, given: str, chart: str, words: str
) -> None:
    with pytest.raises(InvalidInputError, match=words):
        service.create_patient(family, given, date(1980, 5, 1), chart)


def test_a_number_answer_is_bounded_in_digits_and_exponent(service: WorkupService) -> None:
    patient = service.create_patient("Ivanov", "Pavel", date(1980, 5, 1), "C-1")
    assert patient.id is not None
    encounter = service.start_encounter(patient.id, WORKFLOW_ID, "Dr. A")
    assert encounter.id is not None
    for huge in ("1e31", "1" * 31, "1e-31"):
        with pytest.raises(InvalidInputError, match="digits or is beyond"):
            service.set_answer(encounter.id, "hx_sx_volume_estimate", huge, "Dr. A")
    with pytest.raises(InvalidInputError, match="NUL"):
        service.set_answer(encounter.id, "visit_main_complaint", "a\x00b", "Dr. A")


def test_a_chart_number_of_another_patient_is_refused_whatever_differs(
    service: WorkupService, signed_document: dict[str, Any]
) -> None:
    signed_document["encounter"]["uid"] = "11111111-2222-4333-8444-555555555555"
    for field, value in (
        ("given_name", "Petr"),
        ("family_name", "Petrov"),
        ("birth_date", "1981-05-01"),
    ):
        document = json.loads(json.dumps(signed_document))
        document["patient"][field] = value
        with pytest.raises(InvalidInputError, match="belongs to another patient"):
            service.import_document(json.dumps(document), actor="import")
    assert service.count_encounters() == 1
    encounter_id = service.import_document(json.dumps(signed_document), actor="import")
    assert service.encounter(encounter_id).patient.id == service.encounter(1).patient.id


def test_another_definition_under_a_stored_id_and_version_is_refused(
    service: WorkupService, signed_document: dict[str, Any]
) -> None:
    _new_patient_and_uid(signed_document)
    definition = signed_document["workflow"]["definition"]
    changed = definition.replace("Main complaint", "Main complaint (changed)", 1)
    assert changed != definition
    signed_document["workflow"]["definition"] = changed
    signed_document["workflow"]["content_hash"] = hashlib.sha256(changed.encode()).hexdigest()
    with pytest.raises(InvalidInputError, match="not the definition stored here"):
        service.import_document(json.dumps(signed_document), actor="import")
    assert service.count_encounters() == 1


@pytest.mark.parametrize("command", [["encounters", "list"], ["db", "upgrade"]])
def test_a_file_of_another_application_is_never_migrated_into(
    tmp_path: Path, command: list[str]
) -> None:
    foreign = tmp_path / "notes.sqlite3"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        connection.execute("INSERT INTO notes (text) VALUES ('a recipe')")
    before = foreign.read_bytes()
    completed = subprocess.run(
        [sys.executable, "-m", "app", "--database-url", f"sqlite:///{foreign}", *command],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1
    assert completed.stderr.count("\n") == 1
    assert f"{foreign}: not a workup database: it holds other tables (notes)" in completed.stderr
    assert foreign.read_bytes() == before
    with sqlite3.connect(foreign) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert tables == {"notes"}


def test_a_new_file_is_still_initialised(tmp_path: Path) -> None:
    fresh = tmp_path / "new.sqlite3"
    completed = subprocess.run(
        [sys.executable, "-m", "app", "--database-url", f"sqlite:///{fresh}", "encounters", "list"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    with sqlite3.connect(fresh) as connection:
        assert connection.execute("SELECT count(*) FROM encounters").fetchone() == (0,)
