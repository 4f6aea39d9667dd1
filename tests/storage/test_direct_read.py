"""The direct reader (SQLite file and clinic server): the repository's objects, its errors,
the databases it refuses, and its schema checked column by column against the ORM models."""

from __future__ import annotations

import io
import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest

from app.catalog.loader import Catalog
from app.catalog.rules import parse_workflow
from app.config import Settings
from app.domain.encounter import Encounter, EncounterStatus, OrderState, OrderStatus
from app.domain.values import YnuDetails
from app.domain.workflow import Workflow
from app.services import UnavailableError, WorkupService, export_summary_pdf
from app.storage.database import sqlite_file
from app.storage.direct_read import (
    COLUMNS,
    READER_REVISION,
    DirectReadError,
    read_encounter,
    read_server_encounter,
    select,
    server_conninfo,
)
from app.storage.errors import NotFoundError, StorageError
from app.storage.filecheck import plain_sqlite_path
from app.storage.models import Base
from app.storage.revisions import HEAD_REVISION
from tests.postgres import BACKENDS, free_port, raw_engine
from tests.support import WORKFLOW_ID, FixedClock

ROOT = Path(__file__).resolve().parents[2]
# The moment of printing, which differs between two PDFs of the same encounter.
PDF_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?|\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}")
CLINICIAN = "Dr. Petrova"


def _parse(content_hash: str, source_text: str) -> Workflow:
    return parse_workflow(source_text, f"snapshot {content_hash[:12]}")


@dataclass(frozen=True)
class Stored:
    """A database with encounters in every state, and their ids."""

    url: str
    draft: int
    finalized: int
    amended: int
    amending: int
    empty: int

    @property
    def path(self) -> Path:
        path = plain_sqlite_path(self.url)
        assert path is not None
        return path

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
def stored(database_url: str, clock: FixedClock, shipped_catalog: Catalog) -> Stored:
    service = WorkupService.open(Settings(), database_url, clock=clock, auto_upgrade=True)
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
    return Stored(database_url, draft, finalized, amended, amending, empty)


def _read(stored: Stored, encounter_id: int) -> tuple[Encounter, Workflow]:
    if stored.url.startswith("sqlite"):
        return read_encounter(stored.path, encounter_id, _parse)
    return read_server_encounter(stored.url, encounter_id, _parse)


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return PDF_STAMP.sub("", "\n".join(page.extract_text() for page in reader.pages))


