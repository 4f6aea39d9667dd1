"""`make demo`: a sample encounter in a temporary database, exported as JSON and PDF."""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

from app.config import Settings
from app.domain.encounter import OrderState, OrderStatus
from app.domain.values import YnuDetails
from app.services import ServiceError, WorkupService

CLINICIAN = "Dr. A. Demo"


def main() -> int:
    """Create, fill, sign and export one sample encounter; print where the files are."""
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out") / "demo"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(clinic_name="Demo Urology Clinic", clinic_address="1 Sample Street")
        service = WorkupService.open(settings, f"sqlite:///{Path(folder) / 'demo.sqlite3'}")
        try:
            patient = service.create_patient("Sample", "Patient", date(1984, 4, 12), "DEMO-001")
            encounter = service.start_encounter(
                patient.id or 0, "retrograde_ejaculation", CLINICIAN
            )
            encounter_id = encounter.id or 0
            answers: dict[str, object] = {
                "visit_main_complaint": "Hardly any fluid at orgasm for a year.",
                "hx_sx_low_volume": "yes",
                "hx_sx_dry_orgasm": "yes",
                "hx_sx_cloudy_urine": "yes",
                "hx_med_alpha_blocker": YnuDetails("yes", "tamsulosin 0.4 mg since 2024"),
                "hx_diabetes": "type2",
                "hx_diabetes_years": "6",
                "fert_wish": "now",
                "peu_pre_void": "leave_some",
                "peu_purpose": "diagnostic",
                "sa_scope": "basic",
            }
            orders = {
                "sa_order": OrderState(OrderStatus.ORDERED, service.today(), ""),
                "peu_order": OrderState(OrderStatus.ORDERED, service.today(), "Same visit."),
                "lab_urinalysis": OrderState(OrderStatus.ORDERED, service.today(), ""),
                "lab_hba1c": OrderState(OrderStatus.DONE_ELSEWHERE, date(2026, 10, 2), "GP"),
                "ref_psych": OrderState(OrderStatus.DECLINED, None, "Patient prefers not to."),
            }
            for item_id, state in orders.items():
                service.set_order(encounter_id, item_id, state, CLINICIAN)
            for item_id, value in answers.items():
                service.set_answer(encounter_id, item_id, value, CLINICIAN)  # type: ignore[arg-type]
            service.finalize(encounter_id, CLINICIAN)
            json_path = out / "demo-encounter.json"
            json_path.write_text(service.export_document(encounter_id), encoding="utf-8")
            print(f"encounter document: {json_path}")
            try:
                pdf_path = out / "demo-summary.pdf"
                service.write_pdf(pdf_path, service.summary_pdf(encounter_id))
                print(f"summary PDF: {pdf_path}")
                copy_path = out / "demo-patient-copy.pdf"
                service.write_pdf(copy_path, service.summary_pdf(encounter_id, patient_copy=True))
                print(f"patient copy PDF: {copy_path}")
                sheet_path = out / "demo-blank-sheet.pdf"
                service.write_pdf(sheet_path, service.sheet_pdf("retrograde_ejaculation", "en"))
                print(f"blank sheet PDF: {sheet_path}")
            except ImportError:
                print("PDF export is not available in this build")
        except ServiceError as error:
            print(f"demo: {error}", file=sys.stderr)
            return 1
        finally:
            service.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
