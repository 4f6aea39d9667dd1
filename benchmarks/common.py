"""What the benchmark scripts share: timing, percentiles, results and the benchmark database."""

from __future__ import annotations

import os
import sqlite3
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.generate import ensure_database

PATIENTS = int(os.environ.get("BENCH_PATIENTS", "20000"))
ENCOUNTERS = int(os.environ.get("BENCH_ENCOUNTERS", "100000"))


@dataclass(frozen=True)
class Result:
    """One line of the benchmark table."""

    name: str
    figure: float
    unit: str
    target: str
    met: bool
    floor: float | None = None

    @property
    def ratio(self) -> float | None:
        """The figure over its floor, when it has one."""
        if self.floor is None or self.floor <= 0:
            return None
        return self.figure / self.floor


def benchmark_database() -> Path:
    """The generated database every benchmark reads (made once, then reused)."""
    return ensure_database(PATIENTS, ENCOUNTERS)


def newest_draft_encounter(database: Path) -> int:
    """The id of the newest draft encounter in a benchmark database (read-only)."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        row = connection.execute(
            "SELECT id FROM encounters WHERE status = 'draft' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    finally:
        connection.close()
    return int(row[0])


def percentile(samples: list[float], share: float) -> float:
    """The `share` percentile (0..1) of `samples`, nearest rank."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(samples: list[float]) -> float:
    """The median of `samples`."""
    return statistics.median(samples)


def time_ms(action: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of `repeat` calls of `action`."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def format_table(results: list[Result]) -> str:
    """The one table `make bench` prints."""
    header = f"{'benchmark':<44}{'figure':>14}{'floor':>12}{'ratio':>8}  {'target':<26}{'met':>4}"
    lines = [header, "-" * len(header)]
    for result in results:
        floor = "" if result.floor is None else f"{result.floor:.1f}"
        ratio = "" if result.ratio is None else f"{result.ratio:.2f}"
        figure = f"{result.figure:.1f} {result.unit}"
        met = "yes" if result.met else "NO"
        lines.append(
            f"{result.name:<44}{figure:>14}{floor:>12}{ratio:>8}  {result.target:<26}{met:>4}"
        )
    return "\n".join(lines)