def _file_state(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


@pytest.mark.parametrize("db_backend", BACKENDS)
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
    sqlite = stored.url.startswith("sqlite")
    before = _file_state(stored.path) if sqlite else None
    for encounter_id, (encounter, workflow) in expected.items():
        read, read_workflow = _read(stored, encounter_id)
        assert read == encounter
        assert list(read.answers) == list(encounter.answers)
        assert list(read.orders) == list(encounter.orders)
        assert read_workflow == workflow
        assert read_workflow.content_hash == encounter.workflow_hash
    if sqlite:
        assert _file_state(stored.path) == before


@pytest.mark.parametrize("db_backend", BACKENDS)
def test_the_stored_states_cover_every_case(stored: Stored) -> None:
    draft = _read(stored, stored.draft)[0]
    assert draft.status is EncounterStatus.DRAFT
    assert draft.patient.chart_number == ""
    assert draft.orders == ORDERS
    assert draft.answers["hx_onset_context"] == ("medicine", "surgery")
    assert str(draft.answers["hx_sx_volume_estimate"]) == "0.50"
    assert {key: draft.answers[key] for key in EVERY_KIND if key != "hx_onset_context"} == {
        key: value for key, value in EVERY_KIND.items() if key != "hx_onset_context"
    }
    finalized = _read(stored, stored.finalized)[0]
    assert finalized.status is EncounterStatus.FINALIZED
    assert finalized.finalized_at is not None
    assert finalized.finalized_at.utcoffset() == timedelta(0)
    amended = _read(stored, stored.amended)[0]
    assert amended.status is EncounterStatus.AMENDED
    (addendum,) = amended.addenda
    assert addendum.signed_by == "Dr. Other"
    assert addendum.signed_at is not None
    assert addendum.signed_at.microsecond == 250
    amending = _read(stored, stored.amending)[0]
    assert amending.status is EncounterStatus.AMENDING
    assert [(a.seq, a.signed_at is None) for a in amending.addenda] == [(1, False), (2, True)]
    assert _read(stored, stored.empty)[0].answers == {}


@pytest.mark.parametrize("db_backend", BACKENDS)
def test_a_missing_encounter_is_not_found_as_the_repository_says(stored: Stored) -> None:
    service = WorkupService.open(Settings(), stored.url)
    try:
        with pytest.raises(Exception, match="no encounter") as expected:
            service.encounter(999)
    finally:
        service.close()
    with pytest.raises(NotFoundError) as raised:
        _read(stored, 999)
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
        "import sys, app.services, app.storage, app.storage.direct_read; "
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'sqlalchemy'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


# -- the pinned schema ------------------------------------------------------------------------


def test_the_reader_is_written_for_the_newest_schema() -> None:
    """A new migration must bring the reader up to date (until then it reads nothing)."""
    assert READER_REVISION == HEAD_REVISION


def test_the_readers_schema_is_the_orm_models_column_by_column() -> None:
    models = {
        table.name: tuple(column.name for column in table.columns)
        for table in Base.metadata.sorted_tables
    }
    assert sorted(COLUMNS) == sorted(models)
    for table, columns in models.items():
        assert COLUMNS[table] == columns, table


def test_a_select_outside_the_pinned_schema_is_refused() -> None:
    assert select("answers", ("item_id",), "encounter_id = ?") == (
        "SELECT item_id FROM answers WHERE encounter_id = ?"
    )
    with pytest.raises(ValueError, match="results"):
        select("results", ("id",))
    with pytest.raises(ValueError, match="attachment"):
        select("encounters", ("id", "attachment"))


# -- a clinic server ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "conninfo"),
    [
        (
            "postgresql+psycopg://workup:p%40ss@db.clinic:5432/workup?sslmode=require",
            "postgresql://workup:p%40ss@db.clinic:5432/workup?sslmode=require",
        ),
        ("postgresql://workup@db/workup", None),
        ("postgresql+psycopg2://workup@db/workup", None),
        ("sqlite:////tmp/up.sqlite3", None),
    ],
)
def test_only_the_applications_server_urls_are_read_directly(
    url: str, conninfo: str | None
) -> None:
    assert server_conninfo(url) == conninfo


@pytest.mark.parametrize("db_backend", [BACKENDS[1]])
@pytest.mark.parametrize("revision", ["0002", "9999"])
def test_a_server_of_another_revision_is_read_the_normal_way(stored: Stored, revision: str) -> None:
    with raw_engine(stored.url, superuser=True) as engine, engine.begin() as connection:
        connection.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{revision}'")
    with pytest.raises(DirectReadError, match=revision):
        read_server_encounter(stored.url, stored.finalized, _parse)
    # the normal opening then refuses it with its own message
    with pytest.raises(UnavailableError, match="schema"):
        export_summary_pdf(Settings(), stored.url, stored.finalized)


def test_an_unreachable_server_is_left_to_the_normal_opening() -> None:
    url = f"postgresql+psycopg://workup:pw@127.0.0.1:{free_port()}/workup"
    with pytest.raises(DirectReadError):
        read_server_encounter(url, 1, _parse)


@pytest.mark.parametrize("db_backend", [BACKENDS[1]])
def test_an_export_from_a_server_loads_no_sqlalchemy_and_prints_the_same(
    stored: Stored, tmp_path: Path
) -> None:
    pdf = tmp_path / "summary.pdf"
    command = ["--database-url", stored.url, "export", str(stored.amended), "--out", str(pdf)]
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "app", *command],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()]
    assert "app.storage.direct_read" in imported
    assert "psycopg" in imported
    assert not [name for name in imported if name.split(".")[0] == "sqlalchemy"]
    service = WorkupService.open(Settings(), stored.url)
    try:
        expected = service.summary_pdf(stored.amended)
    finally:
        service.close()
    assert _pdf_text(pdf.read_bytes()) == _pdf_text(expected)
