"""An encounter recorded against version 1 of the shipped workflow keeps printing version 1.

tests/fixtures/retrograde_ejaculation_v1.toml is the shipped file as released in version 1;
the encounter stores that snapshot, and its summary and patient copy are made from it after
the catalog holds version 2.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from app.catalog.loader import Catalog
from app.config import Settings
from app.domain.encounter import OrderState, OrderStatus
from app.services import WorkupService, export_summary_pdf
from app.services.session import EncounterSession
from tests.support import FixedClock, flat, pdf_pages

V1_FILE = Path(__file__).parent / "fixtures" / "retrograde_ejaculation_v1.toml"
CLINICIAN = "Dr. Petrova"

V1_TEXTS = (
    "version 1",
    "Prostate Cancer Antigen Measurement",  # the version-1 SNOMED CT display
    "LOINC 2345-7",  # the second glucose code of version 1
    "Produce the sample by masturbation straight into the sterile pot",
    "Beforehand, wash your hands and penis with water and dry them",
    "Come for the blood test in the morning (roughly between 7 and 11 a.m.) without having "
    "eaten, unless your lab tells you otherwise.",
    "Pass urine when asked",
)
V2_TEXTS = (
    "version 2",
    "Prostate specific antigen measurement",
    "Just before collecting, pass urine.",
    "at least 8 hours without food",
    "Before masturbating:",
)


def _text(pdf: bytes) -> str:
    return flat(" ".join(pdf_pages(pdf)))


def test_a_version_1_encounter_prints_its_version_1_labels_and_instructions(
    tmp_path: Path, clock: FixedClock, shipped_catalog: Catalog
) -> None:
    folder = tmp_path / "v1"
    folder.mkdir()
    shutil.copy(V1_FILE, folder / "retrograde_ejaculation.toml")
    v1_catalog = Catalog.load([folder])
    v1 = v1_catalog.get("retrograde_ejaculation")
    assert v1.version == 1
    assert shipped_catalog.get("retrograde_ejaculation").version == 2

    url = f"sqlite:///{tmp_path / 'workup.sqlite3'}"
    settings = Settings(clinic_name="Test clinic")
    service = WorkupService.open(settings, url, clock=clock, catalog=v1_catalog, auto_upgrade=True)
    try:
        patient = service.create_patient("Ivanov", "Ivan", date(1980, 5, 17), "A-1")
        encounter = service.start_encounter(patient.id or 0, "retrograde_ejaculation", CLINICIAN)
        encounter_id = encounter.id or 0
        service.set_answer(encounter_id, "visit_main_complaint", "dry orgasm", CLINICIAN)
        service.set_answer(encounter_id, "peu_pre_void", "leave_some", CLINICIAN)
        for item_id in (
            "lab_psa",
            "lab_glucose_fasting",
            "lab_testosterone",
            "sa_order",
            "peu_order",
        ):
            service.set_order(
                encounter_id,
                item_id,
                OrderState(OrderStatus.ORDERED, date(2026, 11, 24)),
                CLINICIAN,
            )
        service.finalize(encounter_id, CLINICIAN)
        before = service.summary_pdf(encounter_id)
    finally:
        service.close()

    # the application now holds version 2 only
    service = WorkupService.open(settings, url, clock=clock, catalog=shipped_catalog)
    try:
        assert service.encounter_workflow(encounter_id).version == 1
        after = service.summary_pdf(encounter_id)
        copy = service.summary_pdf(encounter_id, patient_copy=True)
    finally:
        service.close()
    direct = export_summary_pdf(settings, url, encounter_id, clock=clock)

    assert after == before
    assert direct == before
    for pdf in (after, copy):
        text = _text(pdf)
        for expected in V1_TEXTS:
            if pdf is copy and ("LOINC" in expected or "Measurement" in expected):
                continue  # the patient copy prints no codes
            assert expected in text, expected
        for newer in V2_TEXTS:
            assert newer not in text, newer
        # the version-1 pre-void option is printed as version 1 labelled it
        assert "Pass urine but leave some in the bladder" in text


def test_a_version_1_encounter_hides_the_items_that_became_export_options(
    tmp_path: Path, clock: FixedClock
) -> None:
    folder = tmp_path / "v1"
    folder.mkdir()
    shutil.copy(V1_FILE, folder / "retrograde_ejaculation.toml")
    v1_catalog = Catalog.load([folder])
    url = f"sqlite:///{tmp_path / 'workup.sqlite3'}"
    service = WorkupService.open(
        Settings(), url, clock=clock, catalog=v1_catalog, auto_upgrade=True
    )
    try:
        patient = service.create_patient("Ivanov", "Ivan", date(1980, 5, 17), "V1-2")
        encounter = service.start_encounter(patient.id or 0, "retrograde_ejaculation", CLINICIAN)
        session = EncounterSession(service, encounter.id or 0)
        shown = session.form_state("en").visible
        assert shown["export_language"] is False
        assert shown["export_instructions"] is False
        assert shown["visit_main_complaint"] is True
    finally:
        service.close()
