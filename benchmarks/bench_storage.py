"""Autosave and search figures on SQLite, each against a raw sqlite3 floor in the same run.

Usage: .venv/bin/python benchmarks/bench_storage.py [ENCOUNTERS]
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from app.config import Settings
from app.services import WorkupService


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def _time(action: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    """Print median and 95th percentile in milliseconds and the ratio to the floor."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        service = WorkupService.open(Settings(), f"sqlite:///{path}")
        encounter_id = 0
        for index in range(count):
            patient = service.create_patient(
                f"Family{index:06d}", "Given", date(1970, 1, 1), f"CH{index:06d}"
            )
            encounter_id = (
                service.start_encounter(patient.id or 0, "retrograde_ejaculation", "Dr. Bench").id
                or 0
            )
        values = ["yes", "no", "unknown"]
        position = iter(range(10**9))

        def save() -> object:
            value = values[next(position) % 3]
            return service.set_answer(encounter_id, "hx_sx_fever", value, "Dr. Bench")

        autosave = _time(save, 200)
        floor_db = sqlite3.connect(Path(folder) / "floor.sqlite3", isolation_level=None)
        floor_db.execute("PRAGMA journal_mode = WAL")
        floor_db.execute("PRAGMA synchronous = FULL")
        floor_db.execute("CREATE TABLE a (k TEXT PRIMARY KEY, v TEXT)")

        def floor_save() -> object:
            return floor_db.execute(
                "INSERT OR REPLACE INTO a VALUES ('k', ?)", (str(next(position)),)
            )

        floor = _time(floor_save, 200)
        search_names = [f"family{index:06d}"[:-2] for index in range(0, count, max(count // 50, 1))]
        names = iter(search_names * 10)
        search = _time(lambda: service.list_encounters(next(names), limit=100), 200)
        raw = sqlite3.connect(path)
        names = iter(search_names * 10)

        def floor_search() -> object:
            key = next(names)
            return raw.execute(
                "SELECT e.id, p.family_name FROM encounters e JOIN patients p "
                "ON p.id = e.patient_id WHERE p.name_key >= ? AND p.name_key < ? "
                "ORDER BY e.updated_at DESC LIMIT 100",
                (key, key + "\U0010ffff"),
            ).fetchall()

        raw_search = _time(floor_search, 200)
        service.close()
    print(f"encounters: {count}")
    print(f"{'figure':<28}{'median ms':>10}{'p95 ms':>10}{'floor p95':>11}{'ratio':>8}")
    for name, samples, floor_samples in [
        ("autosave (durable)", autosave, floor),
        ("search by name prefix", search, raw_search),
    ]:
        median, p95 = _percentiles(samples)
        _floor_median, floor_p95 = _percentiles(floor_samples)
        print(f"{name:<28}{median:>10.2f}{p95:>10.2f}{floor_p95:>11.2f}{p95 / floor_p95:>8.2f}")


if __name__ == "__main__":
    main()
