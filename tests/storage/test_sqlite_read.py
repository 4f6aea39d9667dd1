"""The direct SQLite reader: the repository's objects, its errors, and files it refuses."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from app.catalog.loader import Catalog
from app.catalog.rules import parse_workflow
from app.config import Settings
from app.domain.encounter import EncounterStatus, OrderState, OrderStatus
from app.domain.values import YnuDetails
from app.domain.workflow import Workflow
from app.services import WorkupService
from app.storage.database import sqlite_file
from app.storage.errors import NotFoundError, StorageError
from app.storage.filecheck import plain_sqlite_path
from app.storage.sqlite_read import DirectReadError, read_encounter
from tests.conftest import WORKFLOW_ID, FixedClock

ROOT = Path(__file__).resolve().parents[2]
CLINICIAN = "Dr. Petrova"


def _parse(content_hash: str, source_text: str) -> Workflow:
    return parse_workflow(source_text, f"snapshot {content_hash[:12]}")


@dataclass(frozen=True)
class Stored:
    """A SQLite file with encounters in every state, and their ids."""

    path: Path
    draft: int
    finalized: int
    amended: int
    amending: int
    empty: int

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    @property
    def ids(self) -> list[int]:
        return [self.draft, self.finalized, self.amended, self.amending, self.empty]


def _start(service: WorkupService, family: str, chart: str) -> int:
    patient = service.create_patient(family, "Ivan", date(1980, 5, 17), chart)
    encounter = service.start_encounter(patient.id or 0, WORKFLOW_ID, CLINICIAN, "ru")
    assert encounter.id is not None
    return encounter.id


EVERY_KIND: dict[str, object] = {
    "visit_main_complaint": "Сухой оргазм <since> 2024 & more",
    "hx_sx_low_volume": "yes",
    "hx_sx_dry_orgasm": "unknown",
    "hx_sx_urinary": YnuDetails("yes", "weak stream"),
    "hx_onset_pattern": "acquired",
    "hx_onset_context": ("surgery", "medicine"),
    "hx_sx_volume_estimate": Decimal("0.50"),
    "hx_onset_date": "2024-03",
    "sa_collection_datetime": "2026-11-20T08:30",
    "hx_no_factor_identified": True,
}
ORDERS = {
    "lab_testosterone": OrderState(OrderStatus.ORDERED, date(2026, 11, 21), "morning sample"),
    "lab_cbc": OrderState(OrderStatus.DONE_ELSEWHERE, date(2026, 10, 1), ""),
    "ref_psych": OrderState(OrderStatus.DECLINED),
    "lab_psa": OrderState(OrderStatus.NOT_INDICATED, None, "under 40"),
}


@pytest.fixture
def stored(tmp_path: Path, clock: FixedClock, shipped_catalog: Catalog) -> Stored:
    path = tmp_path / "read.sqlite3"
    service = WorkupService.open(Settings(), f"sqlite:///{path}", clock=clock)
    try:
        draft = _start(service, "Draft", "")
        for item_id, value in EVERY_KIND.items():
            service.set_answer(draft, item_id, value, CLINICIAN)  # type: ignore[arg-type]
        for item_id, state in ORDERS.items():
            service.set_order(draft, item_id, state, CLINICIAN)
        finalized = _start(service, "Final", "F-1")
        service.set_answer(finalized, "visit_main_complaint", "dry orgasm", CLINICIAN)
        service.set_order(finalized, "lab_cbc", ORDERS["lab_cbc"], CLINICIAN)
        service.finalize(finalized, CLINICIAN)
        amended = _start(service, "Amended", "A-1")
        service.set_answer(amended, "visit_main_complaint", "low volume", CLINICIAN)
        service.finalize(amended, CLINICIAN)
        clock.now += timedelta(hours=1, microseconds=250)
        service.amend(amended, "Lab called: sample mislabelled", "Dr. Other")
        service.set_answer(amended, "hx_sx_fever", "yes", "Dr. Other")
        service.finalize(amended, "Dr. Other")
        amending = _start(service, "Amending", "A-2")
        service.set_answer(amending, "visit_main_complaint", "cloudy urine", CLINICIAN)
        service.finalize(amending, CLINICIAN)
        for number in (1, 2):
            clock.now += timedelta(minutes=5)
            service.amend(amending, f"addendum {number}", CLINICIAN)
            if number == 1:
                service.finalize(amending, CLINICIAN)
        empty = _start(service, "Empty", "E-1")
        service.set_answer(empty, "visit_date", None, CLINICIAN)
        service.set_answer(empty, "visit_clinician", None, CLINICIAN)
    finally:
        service.close()
    return Stored(path, draft, finalized, amended, amending, empty)


def _file_state(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def test_the_reader_gives_what_the_repository_gives(stored: Stored) -> None:
    service = WorkupService.open(Settings(), stored.url)
    try:
        expected = {
            encounter_id: (
                service.encounter(encounter_id),
                service.encounter_workflow(encounter_id),
            )
            for encounter_id in stored.ids
        }
    finally:
        service.close()
    before = _file_state(stored.path)
    for encounter_id, (encounter, workflow) in expected.items():
        read, read_workflow = read_encounter(stored.path, encounter_id, _parse)
        assert read == encounter
        assert list(read.answers) == list(encounter.answers)
        assert list(read.orders) == list(encounter.orders)
        assert read_workflow == workflow
        assert read_workflow.content_hash == encounter.workflow_hash
    assert _file_state(stored.path) == before


def test_the_stored_states_cover_every_case(stored: Stored) -> None:
    draft = read_encounter(stored.path, stored.draft, _parse)[0]
    assert draft.status is EncounterStatus.DRAFT
    assert draft.patient.chart_number == ""
    assert draft.orders == ORDERS
    assert draft.answers["hx_onset_context"] == ("medicine", "surgery")
    assert str(draft.answers["hx_sx_volume_estimate"]) == "0.50"
    assert {key: draft.answers[key] for key in EVERY_KIND if key != "hx_onset_context"} == {
        key: value for key, value in EVERY_KIND.items() if key != "hx_onset_context"
    }
    finalized = read_encounter(stored.path, stored.finalized, _parse)[0]
    assert finalized.status is EncounterStatus.FINALIZED
    assert finalized.finalized_at is not None
    assert finalized.finalized_at.utcoffset() == timedelta(0)
    amended = read_encounter(stored.path, stored.amended, _parse)[0]
    assert amended.status is EncounterStatus.AMENDED
    (addendum,) = amended.addenda
    assert addendum.signed_by == "Dr. Other"
    assert addendum.signed_at is not None
    assert addendum.signed_at.microsecond == 250
    amending = read_encounter(stored.path, stored.amending, _parse)[0]
    assert amending.status is EncounterStatus.AMENDING
    assert [(a.seq, a.signed_at is None) for a in amending.addenda] == [(1, False), (2, True)]
    assert read_encounter(stored.path, stored.empty, _parse)[0].answers == {}


def test_a_missing_encounter_is_not_found_as_the_repository_says(stored: Stored) -> None:
    service = WorkupService.open(Settings(), stored.url)
    try:
        with pytest.raises(Exception, match="no encounter") as expected:
            service.encounter(999)
    finally:
        service.close()
    with pytest.raises(NotFoundError) as raised:
        read_encounter(stored.path, 999, _parse)
    assert str(raised.value) == str(expected.value) == "no encounter with id 999"


def test_an_unreadable_answer_is_named_as_the_repository_names_it(stored: Stored) -> None:
    connection = sqlite3.connect(stored.path)
    with connection:
        connection.execute(
            "UPDATE answers SET value_json = '\"sometimes\"' "
            "WHERE encounter_id = ? AND item_id = 'hx_sx_low_volume'",
            (stored.draft,),
        )
    connection.close()
    service = WorkupService.open(Settings(), stored.url)
    try:
        with pytest.raises(Exception, match="unreadable") as expected:
            service.encounter(stored.draft)
    finally:
        service.close()
    with pytest.raises(StorageError) as raised:
        read_encounter(stored.path, stored.draft, _parse)
    assert str(raised.value) == str(expected.value)
    assert str(raised.value).startswith(f"encounter {stored.draft}: stored answer hx_sx_low_volume")


def _set_revision(path: Path, revision: str) -> None:
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    connection.close()


def _drop_revision(path: Path) -> None:
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("DROP TABLE alembic_version")
    connection.close()


def _not_a_database(path: Path) -> None:
    path.write_bytes(b"%PDF-1.4\n% a summary saved under the wrong name\n" * 100)


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda path: _set_revision(path, "0001"), id="older schema"),
        pytest.param(lambda path: _set_revision(path, "9999"), id="newer schema"),
        pytest.param(_drop_revision, id="no schema"),
        pytest.param(_not_a_database, id="not a database"),
        pytest.param(lambda path: path.write_bytes(b""), id="empty file"),
    ],
)
def test_a_file_the_reader_cannot_be_sure_of_is_refused_untouched(
    stored: Stored, spoil: object
) -> None:
    assert callable(spoil)
    spoil(stored.path)
    before = _file_state(stored.path)
    with pytest.raises(DirectReadError):
        read_encounter(stored.path, stored.draft, _parse)
    assert _file_state(stored.path) == before


def test_a_missing_file_or_a_folder_is_refused_and_nothing_is_created(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite3"
    with pytest.raises(DirectReadError):
        read_encounter(missing, 1, _parse)
    with pytest.raises(DirectReadError):
        read_encounter(tmp_path, 1, _parse)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////tmp/work/up.sqlite3",
        "sqlite:///relative/up.sqlite3",
        "sqlite:///~/up.sqlite3",
        "sqlite+pysqlite:////tmp/up.sqlite3",
        "sqlite:////tmp/with space/up.sqlite3",
        "sqlite:////tmp/a:b@c.sqlite3",
    ],
)
def test_plain_sqlite_urls_give_the_file_sqlalchemy_gives(url: str) -> None:
    assert plain_sqlite_path(url) == sqlite_file(url)
    assert plain_sqlite_path(url) is not None


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///",
        "sqlite:///:memory:",
        "sqlite:///file:up.sqlite3?mode=ro&uri=true",
        "sqlite:////tmp/up.sqlite3?timeout=30",
        "sqlite:////tmp/up%20down.sqlite3",
        "sqlite+aiosqlite:////tmp/up.sqlite3",
        "postgresql://clinic@server/workup",
    ],
)
def test_other_urls_are_left_to_sqlalchemy(url: str) -> None:
    assert plain_sqlite_path(url) is None


def test_the_reader_and_the_services_load_without_sqlalchemy() -> None:
    code = (
        "import sys, app.services, app.storage, app.storage.sqlite_read; "
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'sqlalchemy'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"
