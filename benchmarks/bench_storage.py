"""Search, list and autosave on the generated SQLite database, against raw sqlite3 floors.

A search is what the encounter list does when the clinician types: count the matches and
load the first page of 200 rows. The floor runs the same two indexed queries with the
sqlite3 module and no mapping. Autosave stores one answer durably through the service on a
copy of the database; its floor is a durable one-row write with sqlite3.

Usage: .venv/bin/python -m benchmarks.bench_storage
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from itertools import cycle
from pathlib import Path

from app.config import Settings
from app.services import WorkupService
from app.storage.repository import search_key
from benchmarks.common import (
    Result,
    benchmark_database,
    median,
    newest_draft_encounter,
    percentile,
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


def _search_terms(database: Path, seed: int = 7) -> tuple[list[str], list[str]]:
    """Name prefixes (2 to 6 letters, as typed, Latin and Cyrillic) and chart prefixes."""
    rng = random.Random(seed)
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            "SELECT family_name, given_name, chart_number FROM patients"
        ).fetchall()
    finally:
        connection.close()
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


def _raw_search(connection: sqlite3.Connection, text: str) -> int:
    key = search_key(text)
    bounds = {
        "key": key,
        "end": key + "\U0010ffff",
        "text": text.strip(),
        "text_end": text.strip() + "\U0010ffff",
    }
    count = connection.execute(FLOOR_COUNT, bounds).fetchone()[0]
    connection.execute(FLOOR_PAGE, bounds).fetchall()
    return int(count)


def _time_searches(
    service: WorkupService, raw: sqlite3.Connection, terms: list[str]
) -> tuple[list[float], list[float]]:
    for term in terms:
        service.count_encounters(term)
        service.list_encounters(term, PAGE)
        _raw_search(raw, term)
    texts = cycle(terms)

    def search() -> object:
        term = next(texts)
        service.count_encounters(term)
        return service.list_encounters(term, PAGE)

    app_samples = time_ms(search, SEARCHES)
    floor_texts = cycle(terms)
    return app_samples, time_ms(lambda: _raw_search(raw, next(floor_texts)), SEARCHES)


def measure_search(database: Path) -> dict[str, tuple[list[float], list[float]]]:
    """Search times (service, raw floor) by name prefix and by chart number."""
    names, charts = _search_terms(database)
    service = WorkupService.open(Settings(), f"sqlite:///{database}")
    raw = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return {
            "name prefix": _time_searches(service, raw, names),
            "chart number": _time_searches(service, raw, charts),
        }
    finally:
        raw.close()
        service.close()


def measure_autosave(database: Path) -> tuple[list[float], list[float]]:
    """Durable single-answer saves through the service, and the sqlite3 floor."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "autosave.sqlite3"
        shutil.copyfile(database, copy)
        encounter_id = newest_draft_encounter(copy)
        service = WorkupService.open(Settings(), f"sqlite:///{copy}")
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
        floor_db = sqlite3.connect(Path(folder) / "floor.sqlite3", isolation_level=None)
        floor_db.execute("PRAGMA journal_mode = WAL")
        floor_db.execute("PRAGMA synchronous = FULL")
        floor_db.execute("CREATE TABLE a (k TEXT PRIMARY KEY, v TEXT)")
        counter = iter(range(10**9))
        floor = time_ms(
            lambda: floor_db.execute(
                "INSERT OR REPLACE INTO a VALUES ('k', ?)", (str(next(counter)),)
            ),
            SAVES,
        )
        floor_db.close()
    return samples, floor


def results(database: Path) -> list[Result]:
    """The table lines of this benchmark."""
    lines: list[Result] = []
    for label, (samples, floor) in measure_search(database).items():
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
    samples, floor = measure_autosave(database)
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
    return lines


def main() -> None:
    """Print the figures."""
    from benchmarks.common import format_table

    print(format_table(results(benchmark_database())))


if __name__ == "__main__":
    main()
