"""What the benchmark scripts share: timing, percentiles, results and the benchmark database."""

from __future__ import annotations

import os
import shutil
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

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


def sqlite_url(database: Path) -> str:
    """The application's URL of a SQLite benchmark database."""
    return f"sqlite:///{database}"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for a server."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


def fetch(url: str, query: str, parameters: dict[str, Any] | None = None) -> list[Any]:
    """The rows of one read-only query on the benchmark database at `url`."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(query), parameters or {}).all())
    finally:
        engine.dispose()


def newest_draft_encounter(url: str, skip: int = 0) -> int:
    """The id of the newest draft encounter (after `skip` newer ones) in a benchmark database."""
    rows = fetch(
        url,
        "SELECT id FROM encounters WHERE status = 'draft' ORDER BY id DESC LIMIT 1 OFFSET :skip",
        {"skip": skip},
    )
    return int(rows[0][0])


@contextmanager
def scratch(url: str, folder: Path, name: str) -> Iterator[str]:
    """A database the benchmark may write to: a copy of a SQLite file in `folder`; a
    server's database itself (the writes change answers of a few draft encounters)."""
    path = sqlite_path(url)
    if path is None:
        yield url
        return
    copy = folder / f"{name}.sqlite3"
    shutil.copyfile(path, copy)
    yield sqlite_url(copy)


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
