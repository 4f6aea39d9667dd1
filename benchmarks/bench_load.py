"""Several workstations at once: 8 processes autosaving against one server, then a check
from the audit trail that no acknowledged edit was lost and no overwrite went unreported.

Each simulated workstation (its own process, its own WorkupService, its own actor name)
types into the free-text note `sx_notes` of its own draft encounters and, one save in
five, of one encounter all of them share, for a bounded time and a bounded number of
saves. Every save gives the value the workstation last showed as its base, as the
window's autosave does, so a save over another workstation's change is refused with a
conflict; the workstation then takes the stored value as its new base, as the conflict
dialog shows it. Every value written is unique. Afterwards the parent reads the audit
events of those encounters and the stored answers, and `check_trail` counts:

- **lost**: an acknowledged save with no audit event recording that value by that actor,
  or an item whose stored value is not the newest audited one;
- **unreported**: an audited save whose old value is not the base its writer sent (it
  replaced a value its writer never saw without a conflict), or an event whose old value
  is not the new value of the event before it on the same item.

Usage: .venv/bin/python -m benchmarks.bench_load URL [SECONDS]
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

STATIONS = 8
OWN_ENCOUNTERS = 4
SHARED_SHARE = 0.2
SECONDS = 30.0
MAX_SAVES = 20000
ITEM = "sx_notes"


@dataclass(frozen=True)
class Ack:
    """A save the service acknowledged: who wrote which value over which base."""

    actor: str
    encounter_id: int
    item_id: str
    base: str | None
    value: str


@dataclass(frozen=True)
class Event:
    """An audit event of an answer: who changed which item from what to what."""

    id: int
    actor: str
    encounter_id: int
    item_id: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class Verdict:
    """What the audit trail shows about the acknowledged saves."""

    acknowledged: int
    audited: int
    lost: int
    unreported: int


def check_trail(
    acks: Iterable[Ack], events: Iterable[Event], stored: dict[tuple[int, str], str | None]
) -> Verdict:
    """Count lost saves and unreported overwrites (see the module's description)."""
    acks = list(acks)
    ordered = sorted(events, key=lambda event: event.id)
    by_write = {(e.actor, e.encounter_id, e.item_id, e.new): e for e in ordered}
    lost = 0
    unreported = 0
    for ack in acks:
        event = by_write.get((ack.actor, ack.encounter_id, ack.item_id, ack.value))
        if event is None:
            lost += 1
        elif event.old != ack.base:
            unreported += 1
    newest: dict[tuple[int, str], Event] = {}
    for event in ordered:
        key = (event.encounter_id, event.item_id)
        before = newest.get(key)
        if before is not None and event.old != before.new:
            unreported += 1
        newest[key] = event
    for key, event in newest.items():
        if stored.get(key) != event.new:
            lost += 1
    return Verdict(len(acks), len(ordered), lost, unreported)


def child(url: str, index: int, own: list[int], shared: int, bases: dict[str, Any]) -> None:
    """One workstation: save until the time or the count is up; print a JSON report."""
    from app.config import Settings
    from app.services import ConflictError, WorkupService

    actor = f"Station {index + 1}"
    rng = random.Random(index)
    service = WorkupService.open(Settings(), url)
    seen: dict[int, str | None] = {int(key): value for key, value in bases.items()}
    acks: list[list[Any]] = []
    times: list[float] = []
    conflicts = 0
    deadline = time.monotonic() + float(os.environ.get("BENCH_LOAD_SECONDS", SECONDS))
    number = 0
    try:
        while time.monotonic() < deadline and number < MAX_SAVES:
            number += 1
            encounter = shared if rng.random() < SHARED_SHARE else rng.choice(own)
            value = f"{actor}, edit {number}"
            started = time.perf_counter()
            try:
                service.set_answer(encounter, ITEM, value, actor, base=seen[encounter])
            except ConflictError as conflict:
                times.append((time.perf_counter() - started) * 1000)
                conflicts += 1
                seen[encounter] = conflict.current
                continue
            times.append((time.perf_counter() - started) * 1000)
            acks.append([actor, encounter, ITEM, seen[encounter], value])
            seen[encounter] = value
    finally:
        service.close()
    sys.stdout.write(json.dumps({"acks": acks, "times": times, "conflicts": conflicts}) + "\n")


def _json_text(stored: str | None) -> str | None:
    return None if stored is None else str(json.loads(stored))


def measure(url: str, seconds: float = SECONDS) -> dict[str, Any]:
    """Run the stations against `url`; return figures and the audit trail's verdict."""
    from benchmarks.common import fetch

    drafts = [
        int(row[0])
        for row in fetch(
            url,
            "SELECT id FROM encounters WHERE status = 'draft' ORDER BY id DESC "
            "LIMIT :count OFFSET 2",
            {"count": STATIONS * OWN_ENCOUNTERS + 1},
        )
    ]
    shared, own = drafts[0], drafts[1:]
    answers = {
        int(row[0]): _json_text(row[1])
        for row in fetch(
            url,
            f"SELECT encounter_id, value_json FROM answers WHERE item_id = '{ITEM}' "
            f"AND encounter_id IN ({','.join(map(str, drafts))})",
        )
    }
    bases = {str(encounter): answers.get(encounter) for encounter in drafts}
    ((first_event,),) = fetch(url, "SELECT coalesce(max(id), 0) FROM audit_events")
    environment = {**os.environ, "BENCH_LOAD_SECONDS": str(seconds)}
    with tempfile.TemporaryDirectory() as folder:
        environment.update(WORKUP_CONFIG_DIR=folder, WORKUP_DATA_DIR=folder)
        started = time.perf_counter()
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.bench_load",
                    "--child",
                    url,
                    str(index),
                    json.dumps(own[index * OWN_ENCOUNTERS : (index + 1) * OWN_ENCOUNTERS]),
                    str(shared),
                    json.dumps(bases),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=environment,
            )
            for index in range(STATIONS)
        ]
        reports = []
        for process in processes:
            out, err = process.communicate(timeout=seconds + 120)
            if process.returncode != 0 or not out.strip():
                raise RuntimeError(f"a station failed: {err.strip()[-500:]}")
            reports.append(json.loads(out.strip().splitlines()[-1]))
        elapsed = time.perf_counter() - started
    acks = [Ack(*ack) for report in reports for ack in report["acks"]]
    events = [
        Event(int(row[0]), row[1], int(row[2]), row[3], _json_text(row[4]), _json_text(row[5]))
        for row in fetch(
            url,
            "SELECT id, actor, encounter_id, item_id, old_json, new_json FROM audit_events "
            f"WHERE id > :first AND action = 'answer' AND item_id = '{ITEM}' "
            f"AND encounter_id IN ({','.join(map(str, drafts))})",
            {"first": first_event},
        )
    ]
    stored = {
        (int(row[0]), ITEM): _json_text(row[1])
        for row in fetch(
            url,
            f"SELECT encounter_id, value_json FROM answers WHERE item_id = '{ITEM}' "
            f"AND encounter_id IN ({','.join(map(str, drafts))})",
        )
    }
    times = [sample for report in reports for sample in report["times"]]
    return {
        "seconds": elapsed,
        "saves": len(times),
        "times": times,
        "conflicts": sum(report["conflicts"] for report in reports),
        "shared_acks": sum(1 for ack in acks if ack.encounter_id == shared),
        "verdict": check_trail(acks, events, stored),
    }


