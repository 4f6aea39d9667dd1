"""Russian PDFs of the shipped workflow: Russian labels, units, dates and numbers."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

from pypdf import PdfReader

from app.domain.encounter import OrderState, OrderStatus
from app.domain.workflow import Workflow
from app.report.sheet import sheet_pdf
from app.report.summary_data import ClinicInfo
from app.services import WorkupService

CLINIC = ClinicInfo("Городская клиника", "ул. Ленина, 1")


def _text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def test_a_russian_sheet_has_russian_labels_and_units(workflow: Workflow) -> None:
    text = _text(sheet_pdf(workflow, CLINIC, "ru"))
    for russian in ("Лист обследования", "Длительность диабета", "Да", "Нет", "лет", "дней"):
        assert russian in text
    for english in ("Duration of diabetes", "years", "days", "Workup sheet"):
        assert english not in text


def test_a_russian_summary_has_russian_labels_dates_and_numbers(service: WorkupService) -> None:
    patient = service.create_patient("Иванов", "Павел", date(1986, 3, 14), "А-1")
    assert patient.id is not None
    encounter = service.start_encounter(patient.id, "retrograde_ejaculation", "Д-р Волкова", "ru")
    assert encounter.id is not None
    service.set_answer(encounter.id, "hx_diabetes", "type2", "Д-р Волкова")
    service.set_answer(encounter.id, "hx_diabetes_years", Decimal("2.5"), "Д-р Волкова")
    service.set_order(
        encounter.id,
        "sa_order",
        OrderState(OrderStatus.ORDERED, date(2026, 11, 21), ""),
        "Д-р Волкова",
    )
    text = _text(service.summary_pdf(encounter.id))
    for russian in (
        "Обследование при нарушениях эякуляции",
        "Длительность диабета",
        "2,5 года",
        "14 марта 1986",
        "Назначено",
        "Памятка для пациента",
    ):
        assert russian in text
    for english in ("Ejaculatory disorder workup", "Duration of diabetes", "years", "Ordered"):
        assert english not in text
    assert "Ejaculatory disorder workup" in _text(service.summary_pdf(encounter.id, language="en"))
