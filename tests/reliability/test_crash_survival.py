"""Crash survival: a child saving through the service is killed with SIGKILL, again and again.

After every kill the database is reopened: each acknowledged edit is there (in the audit
trail, and as the current value unless a later edit replaced it), the database passes
`PRAGMA integrity_check` and the audit chain is intact.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from app.catalog.loader import Catalog
from app.config import Settings
from app.services import WorkupService
from tests.reliability.crash_child import ORDER_ITEMS
from tests.reliability.helpers import ROOT, LineReader, child_env
from tests.support import WORKFLOW_ID

KILLS = 50
FRESH_INTERPRETER_KILLS = 2
TIMEOUT = 30.0


@dataclass
class Tally:
    """What the runs did, and what was found after each kill."""

    runs: int = 0
    made: int = 0
    acknowledged: int = 0
    editing_runs: int = 0
    found: int = 0
    in_flight_committed: int = 0
    killed_mid_call: int = 0
    audit_events: int = 0
    expected: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Edit:
    """One TRY or ACK line of the child."""

    number: int
    item: str
    value: str


def _edits(lines: list[str], kind: str, run: int) -> list[Edit]:
    found = []
    for line in lines:
        words = line.split()
        if words[0] == kind and int(words[1]) == run:
            found.append(Edit(int(words[2]), words[3], words[4]))
    return found


def _stored_value(item_id: str, raw: str | None) -> str | None:
    if raw is None:
        return None
    value = json.loads(raw)
    return str(value["note"]) if item_id in ORDER_ITEMS else str(value)


def _check_after_kill(
    url: str,
    path: Path,
    encounter_id: int,
    catalog: Catalog,
    lines: list[str],
    run: int,
    tally: Tally,
) -> None:
    tried = _edits(lines, "TRY", run)
    acked = _edits(lines, "ACK", run)
    assert not [line for line in lines if line.startswith("ERROR")], lines
    acked_numbers = {edit.number for edit in acked}
    in_flight = [edit for edit in tried if edit.number not in acked_numbers]
    assert len(in_flight) <= 1, in_flight
    tally.killed_mid_call += len(in_flight)
    tally.runs += 1
    tally.made += len(tried)
    tally.acknowledged += len(acked)

    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        connection.close()
    service = WorkupService.open(Settings(), url, catalog=catalog)
    try:
        verification = service.verify_audit()
        assert verification.ok, verification.first_problem
        events = service.audit_events(encounter_id)
        encounter = service.encounter(encounter_id)
    finally:
        service.close()
    tally.audit_events = verification.events
    recorded = {
        (event.item_id, _stored_value(event.item_id or "", event.new_json))
        for event in events
        if event.action in ("answer", "order")
    }
    for edit in acked:
        assert (edit.item, edit.value) in recorded, f"acknowledged {edit} is not in the audit trail"
        tally.found += 1
        tally.expected[edit.item] = edit.value
    for edit in in_flight:
        if (edit.item, edit.value) in recorded:  # committed just before the kill
            tally.in_flight_committed += 1
            tally.expected[edit.item] = edit.value
    current = {item: str(value) for item, value in encounter.answers.items()}
    current |= {item: state.note for item, state in encounter.orders.items()}
    for item, value in tally.expected.items():
        assert current.get(item) == value, f"run {run}: {item} is {current.get(item)}, not {value}"


def _new_encounter(url: str, catalog: Catalog) -> int:
    service = WorkupService.open(Settings(), url, catalog=catalog)
    try:
        patient = service.create_patient("Crashtest", "Patient", date(1980, 1, 1), "CRASH-1")
        return service.start_encounter(patient.id or 0, WORKFLOW_ID, "Dr. Crash").id or 0
    finally:
        service.close()


def test_acknowledged_edits_survive_sigkill(tmp_path: Path, shipped_catalog: Catalog) -> None:
    path = tmp_path / "crash.sqlite3"
    url = f"sqlite:///{path}"
    encounter_id = _new_encounter(url, shipped_catalog)
    chooser = random.Random(20261121)
    tally = Tally()
    started = time.monotonic()
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.crash_child", url, str(encounter_id)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=child_env(),
    )
    assert server.stdin is not None
    reader = LineReader(server)
    try:
        reader.until("SERVING", TIMEOUT)
        for run in range(KILLS):
            server.stdin.write(f"RUN {run} {chooser.randrange(2**32)}\n")
            server.stdin.flush()
            lines = reader.until(f"PID {run} ", TIMEOUT)
            pid = int(lines[-1].split()[2])
            if run % 10 != 9:  # most runs are killed while editing, some while opening
                lines += reader.until(f"OPEN {run}", TIMEOUT)
                # Killed only once an edit was acknowledged, however busy the machine is:
                # the test asserts on what was acknowledged, never on how fast edits go.
                lines += reader.until(f"ACK {run} ", TIMEOUT)
                tally.editing_runs += 1
            time.sleep(chooser.uniform(0.005, 0.060))
            os.kill(pid, signal.SIGKILL)
            lines += reader.until(f"DONE {run} ", TIMEOUT)
            _check_after_kill(url, path, encounter_id, shipped_catalog, lines, run, tally)
        server.stdin.write("QUIT\n")
        server.stdin.flush()
        assert server.wait(TIMEOUT) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        server.stdin.close()
        if server.stdout is not None:
            server.stdout.close()
    for run in range(KILLS, KILLS + FRESH_INTERPRETER_KILLS):
        _fresh_interpreter_run(url, path, encounter_id, shipped_catalog, run, chooser, tally)
    seconds = time.monotonic() - started
    print(
        f"\ncrash survival: {tally.runs} SIGKILLs in {seconds:.1f} s; edits made {tally.made}, "
        f"acknowledged {tally.acknowledged}, acknowledged and found {tally.found}, "
        f"killed inside a call {tally.killed_mid_call} (of which committed "
        f"{tally.in_flight_committed}); "
        f"audit chain {tally.audit_events} events, intact; "
        f"database {path.stat().st_size} bytes"
    )
    assert tally.runs == KILLS + FRESH_INTERPRETER_KILLS
    assert tally.found == tally.acknowledged
    # Every run meant to be killed while editing had an acknowledged edit before its kill.
    assert tally.editing_runs == KILLS - KILLS // 10
    assert tally.acknowledged >= tally.editing_runs


def _fresh_interpreter_run(
    url: str,
    path: Path,
    encounter_id: int,
    catalog: Catalog,
    run: int,
    chooser: random.Random,
    tally: Tally,
) -> None:
    """One editor in a newly started interpreter (no fork), killed the same way."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.reliability.crash_child",
            "--direct",
            url,
            str(encounter_id),
            str(run),
            str(chooser.randrange(2**32)),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=child_env(),
    )
    reader = LineReader(child)
    try:
        lines = reader.until(f"OPEN {run}", TIMEOUT)
        time.sleep(chooser.uniform(0.005, 0.060))
        child.send_signal(signal.SIGKILL)
        assert child.wait(TIMEOUT) == -signal.SIGKILL
        while True:
            try:
                lines.append(reader.next(TIMEOUT))
            except AssertionError:
                break
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()
    _check_after_kill(url, path, encounter_id, catalog, lines, run, tally)