def results(url: str, seconds: float = SECONDS) -> list[Any]:
    """The table lines of the load run."""
    from benchmarks.common import Result, percentile

    report = measure(url, seconds)
    times, verdict = report["times"], report["verdict"]
    return [
        Result(
            f"load: {STATIONS} stations, saves per second",
            report["saves"] / report["seconds"],
            "/s",
            f"{report['saves']} saves in {report['seconds']:.0f} s",
            True,
        ),
        Result("load: autosave p50", percentile(times, 0.50), "ms", "", True),
        Result("load: autosave p95", percentile(times, 0.95), "ms", "", True),
        Result("load: autosave p99", percentile(times, 0.99), "ms", "", True),
        Result(
            "load: conflicts detected",
            float(report["conflicts"]),
            "",
            f"{report['shared_acks']} shared saves acked",
            True,
        ),
        Result(
            "load: acknowledged saves audited",
            float(verdict.acknowledged),
            "",
            f"{verdict.audited} events",
            verdict.audited >= verdict.acknowledged,
        ),
        Result("load: lost edits", float(verdict.lost), "", "0", verdict.lost == 0),
        Result(
            "load: unreported overwrites",
            float(verdict.unreported),
            "",
            "0",
            verdict.unreported == 0,
        ),
    ]


def main() -> None:
    """Run the load against a URL and print the table."""
    if len(sys.argv) > 6 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4]), int(sys.argv[5]),
              json.loads(sys.argv[6]))  # fmt: skip
        return
    from benchmarks.common import format_table

    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else SECONDS
    print(format_table(results(sys.argv[1], seconds)))


if __name__ == "__main__":
    main()
