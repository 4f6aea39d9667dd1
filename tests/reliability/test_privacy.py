"""Privacy basics: a private database file and folder, no patient text in logs, no temp files."""

from __future__ import annotations

import io
import logging
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import app.report.summary
from app.catalog.loader import Catalog
from app.cli import run
from app.config import Settings, data_dir, default_database_path, log_path, setup_logging
from app.domain.encounter import OrderState, OrderStatus
from app.domain.values import YnuDetails
from app.services import WorkupService
from tests.reliability.helpers import assert_one_line_error
from tests.support import WORKFLOW_ID

FAMILY = "Zzyzxwobblequist"
GIVEN = "Quentavius"
FREE_TEXT = "Pineapple-Marmalade-7731 happened after the bicycle accident"
CHART = "PRIV-90210"


@pytest.fixture
def logging_to_file() -> Iterator[None]:
    """Logging set up as the application does it, undone afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_a_new_database_and_its_folder_are_private(shipped_catalog: Catalog) -> None:
    service = WorkupService.open(Settings(), catalog=shipped_catalog)
    try:
        patient = service.create_patient(FAMILY, GIVEN, date(1970, 1, 1), CHART)
        service.start_encounter(patient.id or 0, WORKFLOW_ID, "Dr. Private")
        path = default_database_path()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(data_dir().stat().st_mode) == 0o700
        for companion in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            if companion.exists():
                assert stat.S_IMODE(companion.stat().st_mode) & 0o077 == 0, companion
    finally:
        service.close()


@pytest.mark.usefixtures("logging_to_file")
def test_logs_hold_no_patient_names_or_free_text(
    shipped_catalog: Catalog, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    setup_logging()
    service = WorkupService.open(Settings(), catalog=shipped_catalog)
    try:
        patient = service.create_patient(FAMILY, GIVEN, date(1970, 1, 1), CHART)
        encounter_id = service.start_encounter(patient.id or 0, WORKFLOW_ID, "Dr. Private").id or 0
        service.set_answer(encounter_id, "sx_notes", FREE_TEXT, "Dr. Private")
        service.set_answer(encounter_id, "hx_sx_urinary", YnuDetails("yes", FREE_TEXT), "Dr. P")
        service.set_order(
            encounter_id, "sa_order", OrderState(OrderStatus.ORDERED, note=FREE_TEXT), "Dr. P"
        )
        service.summary_pdf(encounter_id)
        service.export_document(encounter_id)
    finally:
        service.close()

    def failing_layout(*args: object, **kwargs: object) -> bytes:
        # A library error that quotes the text it choked on, as reportlab's parser does.
        raise ValueError(f"cannot lay out '{FAMILY}, {GIVEN}': {FREE_TEXT}")

    monkeypatch.setattr(app.report.summary, "summary_pdf", failing_layout)
    out, err = io.StringIO(), io.StringIO()
    code = run(["export", str(encounter_id), "--out", str(tmp_path / "s.pdf")], out, err)
    assert_one_line_error(code, err.getvalue())
    assert "internal error" in err.getvalue()
    for handler in logging.getLogger().handlers:
        handler.flush()
    logs = [path for path in log_path().parent.rglob("*") if path.is_file()]
    assert logs, "the internal error was not logged"
    text = "\n".join(path.read_text(encoding="utf-8") for path in logs)
    assert "ValueError" in text
    for secret in (FAMILY, GIVEN, "Pineapple-Marmalade", CHART):
        assert secret not in text
