"""The rules of signing, each with a test that fails when the rule is taken out."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.encounter import OrderState, OrderStatus
from app.services import InvalidInputError, WorkupService
from app.storage.errors import LockedError
from tests.support import WORKFLOW_ID


def _draft(service: WorkupService) -> int:
    patient = service.create_patient("Ivanov", "Pavel", date(1980, 5, 1), "C-1")
    assert patient.id is not None
    encounter = service.start_encounter(patient.id, WORKFLOW_ID, "Dr. A")
    assert encounter.id is not None
    service.set_answer(encounter.id, "visit_main_complaint", "Dry orgasm", "Dr. A")
    return encounter.id


def test_a_required_item_hidden_by_its_condition_does_not_block_signing(
    service: WorkupService,
) -> None:
    """peu_pre_void is required, but shown only once the urine test is ordered."""
    item = service.workflow(WORKFLOW_ID).item("peu_pre_void")
    assert item.required
    assert item.show_when is not None
    encounter_id = _draft(service)
    assert "peu_order" not in service.encounter(encounter_id).orders
    signed = service.finalize(encounter_id, "Dr. A")
    assert signed.finalized_by == "Dr. A"


def test_the_same_item_once_shown_does_block_signing(service: WorkupService) -> None:
    encounter_id = _draft(service)
    ordered = OrderState(OrderStatus.ORDERED, service.today(), "")
    service.set_order(encounter_id, "peu_order", ordered, "Dr. A")
    missing = [
        item.id for _section, item in service.missing_required(service.encounter(encounter_id))
    ]
    assert "peu_pre_void" in missing
    with pytest.raises(InvalidInputError):
        service.finalize(encounter_id, "Dr. A")


def test_the_repository_itself_refuses_to_sign_a_signed_encounter(
    service: WorkupService,
) -> None:
    """Below the service's checks: the storage's own guard, not only the window's."""
    encounter_id = _draft(service)
    service.finalize(encounter_id, "Dr. A")
    with pytest.raises(LockedError, match="can no longer be changed"):
        service._repository.finalize(encounter_id, "Dr. B")
    assert service.encounter(encounter_id).finalized_by == "Dr. A"
