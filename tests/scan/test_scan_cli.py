"""`workup scan`: a read sheet becomes a draft, and every bad input is one line and nothing."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.cli import run
from app.config import Settings, shipped_workflows_dir
from app.domain.encounter import Encounter
from app.services import WorkupService
from app.services.scans import ACTOR
from benchmarks.scan_synth import Gray
from tests.support import WORKFLOW_ID

CHART = "C-7"


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'scan.sqlite3'}"
    service = WorkupService.open(Settings(), url)
    try:
        service.create_patient("Petrov", "Pyotr", date(1975, 5, 5), CHART)
    finally:
        service.close()
    return url


@pytest.fixture
def page_files(tmp_path: Path, filled_pages: list[Gray]) -> list[Path]:
    """The pre-filled sheet's pages as PNG files, as a scanner saves them."""
    paths = []
    for number, pixels in enumerate(filled_pages, start=1):
        path = tmp_path / f"scan-{number}.png"
        assert cv2.imwrite(str(path), pixels)
        paths.append(path)
    return paths


def _encounters(url: str) -> list[Encounter]:
    service = WorkupService.open(Settings(), url)
    try:
        return [service.encounter(summary.id) for summary in service.list_encounters("")]
    finally:
        service.close()


def test_scan_starts_a_draft_holding_what_the_paper_says(
    tmp_path: Path, db: str, filled_pdf: bytes, filled: Encounter
) -> None:
    scan = tmp_path / "scanner.pdf"
    scan.write_bytes(filled_pdf)
    readings = tmp_path / "readings.json"
    code, out, err = _run(
        "scan", str(scan), "--patient", CHART, "--clinician", "Dr. Scan",
        "--readings-out", str(readings), "--database-url", db,
    )  # fmt: skip
    assert code == 0, err
    (encounter,) = _encounters(db)
    assert (encounter.workflow_id, encounter.workflow_version) == (WORKFLOW_ID, 2)
    assert encounter.patient.chart_number == CHART
    for item_id, value in filled.answers.items():
        assert encounter.answers[item_id] == value, item_id
    assert dict(encounter.orders) == dict(filled.orders)
    service = WorkupService.open(Settings(), db)
    try:
        events = service.audit_events(encounter.id or 0)
    finally:
        service.close()
    read = {event.item_id for event in events if event.actor == ACTOR}
    assert read == {*filled.answers, *filled.orders}
    lines = [line.split("\t") for line in out.splitlines()]
    assert all(len(fields) == 5 for fields in lines)
    by_item = {fields[0]: fields for fields in lines}
    assert all(by_item[str(item_id)][1:4:2] == ["read", "stored"] for item_id in read)
    assert re.search(rf"draft {encounter.id} started with {len(read)} answers", err)
    document = json.loads(readings.read_text(encoding="utf-8"))
    assert document["encounter_id"] == encounter.id
    stored = [item for item in document["items"] if item["stored"]]
    assert {item["item_id"] for item in stored} == read
    assert all(item["confirmed"] is False for item in document["items"])
    assert len(document["pages"]) == 4


def test_scan_adds_to_a_draft_and_keeps_what_it_holds(
    db: str, page_files: list[Path], filled: Encounter
) -> None:
    service = WorkupService.open(Settings(), db)
    try:
        (patient,) = service.find_patients(CHART)
        draft = service.start_encounter(patient.id or 0, WORKFLOW_ID, "Dr. Desk", "en")
        item_id, value = next(
            (item_id, value) for item_id, value in filled.answers.items() if isinstance(value, str)
        )
        item = service.workflow(WORKFLOW_ID).item(item_id)
        other = next(
            choice
            for choice in (*(option.value for option in item.options), "yes", "no", "unknown")
            if choice != value
        )
        service.set_answer(draft.id or 0, item_id, other, "Dr. Desk")
    finally:
        service.close()
    code, out, err = _run(
        "scan", *map(str, page_files), "--encounter", str(draft.id), "--database-url", db
    )
    assert code == 0, err
    (encounter,) = _encounters(db)
    assert encounter.answers[item_id] == other
    assert any(
        line.startswith(f"{item_id}\tread\t") and "\tkept\t" in line for line in out.splitlines()
    )
    assert "1 answers already in the draft were kept" in err
    for answered, read_value in filled.answers.items():
        if answered != item_id:
            assert encounter.answers[answered] == read_value


def _copy_workflow_as_version(folder: Path, version: int) -> None:
    source = (shipped_workflows_dir() / f"{WORKFLOW_ID}.toml").read_text(encoding="utf-8")
    changed = re.sub(r"(?m)^version = \d+$", f"version = {version}", source, count=1)
    assert changed != source
    folder.mkdir()
    (folder / f"{WORKFLOW_ID}.toml").write_text(changed, encoding="utf-8")


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("page missing", r"^workup: scan: page 3 of 4 is missing; scan every page"),
        ("no sheet", r"^workup: scan: .*photo\.jpg: no sheet code found"),
        ("no file", r"^workup: scan: .*absent\.png: cannot read the file"),
        ("not an image", r"^workup: scan: .*notes\.txt: not a PDF, PNG, JPEG or TIFF file"),
        ("newer version", r"^workup: scan: .*scan-1\.png and 3 more pages: a page of workflow "
                          r"retrograde_ejaculation version 2, but the catalog has version 3"),
        ("unknown patient", r"^workup: no patient with chart number C-404$"),
        ("signed encounter", r"^workup: encounter \d+ is finalized; paper readings go into"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_nothing_is_stored(
    case: str,
    message: str,
    tmp_path: Path,
    db: str,
    page_files: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = [str(path) for path in page_files]
    target = ["--patient", CHART, "--clinician", "Dr. Scan"]
    if case == "page missing":
        del files[2]
    elif case == "no sheet":
        photo = tmp_path / "photo.jpg"
        noise = np.random.default_rng(3).integers(0, 256, (1200, 900), dtype=np.uint8)
        assert cv2.imwrite(str(photo), noise)
        files.append(str(photo))
    elif case == "no file":
        files.append(str(tmp_path / "absent.png"))
    elif case == "not an image":
        (tmp_path / "notes.txt").write_text("not a scan", encoding="utf-8")
        files.append(str(tmp_path / "notes.txt"))
    elif case == "newer version":
        _copy_workflow_as_version(tmp_path / "clinic", 3)
        monkeypatch.setenv("WORKUP_WORKFLOWS_DIR", str(tmp_path / "clinic"))
    elif case == "unknown patient":
        target = ["--patient", "C-404"]
    elif case == "signed encounter":
        service = WorkupService.open(Settings(), db)
        try:
            (patient,) = service.find_patients(CHART)
            signed = service.start_encounter(patient.id or 0, WORKFLOW_ID, "Dr. Desk", "en")
            service.set_answer(signed.id or 0, "visit_main_complaint", "dry orgasm", "Dr. Desk")
            service.finalize(signed.id or 0, "Dr. Desk")
        finally:
            service.close()
        target = ["--encounter", str(signed.id)]
    before = [(encounter.id, encounter.revision) for encounter in _encounters(db)]
    code, out, err = _run("scan", *files, *target, "--database-url", db)
    assert code != 0
    assert out == ""
    assert "Traceback" not in err
    (line,) = err.splitlines()
    assert re.search(message, line), line
    assert [(encounter.id, encounter.revision) for encounter in _encounters(db)] == before
