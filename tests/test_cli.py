"""The `workup` command: every command, good and bad arguments, one-line errors."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pypdf
import pytest
from fhirclient.models.bundle import Bundle as R4Bundle
from fhirclient.models.questionnaire import Questionnaire as R4Questionnaire

from app import services
from app.cli import run
from app.config import Settings
from app.domain.encounter import OrderState, OrderStatus
from app.domain.values import YnuDetails
from app.services import WorkupService
from app.storage.revisions import HEAD_REVISION
from tests.support import WORKFLOW_ID, FixedClock

ROOT = Path(__file__).resolve().parent.parent


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def _assert_one_line_error(code: int, err: str) -> None:
    assert code != 0
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite3'}"


@pytest.fixture
def encounter_id(db: str) -> int:
    service = WorkupService.open(Settings(), db)
    try:
        patient = service.create_patient("Ivanov", "Ivan", date(1980, 1, 1), "C-1")
        encounter = service.start_encounter(patient.id or 0, WORKFLOW_ID, "Dr. House")
        service.set_answer(encounter.id or 0, "visit_main_complaint", "dry orgasm", "Dr. House")
        return encounter.id or 0
    finally:
        service.close()


def test_workflows_list_shows_the_shipped_workflow() -> None:
    code, out, err = _run("workflows", "list")
    assert code == 0, err
    (line,) = out.splitlines()
    workflow_id, version, title, source = line.split("\t")
    assert (workflow_id, version) == (WORKFLOW_ID, "2")
    assert title.startswith("Retrograde ejaculation")
    assert source.endswith("retrograde_ejaculation.toml")


def test_workflows_validate_accepts_the_shipped_files() -> None:
    files = sorted(str(path) for path in (ROOT / "workflows").glob("*.toml"))
    code, out, _err = _run("workflows", "validate", *files)
    assert code == 0
    assert out.splitlines() == [f"{name}: valid" for name in files]


def test_workflows_validate_prints_every_mistake(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(
        "\n".join(
            [
                "schema_version = 1",
                'id = "broken"',
                "version = 1",
                'title = { en = "Broken" }',
                "",
                "[[sections]]",
                'id = "s"',
                'code = "S"',
                'title = { en = "S" }',
                "",
                "[[sections.items]]",
                'id = "a"',
                'kind = "chek"',
                'role = "observation"',
                'label = { en = "A" }',
                "",
                "[[sections.items]]",
                'id = "a"',
                'kind = "check"',
                'role = "observation"',
                'label = { ru = "Б" }',
                "",
            ]
        ),
        encoding="utf-8",
    )
    code, out, _err = _run("workflows", "validate", str(broken))
    assert code == 2
    lines = out.splitlines()
    assert len(lines) >= 3
    assert all(line.startswith(f"{broken}:") for line in lines)
    assert any("item a: unknown kind 'chek'" in line for line in lines)
    assert any("duplicate id" in line for line in lines)
    assert any("missing English label" in line for line in lines)


def test_db_upgrade_and_check(db: str) -> None:
    code, out, _ = _run("--database-url", db, "db", "upgrade")
    assert (code, out.strip()) == (0, f"schema upgraded from empty to {HEAD_REVISION}")
    code, out, _ = _run("--database-url", db, "db", "upgrade")
    assert (code, out.strip()) == (0, f"schema is up to date ({HEAD_REVISION})")
    code, out, _ = _run("--database-url", db, "db", "check")
    assert code == 0
    assert out.splitlines()[-1] == "ok"


def test_encounters_list_export_import_and_audit(
    db: str, encounter_id: int, tmp_path: Path
) -> None:
    code, out, _ = _run("--database-url", db, "encounters", "list", "--search", "iva")
    assert code == 0
    fields = out.strip().split("\t")
    assert fields[:4] == [str(encounter_id), "Ivanov, Ivan", WORKFLOW_ID, "Draft"]
    document = tmp_path / "encounter.json"
    code, _, err = _run(
        "--database-url", db, "encounters", "export", str(encounter_id), "--out", str(document)
    )
    assert code == 0, err
    assert (
        json.loads(document.read_text(encoding="utf-8"))["answers"]["visit_main_complaint"]
        == "dry orgasm"
    )
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    code, out, err = _run("--database-url", other, "encounters", "import", str(document))
    assert (code, out.strip()) == (0, "1"), err
    code, out, _ = _run("--database-url", other, "audit", "verify")
    assert (code, out.strip().splitlines()) == (
        0,
        ["audit chain intact: 1 events", "witnessed heads found in the chain: 1"],
    )


def test_fhir_export_and_questionnaire(db: str, encounter_id: int, tmp_path: Path) -> None:
    bundle_path = tmp_path / "bundle.json"
    code, out, err = _run(
        "--database-url", db, "fhir", "export", str(encounter_id), "--out", str(bundle_path)
    )
    assert (code, out.strip()) == (0, str(bundle_path)), err
    bundle = json.loads(bundle_path.read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle"
    types = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert types == {"Patient", "QuestionnaireResponse"}
    R4Bundle(bundle, strict=True)  # raises unless the file is valid FHIR R4 (4.0.1)
    questionnaire_path = tmp_path / "questionnaire.json"
    code, _, err = _run("fhir", "questionnaire", WORKFLOW_ID, "--out", str(questionnaire_path))
    assert code == 0, err
    questionnaire = json.loads(questionnaire_path.read_text(encoding="utf-8"))
    assert (questionnaire["resourceType"], questionnaire["version"]) == ("Questionnaire", "2")
    R4Questionnaire(questionnaire, strict=True)
    code, _, err = _run("fhir", "questionnaire", "nope", "--out", str(tmp_path / "q.json"))
    _assert_one_line_error(code, err)


@pytest.mark.parametrize(
    "argv",
    [
        ["bogus"],
        ["workflows"],
        ["workflows", "validate"],
        ["workflows", "list", "extra"],
        ["sheet"],
        ["sheet", WORKFLOW_ID],
        ["sheet", WORKFLOW_ID, "--out", "x.pdf", "--lang", "de"],
        ["export"],
        ["export", "abc", "--out", "x.pdf"],
        ["export", "0", "--out", "x.pdf"],
        ["export", "99999999999999999999", "--out", "x.pdf"],
        ["fhir", "export", "9223372036854775808", "--out", "x.json"],
        ["export", "--out", "x.pdf"],
        ["export", "1", "--all", "--out", "x"],
        ["export", "--all", "--since", "yesterday", "--out", "x"],
        ["encounters"],
        ["encounters", "list", "--limit", "-3"],
        ["encounters", "import"],
        ["encounters", "export", "1"],
        ["db"],
        ["db", "downgrade"],
        ["db", "copy"],
        ["db", "copy", "--to"],
        ["audit"],
        ["fhir", "export", "1"],
        ["--database-url"],
    ],
)
def test_bad_arguments_give_one_line_and_a_usage_exit(argv: list[str]) -> None:
    code, _out, err = _run(*argv)
    assert code == 2
    _assert_one_line_error(code, err)


def test_runtime_failures_give_one_line(db: str, encounter_id: int, tmp_path: Path) -> None:
    cases = [
        ["--database-url", db, "encounters", "export", "999", "--out", str(tmp_path / "x.json")],
        ["--database-url", db, "encounters", "import", str(tmp_path / "missing.json")],
        [
            "--database-url",
            db,
            "encounters",
            "export",
            str(encounter_id),
            "--out",
            str(tmp_path / "no" / "x.json"),
        ],
        ["--database-url", "postgresql+nosuchdriver://x/y", "encounters", "list"],
        ["--database-url", db, "export", "--all", "--out", str(tmp_path / "missing-dir")],
    ]
    for argv in cases:
        code, _out, err = _run(*argv)
        _assert_one_line_error(code, err)
    assert not (tmp_path / "x.json").exists()
    assert not (tmp_path / "no").exists()


def test_importing_a_bad_document_names_the_field(db: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    code, _, err = _run("--database-url", db, "encounters", "import", str(bad))
    _assert_one_line_error(code, err)
    assert "field" in err


def test_a_damaged_database_is_named_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "damaged.sqlite3"
    path.write_bytes(b"garbage" * 1000)
    code, _, err = _run("--database-url", f"sqlite:///{path}", "encounters", "list")
    _assert_one_line_error(code, err)
    assert str(path) in err
    assert path.read_bytes() == b"garbage" * 1000


def test_the_console_script_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "workflows", "list"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(WORKFLOW_ID)


def test_the_database_option_may_follow_the_command(db: str, encounter_id: int) -> None:
    code, out, err = _run("encounters", "list", "--database-url", db)
    assert code == 0, err
    assert out.startswith(f"{encounter_id}\tIvanov, Ivan")
    code, out, _ = _run("db", "check", "--database-url", db)
    assert (code, out.splitlines()[-1]) == (0, "ok")


def test_workflows_validate_and_list_show_missing_russian_texts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = ROOT / "tests" / "catalog" / "fixtures" / "missing_russian.toml"
    code, out, err = _run("workflows", "validate", str(source))
    assert code == 0
    assert out.splitlines() == [f"{source}: valid"]
    assert f"workup: warning: {source}:24: item a: no Russian label; English is shown" in (
        err.splitlines()
    )
    clinic = tmp_path / "clinic"
    clinic.mkdir()
    copy = clinic / "missing_russian.toml"
    copy.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("WORKUP_WORKFLOWS_DIR", str(clinic))
    code, out, err = _run("workflows", "list")
    assert code == 0
    assert "missing_russian" in out
    assert f"workup: warning: {copy}:4: workflow: no Russian title; English is shown" in (
        err.splitlines()
    )


PDF_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?|\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}")


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return PDF_STAMP.sub("", "\n".join(page.extract_text() for page in reader.pages))


def _service_summary(db: str, encounter_id: int, clock: FixedClock | None = None) -> bytes:
    service = WorkupService.open(Settings(), db, clock=clock)
    try:
        return service.summary_pdf(encounter_id)
    finally:
        service.close()


def test_a_single_export_from_sqlite_loads_no_sqlalchemy_nor_platypus(
    db: str, encounter_id: int, tmp_path: Path
) -> None:
    pdf = tmp_path / "summary.pdf"
    command = ["--database-url", db, "export", str(encounter_id), "--out", str(pdf)]
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "app", *command],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(pdf)
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()]
    assert "app.storage.direct_read" in imported
    assert not [name for name in imported if name.split(".")[0] == "sqlalchemy"]
    # the summary is drawn on the canvas, without reportlab's document framework
    assert "reportlab.pdfgen.canvas" in imported
    assert not [name for name in imported if name.startswith("reportlab.platypus")]
    # the stored snapshot's parsed form is cached, and nothing is recorded
    assert not {"tomllib", "socket", "app.catalog.loader", "app.catalog.lines"} & set(imported)
    assert _pdf_text(pdf.read_bytes()) == _pdf_text(_service_summary(db, encounter_id))


def test_the_command_line_loads_only_what_every_command_needs() -> None:
    """Modules that only some commands (or only an internal error) need load when used."""
    rare = ["logging", "traceback", "socket", "tomllib", "app.catalog", "app.storage.database"]
    check = f"import sys, app.cli; print([name for name in {rare!r} if name in sys.modules])"
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


def _direct_export(
    monkeypatch: pytest.MonkeyPatch,
    db: str,
    encounter_id: int,
    *args: str,
    clock: FixedClock,
    settings: Settings | None = None,
) -> bytes:
    """The summary exported while opening the database normally would fail the test."""

    def refuse(*_args: object, **_kwargs: object) -> WorkupService:
        raise AssertionError("the database was opened normally")

    with monkeypatch.context() as patched:
        patched.setattr(WorkupService, "open", refuse)
        return services.export_summary_pdf(
            settings or Settings(), db, encounter_id, *args, clock=clock
        )


def test_a_direct_export_is_the_services_summary(
    db: str, encounter_id: int, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _service_summary(db, encounter_id, clock)
    assert _direct_export(monkeypatch, db, encounter_id, clock=clock) == expected
    service = WorkupService.open(Settings(clinic_name="Clinic"), db, clock=clock)
    try:
        service.finalize(encounter_id, "Dr. House")
        service.amend(encounter_id, "late result", "Dr. House")
        expected = service.summary_pdf(encounter_id, "ru", "Letter")
    finally:
        service.close()
    clinic = Settings(clinic_name="Clinic")
    direct = _direct_export(
        monkeypatch, db, encounter_id, "ru", "Letter", clock=clock, settings=clinic
    )
    assert direct == expected
    assert _direct_export(monkeypatch, db, encounter_id, "ru", "Letter", clock=clock) != expected


def test_an_export_falls_back_to_opening_the_database(
    db: str, encounter_id: int, clock: FixedClock
) -> None:
    record = services.database_check_record(db)
    assert record is not None
    assert record.exists()
    record.unlink()  # a file unknown to this application gets its full check on opening
    exported = services.export_summary_pdf(Settings(), db, encounter_id, clock=clock)
    assert record.exists()
    assert exported == _service_summary(db, encounter_id, clock)


def _set_revision(db: str, revision: str) -> None:
    connection = sqlite3.connect(db.removeprefix("sqlite:///"))
    with connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    connection.close()


def test_single_export_failures_give_the_same_one_line(
    db: str, encounter_id: int, tmp_path: Path
) -> None:
    pdf = str(tmp_path / "x.pdf")
    code, _out, err = _run("--database-url", db, "export", "999", "--out", pdf)
    assert (code, err.strip()) == (1, "workup: no encounter with id 999")
    code, _out, err = _run(
        "--database-url", db, "export", str(encounter_id), "--out", str(tmp_path / "no" / "x.pdf")
    )
    _assert_one_line_error(code, err)
    assert f"cannot write {tmp_path / 'no' / 'x.pdf'}" in err
    _set_revision(db, "0001")
    code, _out, err = _run("--database-url", db, "export", str(encounter_id), "--out", pdf)
    _assert_one_line_error(code, err)
    assert f"schema 0001 is older than {HEAD_REVISION}" in err
    _set_revision(db, "9999")
    code, _out, err = _run("--database-url", db, "export", str(encounter_id), "--out", pdf)
    _assert_one_line_error(code, err)
    assert "update the application" in err
    assert not Path(pdf).exists()


def test_export_patient_copy_and_without_instructions(
    db: str, encounter_id: int, tmp_path: Path
) -> None:
    service = WorkupService.open(Settings(), db)
    try:
        service.set_answer(encounter_id, "hx_sx_urinary", YnuDetails("yes", "nocturia"), "Dr")
        service.set_order(encounter_id, "lab_cbc", OrderState(OrderStatus.ORDERED), "Dr")
    finally:
        service.close()

    def export(*options: str) -> str:
        out = tmp_path / f"export{len(options)}{'-'.join(options)}.pdf"
        code, _, err = _run(
            "--database-url", db, "export", str(encounter_id), "--out", str(out), *options
        )
        assert code == 0, err
        return " ".join(
            " ".join(page.extract_text() for page in pypdf.PdfReader(out).pages).split()
        )

    full = export()
    copy = export("--patient-copy")
    bare = export("--no-instructions")
    assert "nocturia" in full
    assert "Patient instructions" in full
    assert "nocturia" not in copy
    assert "dry orgasm" not in copy
    assert "patient copy" in copy
    assert "Patient instructions" in copy
    assert "nocturia" in bare
    assert "Patient instructions" not in bare


@pytest.mark.parametrize(
    "options",
    [
        ["--patient-copy", "--no-instructions"],
        ["--all", "--patient-copy"],
        ["--all", "--no-instructions"],
    ],
)
def test_export_option_conflicts_are_one_line(
    db: str, encounter_id: int, tmp_path: Path, options: list[str]
) -> None:
    target = [] if "--all" in options else [str(encounter_id)]
    out = tmp_path / "x.pdf"
    code, _, err = _run("--database-url", db, "export", *target, "--out", str(out), *options)
    _assert_one_line_error(code, err)
    assert code == 2
    assert not out.exists()
