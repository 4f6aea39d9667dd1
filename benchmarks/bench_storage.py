"""Search, list and autosave on the generated database, against raw driver floors.

A search is what the encounter list does when the clinician types: count the matches and
load the first page of 200 rows. The floor runs the same two indexed queries with the
driver alone (sqlite3, or psycopg on a server) and no mapping. Autosave stores one answer
durably through the service (on a copy of a SQLite file; on a server, in its database);
its floor is a durable one-row write with the same driver.

Usage: .venv/bin/python -m benchmarks.bench_storage
"""

from __future__ import annotations

import random
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import cycle
from pathlib import Path
from typing import Any

from app.config import Settings
from app.services import WorkupService
from app.storage.repository import search_key
from benchmarks.common import (
    Result,
    benchmark_database,
    fetch,
    median,
    newest_draft_encounter,
    percentile,
    scratch,
    sqlite_path,
    sqlite_url,
    time_ms,
)

PAGE = 200
SEARCHES = 300
SAVES = 300
SEARCH_P95_MS = 20.0
SEARCH_RATIO = 3.0
AUTOSAVE_P95_MS = 10.0
# The floor finds the same encounters as the application (name, given name or chart
# number starting with the text) with the same indexes, in plain SQL.
FLOOR_MATCH = (
    "SELECT id FROM patients WHERE name_key >= :key AND name_key < :end "
    "UNION SELECT id FROM patients WHERE given_key >= :key AND given_key < :end "
    "UNION SELECT id FROM patients WHERE chart_number >= :text AND chart_number < :text_end"
)
FLOOR_COUNT = f"SELECT count(*) FROM encounters WHERE patient_id IN ({FLOOR_MATCH})"
FLOOR_PAGE = (
    "SELECT e.id, e.uid, e.patient_id, p.family_name, p.given_name, p.birth_date, "
    "p.chart_number, s.workflow_id, s.version, e.status, e.clinician, e.created_at, "
    "e.updated_at FROM encounters e JOIN patients p ON p.id = e.patient_id "
    f"JOIN workflow_snapshots s ON s.id = e.snapshot_id WHERE e.patient_id IN ({FLOOR_MATCH}) "
    "ORDER BY e.updated_at DESC, e.id DESC LIMIT 200"
)


Execute = Callable[[str, dict[str, Any]], list[Any]]


@contextmanager
def raw_driver(url: str) -> Iterator[Execute]:
    """The floor's driver on `url`: sqlite3 read-only, or psycopg (autocommit, its
    statements prepared after a few uses, as psycopg does by default)."""
    path = sqlite_path(url)
    if path is not None:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            yield lambda query, bounds: connection.execute(query, bounds).fetchall()
        finally:
            connection.close()
        return
    from benchmarks.server import psql

    with psql(url) as server:
        yield lambda query, bounds: server.execute(
            re.sub(r":(\w+)", r"%(\1)s", query), bounds
        ).fetchall()


def _search_terms(url: str, seed: int = 7) -> tuple[list[str], list[str]]:
    """Name prefixes (2 to 6 letters, as typed, Latin and Cyrillic) and chart prefixes."""
    rng = random.Random(seed)
    rows = fetch(url, "SELECT family_name, given_name, chart_number FROM patients ORDER BY id")
    names: list[str] = []
    charts: list[str] = []
    for _ in range(60):
        family, given, chart = rng.choice(rows)
        length = rng.randrange(2, 7)
        typed = family[:length]
        names.append(typed.upper() if rng.random() < 0.3 else typed)
        if rng.random() < 0.3:
            names.append(f"{family} {given[:2]}")
        charts.append(chart[: rng.randrange(5, len(chart) + 1)])
    return names, charts


def _raw_search(execute: Execute, text: str) -> int:
    key = search_key(text)
    bounds = {
        "key": key,
        "end": key + "\U0010ffff",
        "text": text.strip(),
        "text_end": text.strip() + "\U0010ffff",
    }
    count = execute(FLOOR_COUNT, bounds)[0][0]
    execute(FLOOR_PAGE, bounds)
    return int(count)


def _time_searches(
    service: WorkupService, raw: Execute, terms: list[str]
) -> tuple[list[float], list[float]]:
    for term in terms:
        service.search_encounters(term, PAGE)
        _raw_search(raw, term)
    texts = cycle(terms)

    def search() -> object:
        # What the encounter list does on each keystroke: the count and the first page.
        return service.search_encounters(next(texts), PAGE)

    app_samples = time_ms(search, SEARCHES)
    floor_texts = cycle(terms)
    return app_samples, time_ms(lambda: _raw_search(raw, next(floor_texts)), SEARCHES)


def measure_search(url: str) -> dict[str, tuple[list[float], list[float]]]:
    """Search times (service, raw floor) by name prefix and by chart number."""
    names, charts = _search_terms(url)
    service = WorkupService.open(Settings(), url)
    try:
        with raw_driver(url) as raw:
            return {
                "name prefix": _time_searches(service, raw, names),
                "chart number": _time_searches(service, raw, charts),
            }
    finally:
        service.close()


