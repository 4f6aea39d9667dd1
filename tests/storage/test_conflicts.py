"""A write whose base is not what is stored is a conflict, "nothing stored" included."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from app.domain.encounter import OrderState, OrderStatus
from app.services import ConflictError, WorkupService
from tests.postgres import BACKENDS
from tests.storage.conflict_worker import ANSWER, ORDER, order_json
from tests.support import WORKFLOW_ID, FixedClock

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    """Every test here runs on SQLite and on PostgreSQL."""
    backend: str = request.param
    return backend


def _start(service: WorkupService) -> int:
    patient = service.create_patient("Ivanov", "Ivan", date(1980, 5, 17), "A-1")
    encounter = service.start_encounter(patient.id or 0, WORKFLOW_ID, "Dr. A")
    assert encounter.id is not None
    return encounter.id


def test_a_cleared_answer_is_not_overwritten_by_a_writer_who_saw_it(
    service: WorkupService, other_station: WorkupService, clock: FixedClock
) -> None:
    encounter_id = _start(service)
    service.set_answer(encounter_id, "hx_sx_fever", "yes", "Dr. A", base=None)
    seen_by_b = other_station.encounter(encounter_id).answers["hx_sx_fever"]
    clock.now = clock.now.replace(minute=5)
    service.set_answer(encounter_id, "hx_sx_fever", None, "Dr. A", base="yes")
    with pytest.raises(
        ConflictError, match=r"item hx_sx_fever was changed by Dr\. A at 2026-11-21T12:05:00"
    ) as caught:
        other_station.set_answer(encounter_id, "hx_sx_fever", "no", "Dr. B", base=seen_by_b)
    assert (caught.value.item_id, caught.value.current, caught.value.updated_by) == (
        "hx_sx_fever",
        None,
        "Dr. A",
    )
    # Clearing what another workstation cleared already is no conflict and no change.
    before = len(service.audit_events(encounter_id))
    other_station.set_answer(encounter_id, "hx_sx_fever", None, "Dr. B", base=seen_by_b)
    assert len(service.audit_events(encounter_id)) == before
    assert "hx_sx_fever" not in service.encounter(encounter_id).answers
    # Having seen that it is empty, the second writer may answer it.
    other_station.set_answer(encounter_id, "hx_sx_fever", "no", "Dr. B", base=None)
    assert service.encounter(encounter_id).answers["hx_sx_fever"] == "no"


def test_a_first_answer_after_another_workstation_answered_is_a_conflict(
    service: WorkupService, other_station: WorkupService
) -> None:
    encounter_id = _start(service)
    other_station.encounter(encounter_id)
    service.set_answer(encounter_id, "hx_sx_fever", "yes", "Dr. A", base=None)
    with pytest.raises(ConflictError) as caught:
        other_station.set_answer(encounter_id, "hx_sx_fever", None, "Dr. B", base=None)
    assert caught.value.current == "yes"
    assert service.encounter(encounter_id).answers["hx_sx_fever"] == "yes"


def test_a_cleared_order_is_not_overwritten_by_a_writer_who_saw_it(
    service: WorkupService, other_station: WorkupService
) -> None:
    encounter_id = _start(service)
    ordered = OrderState(OrderStatus.ORDERED, date(2026, 11, 21), "fasting")
    service.set_order(encounter_id, "lab_cbc", ordered, "Dr. A", base=None)
    seen_by_b = other_station.encounter(encounter_id).orders["lab_cbc"]
    service.set_order(encounter_id, "lab_cbc", None, "Dr. A", base=ordered)
    with pytest.raises(ConflictError, match=r"item lab_cbc was changed by Dr\. A") as caught:
        other_station.set_order(
            encounter_id, "lab_cbc", OrderState(OrderStatus.DECLINED), "Dr. B", base=seen_by_b
        )
    assert caught.value.current is None
    assert "lab_cbc" not in service.encounter(encounter_id).orders
    declined = OrderState(OrderStatus.DECLINED)
    other_station.set_order(encounter_id, "lab_cbc", declined, "Dr. B", base=None)
    assert service.encounter(encounter_id).orders["lab_cbc"] == declined


def test_two_processes_writing_and_clearing_one_item_never_overwrite_silently(
    service: WorkupService, database_url: str, tmp_path: Path
) -> None:
    """Two workstation processes set and clear the same answer and order in turn.

    A silent overwrite is a stored change whose old value (in its audit event) is not the
    value its writer last saw; every such write must have been refused as a conflict.
    """
    encounter_id = _start(service)
    rounds = 40
    turns = tmp_path / "turns"
    turns.mkdir()
    (turns / "0").touch()
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.storage.conflict_worker",
                database_url,
                station,
                str(phase),
                str(encounter_id),
                str(rounds),
                str(turns),
            ],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for phase, station in enumerate(("station-1", "station-2"))
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err
        results.append(json.loads(out))
    events = {event.id: event for event in service.audit_events(encounter_id)}
    made = [entry for result in results for entry in result["made"]]
    silent = [
        entry
        for entry in made
        if json.loads(events[entry["event"]].old_json or "null") != entry["base"]
    ]
    stored = [events[entry["event"]] for entry in made]
    clears = sum(1 for event in stored if event.new_json is None)
    conflicts = sum(result["conflicts"] for result in results)
    # Every change of the two items is accounted for by one of the workers' writes.
    assert sorted(entry["event"] for entry in made) == sorted(
        event.id for event in events.values() if event.item_id in (ANSWER, ORDER)
    )
    assert silent == [], f"{len(silent)} silent overwrites"
    assert clears > 0, "the run must clear items"
    assert conflicts > 0, "the run must meet conflicts"
    final = service.encounter(encounter_id)
    last = {item: [e for e in stored if e.item_id == item][-1] for item in (ANSWER, ORDER)}
    assert json.loads(last[ANSWER].new_json or "null") == final.answers.get(ANSWER)
    assert json.loads(last[ORDER].new_json or "null") == order_json(final.orders.get(ORDER))
    assert service.verify_audit().ok
    # Shown with `pytest -rP`: the figures of this run.
    print(
        f"writes stored {len(made)} (clears {clears}), conflicts reported {conflicts}, "
        f"silent overwrites {len(silent)}"
    )
