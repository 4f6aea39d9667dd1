"""One workstation in its own process, for the two-process conflict test.

Usage: python -m tests.storage.conflict_worker URL STATION PHASE ENCOUNTER_ID ROUNDS TURNS_DIR

It alternately writes and clears one answer and one order of the encounter (a worker with
PHASE 1 clears when one with PHASE 0 writes, so the two keep clearing each other's values),
each time with the value it last saw as the conflict base, as the window does: after a
conflict it reloads the encounter and takes what is stored as its new base. It prints one
JSON object: for every audit event its writes made, the event id and the base the write was
made from, and the number of conflicts it was told of.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.catalog.loader import Catalog
from app.config import Settings, shipped_workflows_dir
from app.domain.encounter import OrderState, OrderStatus
from app.services import ConflictError, WorkupService
from app.storage.database import open_database

ANSWER = "sx_notes"
ORDER = "lab_cbc"
ORDER_CYCLE = (OrderState(OrderStatus.ORDERED), None, OrderState(OrderStatus.DECLINED), None)


def order_json(state: OrderState | None) -> dict[str, Any] | None:
    """An order state as the audit trail records it."""
    if state is None:
        return None
    return {
        "status": state.status.value,
        "date": state.date.isoformat() if state.date else None,
        "note": state.note,
    }


def _wait_for_turn(turns: Path, turn: int) -> None:
    deadline = time.monotonic() + 120
    while not (turns / str(turn)).exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"turn {turn} never came")
        time.sleep(0.002)


def main(url: str, station: str, phase: int, encounter_id: int, rounds: int, turns: Path) -> None:
    """Run the writes and print what they did."""
    catalog = Catalog.load([shipped_workflows_dir()])
    service = WorkupService(
        open_database(url), catalog, Settings(), lambda: datetime.now(UTC), station
    )
    encounter = service.encounter(encounter_id)
    seen_answer: Any = encounter.answers.get(ANSWER)
    seen_order = encounter.orders.get(ORDER)
    made: list[dict[str, Any]] = []
    conflicts = 0
    known = {event.id for event in service.audit_events(encounter_id)}

    def record(item_id: str, base: Any) -> None:
        """Note the event the last write made, if it made one (storing what is already
        stored makes none)."""
        for event in service.audit_events(encounter_id):
            if event.id in known:
                continue
            known.add(event.id)
            if event.workstation == station and event.item_id == item_id:
                made.append({"event": event.id, "base": base})

    try:
        for step in range(rounds):
            # The two processes take turns (turn files in TURNS_DIR), so that every run
            # meets the same interleavings: a value cleared by the other since it was seen.
            _wait_for_turn(turns, 2 * step + phase)
            index = step + phase
            value = None if index % 2 else f"{station} {index}"
            try:
                service.set_answer(encounter_id, ANSWER, value, station, base=seen_answer)
            except ConflictError:
                conflicts += 1
                seen_answer = service.encounter(encounter_id).answers.get(ANSWER)
            else:
                record(ANSWER, seen_answer)
                seen_answer = value
            state = ORDER_CYCLE[index % len(ORDER_CYCLE)]
            try:
                service.set_order(encounter_id, ORDER, state, station, base=seen_order)
            except ConflictError:
                conflicts += 1
                seen_order = service.encounter(encounter_id).orders.get(ORDER)
            else:
                record(ORDER, order_json(seen_order))
                seen_order = state
            (turns / str(2 * step + phase + 1)).touch()
    finally:
        service.close()
    print(json.dumps({"made": made, "conflicts": conflicts}))


if __name__ == "__main__":
    main(
        sys.argv[1],
        sys.argv[2],
        int(sys.argv[3]),
        int(sys.argv[4]),
        int(sys.argv[5]),
        Path(sys.argv[6]),
    )