def _floor_writes(url: str, folder: Path) -> list[float]:
    """Durable one-row writes with the bare driver: sqlite3 (WAL, synchronous=FULL) in a new
    file, or psycopg in autocommit on a one-row table of the server's database."""
    counter = iter(range(10**9))
    if sqlite_path(url) is not None:
        floor_db = sqlite3.connect(folder / "floor.sqlite3", isolation_level=None)
        floor_db.execute("PRAGMA journal_mode = WAL")
        floor_db.execute("PRAGMA synchronous = FULL")
        floor_db.execute("CREATE TABLE a (k TEXT PRIMARY KEY, v TEXT)")
        try:
            return time_ms(
                lambda: floor_db.execute(
                    "INSERT OR REPLACE INTO a VALUES ('k', ?)", (str(next(counter)),)
                ),
                SAVES,
            )
        finally:
            floor_db.close()
    from benchmarks.server import psql

    with psql(url) as server:
        server.execute("CREATE TABLE bench_floor (k TEXT PRIMARY KEY, v TEXT)")
        try:
            return time_ms(
                lambda: server.execute(
                    "INSERT INTO bench_floor VALUES ('k', %s) "
                    "ON CONFLICT (k) DO UPDATE SET v = excluded.v",
                    (str(next(counter)),),
                ),
                SAVES,
            )
        finally:
            server.execute("DROP TABLE bench_floor")


def measure_autosave(url: str) -> tuple[list[float], list[float]]:
    """Durable single-answer saves through the service, and the bare driver's floor."""
    with tempfile.TemporaryDirectory() as folder, scratch(url, Path(folder), "autosave") as copy:
        encounter_id = newest_draft_encounter(copy)
        service = WorkupService.open(Settings(), copy)
        values: Iterator[str] = cycle(["yes", "no", "unknown"])
        texts = cycle([f"Typed note, revision {number}" for number in range(97)])
        try:
            time_ms(
                lambda: service.set_answer(encounter_id, "hx_sx_fever", next(values), "Dr. Bench"),
                20,
            )

            def save() -> object:
                service.set_answer(encounter_id, "hx_sx_fever", next(values), "Dr. Bench")
                return service.set_answer(encounter_id, "sx_notes", next(texts), "Dr. Bench")

            samples = [sample / 2 for sample in time_ms(save, SAVES // 2)]
        finally:
            service.close()
        floor = _floor_writes(copy, Path(folder))
    return samples, floor


def count_round_trips(url: str, saves: int = 20) -> dict[str, float]:
    """Per autosave through the service: the pooled connections handed out (each pinged
    first on a server), transactions begun and committed, and SQL statements sent. On a
    server each of them is a round trip (psycopg sends BEGIN and COMMIT on their own)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import Pool

    counts = {"checkouts": 0, "begins": 0, "statements": 0, "commits": 0}

    def counter(name: str) -> Callable[..., None]:
        def count(*_arguments: object, **_keywords: object) -> None:
            counts[name] += 1

        return count

    listeners: list[tuple[Any, str, Callable[..., None]]] = [
        (Pool, "checkout", counter("checkouts")),
        (Engine, "begin", counter("begins")),
        (Engine, "before_cursor_execute", counter("statements")),
        (Engine, "commit", counter("commits")),
    ]
    with tempfile.TemporaryDirectory() as folder, scratch(url, Path(folder), "trips") as copy:
        encounter_id = newest_draft_encounter(copy)
        service = WorkupService.open(Settings(), copy)
        texts = cycle([f"Counted note, revision {number}" for number in range(97)])
        try:
            service.set_answer(encounter_id, "sx_notes", next(texts), "Dr. Bench")
            for target, name, listener in listeners:
                event.listen(target, name, listener)
            try:
                for _ in range(saves):
                    service.set_answer(encounter_id, "sx_notes", next(texts), "Dr. Bench")
            finally:
                for target, name, listener in listeners:
                    event.remove(target, name, listener)
        finally:
            service.close()
    return {name: count / saves for name, count in counts.items()}


def results(url: str) -> list[Result]:
    """The table lines of this benchmark."""
    lines: list[Result] = []
    for label, (samples, floor) in measure_search(url).items():
        p95, floor_p95 = percentile(samples, 0.95), percentile(floor, 0.95)
        lines.append(
            Result(
                f"search by {label}: median",
                median(samples),
                "ms",
                "",
                True,
                median(floor),
            )
        )
        lines.append(
            Result(
                f"search by {label}: p95",
                p95,
                "ms",
                f"<= {SEARCH_P95_MS:.0f} ms, ratio <= {SEARCH_RATIO:.0f}",
                p95 <= SEARCH_P95_MS and p95 <= SEARCH_RATIO * floor_p95,
                floor_p95,
            )
        )
    samples, floor = measure_autosave(url)
    p95 = percentile(samples, 0.95)
    lines.append(
        Result(
            "autosave one answer (durable): p95",
            p95,
            "ms",
            f"<= {AUTOSAVE_P95_MS:.0f} ms",
            p95 <= AUTOSAVE_P95_MS,
            percentile(floor, 0.95),
        )
    )
    trips = count_round_trips(url)
    lines.append(
        Result(
            "autosave: statements per save",
            trips["statements"],
            "",
            "+ {checkouts:g} checkout, {begins:g} begin, {commits:g} commit".format(**trips),
            True,
        )
    )
    return lines


def main() -> None:
    """Print the figures."""
    from benchmarks.common import format_table

    print(format_table(results(sqlite_url(benchmark_database()))))


if __name__ == "__main__":
    main()
