"""Batch export of summary PDFs: in worker processes as in one, and when interrupted."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pypdf
import pytest

from app.cli import run
from app.config import Settings
from app.domain.encounter import EncounterStatus
from app.services import BatchItem, SummaryBatch, WorkupService, batch_pdf_name, export_summaries
from tests.support import WORKFLOW_ID

# The generation time in the footer, however it is written (it may move on a minute between
# two exports).
STAMP = re.compile(
    r"(Generated|Сформировано) [^\n·]*"
    r"|\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?|\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}"
)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'batch.sqlite3'}"


@pytest.fixture
def encounter_ids(url: str) -> list[int]:
    service = WorkupService.open(Settings(clinic_name="Test clinic"), url)
    try:
        ids = []
        for number in range(12):
            patient = service.create_patient(
                f"Family{number}", "Given", date(1980, 1, 1 + number), f"C-{number}"
            )
            encounter = service.start_encounter(patient.id or 0, WORKFLOW_ID, "Dr. House")
            service.set_answer(
                encounter.id or 0, "visit_main_complaint", f"complaint {number}", "Dr. House"
            )
            ids.append(encounter.id or 0)
        return ids
    finally:
        service.close()


def _text(path: Path) -> str:
    reader = pypdf.PdfReader(path)
    return STAMP.sub("", "\n".join(page.extract_text() for page in reader.pages))


def _complete_pdfs(folder: Path) -> list[str]:
    names = sorted(path.name for path in folder.iterdir())
    for name in names:
        assert name.endswith(".pdf"), name
        assert pypdf.PdfReader(folder / name).pages
    return names


def _export(url: str, ids: list[int], folder: Path, jobs: int, done: object = None) -> None:
    service = WorkupService.open(Settings(clinic_name="Test clinic"), url)
    try:
        export_summaries(service, ids, folder, jobs=jobs, done=done)  # type: ignore[arg-type]
    finally:
        service.close()


def test_worker_processes_write_the_same_files_as_one_process(
    url: str, encounter_ids: list[int], tmp_path: Path
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    _export(url, encounter_ids, one, jobs=1)
    reported: list[BatchItem] = []
    _export(url, encounter_ids, two, jobs=2, done=reported.append)
    expected = sorted(batch_pdf_name(encounter_id) for encounter_id in encounter_ids)
    assert _complete_pdfs(one) == expected
    assert _complete_pdfs(two) == expected
    assert sorted(item.encounter_id for item in reported) == sorted(encounter_ids)
    assert all(item.error is None for item in reported)
    for name in expected:
        assert _text(one / name) == _text(two / name)
        assert "complaint" in _text(two / name)


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_interrupted_batch_leaves_only_complete_files(
    url: str, encounter_ids: list[int], tmp_path: Path, jobs: int
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()

    def stop(_item: BatchItem) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _export(url, encounter_ids, folder, jobs=jobs, done=stop)
    names = _complete_pdfs(folder)
    assert 1 <= len(names) < len(encounter_ids)
    assert not [path for path in folder.iterdir() if path.name.startswith(".")]


def test_the_command_exports_with_worker_processes_and_names_each_failure(
    url: str, encounter_ids: list[int], tmp_path: Path
) -> None:
    folder = tmp_path / "cli"
    folder.mkdir()
    out, err = io.StringIO(), io.StringIO()
    code = run(
        ["--database-url", url, "export", "--all", "--jobs", "2", "--out", str(folder)], out, err
    )
    assert code == 0, err.getvalue()
    assert out.getvalue().strip() == f"{len(encounter_ids)} summaries written to {folder}"
    assert _complete_pdfs(folder) == sorted(batch_pdf_name(i) for i in encounter_ids)

    blocked = folder / batch_pdf_name(encounter_ids[0])
    blocked.unlink()
    blocked.mkdir()
    out, err = io.StringIO(), io.StringIO()
    code = run(["--database-url", url, "export", "--all", "--out", str(folder)], out, err)
    lines = err.getvalue().strip().splitlines()
    assert code == 1
    assert len(lines) == 2
    assert lines[0].startswith(f"workup: {blocked.name}: ")
    assert f"1 of {len(encounter_ids)} summaries failed" in lines[1]


def test_jobs_goes_with_all(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = run(["export", "1", "--jobs", "2", "--out", str(tmp_path / "x.pdf")], out, err)
    assert code == 2
    assert "--jobs goes with --all" in err.getvalue()


def _sign_and_amend(url: str, ids: list[int], monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """One encounter signed, one signed and then signed again after an addendum (amended),
    one with an addendum still open; the rest stay drafts."""
    monkeypatch.setattr(WorkupService, "missing_required", lambda _self, _encounter: [])
    service = WorkupService.open(Settings(clinic_name="Test clinic"), url)
    try:
        signed, amended, addendum = ids[0], ids[1], ids[2]
        for encounter_id in (signed, amended, addendum):
            service.finalize(encounter_id, "Dr. House")
        service.amend(amended, "chart number corrected", "Dr. House")
        service.finalize(amended, "Dr. House")
        service.amend(addendum, "result arrived", "Dr. House")
        assert service.encounter(signed).status is EncounterStatus.FINALIZED
        assert service.encounter(amended).status is EncounterStatus.AMENDED
        assert service.encounter(addendum).status is EncounterStatus.AMENDING
        return {"signed": signed, "amended": amended, "addendum": addendum}
    finally:
        service.close()


def test_signed_only_takes_signed_and_amended_encounters_not_open_addenda(
    url: str, encounter_ids: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = _sign_and_amend(url, encounter_ids, monkeypatch)
    service = WorkupService.open(Settings(clinic_name="Test clinic"), url)
    try:
        batch = SummaryBatch(service, tmp_path)
        assert sorted(batch.select(None, signed_only=True)) == sorted(
            [chosen["signed"], chosen["amended"]]
        )
        assert batch.left_out == len(encounter_ids) - 2
        assert sorted(batch.select(None)) == encounter_ids
        assert batch.left_out == 0
    finally:
        service.close()

    folder = tmp_path / "cli"
    folder.mkdir()
    out, err = io.StringIO(), io.StringIO()
    argv = ["--database-url", url, "export", "--all", "--signed-only", "--out", str(folder)]
    code = run(argv, out, err)
    assert code == 0, err.getvalue()
    assert _complete_pdfs(folder) == sorted(
        batch_pdf_name(chosen[kind]) for kind in ("signed", "amended")
    )
    left_out = len(encounter_ids) - 2
    assert (
        out.getvalue().strip() == f"2 summaries written to {folder} ({left_out} unsigned left out)"
    )


def test_step_by_step_writes_what_the_worker_processes_write(
    url: str, encounter_ids: list[int], tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    service = WorkupService.open(Settings(clinic_name="Test clinic"), url)
    try:
        batch = SummaryBatch(service, folder)
        batch.select(None)
        first = batch.step()
        assert first is not None
        assert first.error is None
        assert _complete_pdfs(folder) == [batch_pdf_name(encounter_ids[0])]
        batch.run(jobs=2)
        assert batch.finished
        assert batch.step() is None
        assert [item.encounter_id for item in batch.done][:1] == encounter_ids[:1]
        assert sorted(item.encounter_id for item in batch.done) == sorted(encounter_ids)
        assert _complete_pdfs(folder) == sorted(batch_pdf_name(i) for i in encounter_ids)
    finally:
        service.close()


def test_signed_only_goes_with_all(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = run(["export", "1", "--signed-only", "--out", str(tmp_path / "x.pdf")], out, err)
    assert code == 2
    assert "--signed-only goes with --all" in err.getvalue()


def test_an_interrupted_batch_run_leaves_only_complete_files_and_can_go_on(
    url: str, encounter_ids: list[int], tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()

    def stop(_item: BatchItem) -> None:
        raise KeyboardInterrupt

    service = WorkupService.open(Settings(clinic_name="Test clinic"), url)
    try:
        batch = SummaryBatch(service, folder)
        batch.select(None)
        with pytest.raises(KeyboardInterrupt):
            batch.run(jobs=2, report=stop)
        names = _complete_pdfs(folder)
        assert 1 <= len(names) < len(encounter_ids)
        assert not [path for path in folder.iterdir() if path.name.startswith(".")]
        assert len(batch.done) == 1
        while batch.step() is not None:
            pass
        assert _complete_pdfs(folder) == sorted(batch_pdf_name(i) for i in encounter_ids)
    finally:
        service.close()
