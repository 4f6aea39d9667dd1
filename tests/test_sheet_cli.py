"""`workup sheet WF --prefill ENCOUNTER_ID`: the encounter's answers on its own version's sheet."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.catalog.loader import load_workflow_file
from app.cli import run
from app.config import Settings, shipped_workflows_dir
from app.domain.encounter import OrderState, OrderStatus
from app.domain.sheet_layout import PageCode
from app.report import sheet_draw
from app.report.sheet import sheet_layout
from app.services import WorkupService
from tests.report.sheet_pixels import ink, outline_and_empty, page_images
from tests.support import WORKFLOW_ID

TICKED = {
    ("hx_sx_low_volume", "yes"),
    ("hx_sx_dry_orgasm", "no"),
    ("sa_collection_site", "lab_room"),
    ("peu_order", "ordered"),
}


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite3'}"


@pytest.fixture
def encounter_id(db: str) -> int:
    service = WorkupService.open(Settings(), db)
    try:
        patient = service.create_patient("Ivanov", "Ivan", date(1980, 1, 1), "C-1")
        encounter = service.start_encounter(patient.id or 0, WORKFLOW_ID, "Dr. House")
        number = encounter.id or 0
        service.set_answer(number, "hx_sx_low_volume", "yes", "Dr. House")
        service.set_answer(number, "hx_sx_dry_orgasm", "no", "Dr. House")
        service.set_order(
            number, "peu_order", OrderState(OrderStatus.ORDERED, date(2026, 12, 7)), "Dr. House"
        )
        service.set_answer(number, "sa_collection_site", "lab_room", "Dr. House")
        return number
    finally:
        service.close()


def _codes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    codes: list[str] = []
    original = sheet_draw.qr_drawing

    def recording(text: str, size: float) -> Any:
        codes.append(text)
        return original(text, size)

    monkeypatch.setattr(sheet_draw, "qr_drawing", recording)
    return codes


def test_prefilled_sheet_ticks_the_recorded_answers(
    db: str, encounter_id: int, tmp_path: Path
) -> None:
    pdf = tmp_path / "filled.pdf"
    code, out, err = _run(
        "--database-url", db, "sheet", WORKFLOW_ID, "--prefill", str(encounter_id),
        "--out", str(pdf), "--lang", "en",
    )  # fmt: skip
    assert code == 0, err
    assert out.strip() == str(pdf)
    workflow = load_workflow_file(shipped_workflows_dir() / "retrograde_ejaculation.toml")
    layout = sheet_layout(getattr(workflow, "workflow", workflow), "en", "A4")
    images = page_images(pdf.read_bytes())
    assert len(images) == len(layout.pages)
    seen = set()
    for pixels, page in zip(images, layout.pages, strict=True):
        for box in page.boxes:
            key = (box.item_id, box.choice)
            if key in TICKED:
                assert ink(pixels, box.rect, inset=2) >= 10, box
                seen.add(key)
            else:
                assert outline_and_empty(pixels, box.rect), box
    assert seen == TICKED


def test_prefilled_sheet_uses_the_encounters_own_workflow_version(
    db: str,
    encounter_id: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a newer version of the workflow arrives after the encounter was recorded
    newer = tmp_path / "clinic_workflows"
    newer.mkdir()
    source = (shipped_workflows_dir() / "retrograde_ejaculation.toml").read_text("utf-8")
    source = source.replace("\nversion = 2\n", "\nversion = 3\n", 1)
    source = source.replace("Reduced volume of ejaculate", "Smaller volume of ejaculate", 1)
    (newer / "retrograde_ejaculation.toml").write_text(source, "utf-8")
    monkeypatch.setenv("WORKUP_WORKFLOWS_DIR", str(newer))
    codes = _codes(monkeypatch)
    blank = tmp_path / "blank.pdf"
    code, _out, err = _run("--database-url", db, "sheet", WORKFLOW_ID, "--out", str(blank))
    assert code == 0, err
    assert {PageCode.parse(text).version for text in codes} == {3}
    codes.clear()
    filled = tmp_path / "filled.pdf"
    code, _out, err = _run(
        "--database-url", db, "sheet", WORKFLOW_ID, "--prefill", str(encounter_id),
        "--out", str(filled),
    )  # fmt: skip
    assert code == 0, err
    assert {PageCode.parse(text).version for text in codes} == {2}


@pytest.mark.parametrize(
    ("workflow_id", "encounter", "message"),
    [
        (WORKFLOW_ID, "999", "no encounter with id 999"),
        ("another_workflow", None, "not 'another_workflow'"),
    ],
)
def test_prefill_refuses_with_one_line(
    db: str,
    encounter_id: int,
    tmp_path: Path,
    workflow_id: str,
    encounter: str | None,
    message: str,
) -> None:
    pdf = tmp_path / "x.pdf"
    number = encounter or str(encounter_id)
    code, _out, err = _run(
        "--database-url", db, "sheet", workflow_id, "--prefill", number, "--out", str(pdf)
    )
    assert code != 0
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    assert message in err
    assert not pdf.exists()


def test_prefill_takes_a_positive_encounter_id(tmp_path: Path) -> None:
    pdf = tmp_path / "x.pdf"
    code, _out, err = _run("sheet", WORKFLOW_ID, "--prefill", "zero", "--out", str(pdf))
    assert code != 0
    assert "Traceback" not in err
    assert not pdf.exists()
