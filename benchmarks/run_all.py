"""Run every benchmark on the generated database and print one table.

Usage: .venv/bin/python -m benchmarks.run_all             (or `make bench`)
       .venv/bin/python -m benchmarks.run_all --server    (or `make bench-server`)
       .venv/bin/python -m benchmarks.run_all --server --latency 1 5

With --server the same generated data is loaded into a private PostgreSQL server
(benchmarks/server.py; the load is timed) and every benchmark runs on it. With --latency
the key figures are measured again through a proxy that adds that many milliseconds to
every round trip (benchmarks/latency.py); their floors go through the same proxy.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import make_url

from benchmarks import (
    bench_backup,
    bench_gui,
    bench_pdf,
    bench_scan,
    bench_startup,
    bench_storage,
)
from benchmarks.common import Result, benchmark_database, format_table, sqlite_url

BENCHMARKS: list[tuple[str, Callable[[str], list[Any]]]] = [
    ("start-up", bench_startup.results),
    ("search, list and autosave", bench_storage.results),
    ("PDF", bench_pdf.results),
    ("GUI memory and typing", bench_gui.results),
    ("backups", bench_backup.results),
    ("paper scan", bench_scan.results),
]
LATENCY_BENCHMARKS: list[tuple[str, Callable[[str], list[Any]]]] = [
    ("start-up", lambda url: bench_startup.results(url, runs=5)[:1]),
    ("search, list and autosave", bench_storage.results),
    ("PDF", lambda url: bench_pdf.results(url)[1:]),
    ("typing", lambda url: bench_gui._typing_results(bench_gui.measure_typing(url))),
]


def machine() -> str:
    """The processor, cores and versions the figures were measured with."""
    from pathlib import Path

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from PySide6 import __version__ as pyside_version

    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"PySide6 {pyside_version}, SQLite {sqlite3.sqlite_version}"
    )


def run(url: str, benchmarks: list[tuple[str, Callable[[str], list[Any]]]]) -> list[Result]:
    """Every benchmark on `url`; one that fails is reported and the others still run."""
    results: list[Result] = []
    for name, benchmark in benchmarks:
        try:
            results.extend(benchmark(url))
        except Exception as error:  # one broken benchmark must not hide the others
            print(f"FAILED {name}: {type(error).__name__}: {error}")
    return results


def select_one_us(url: str, samples: int = 200) -> float:
    """The median microseconds of `SELECT 1` with psycopg on `url` (one round trip)."""
    from benchmarks.server import psql

    times = []
    with psql(url) as connection:
        for _ in range(samples):
            started = time.perf_counter()
            connection.execute("SELECT 1").fetchall()
            times.append((time.perf_counter() - started) * 1_000_000)
    return statistics.median(times)


def server_main(latencies: list[float], load_seconds: float, suite: bool) -> None:
    """Load the data into a private server, run everything on it, then with latency, then
    the several-workstation load run."""
    from benchmarks import bench_load
    from benchmarks.latency import delayed
    from benchmarks.server import server

    with server(benchmark_database()) as running:
        print(f"loaded with workup db copy in {running.load_seconds:.1f} s")
        direct = select_one_us(running.url)
        results = [
            Result("load: workup db copy, 20,000/100,000", running.load_seconds, "s", "", True),
            Result("round trip: psycopg SELECT 1 (median)", direct, "us", "", True),
            *(run(running.url, BENCHMARKS) if suite else []),
        ]
        print("PostgreSQL on 127.0.0.1, no added latency")
        print(format_table(results), flush=True)
        for latency in latencies:
            port = make_url(running.url).port
            assert port is not None
            with delayed(port, latency) as proxy_port:
                url = make_url(running.url).set(port=proxy_port)
                proxied = url.render_as_string(hide_password=False)
                trip = select_one_us(proxied)
                lines = [
                    Result(
                        "round trip: psycopg SELECT 1 (median)",
                        trip,
                        "us",
                        f"+{latency:g} ms",
                        True,
                        direct,
                    ),
                    *run(proxied, LATENCY_BENCHMARKS),
                ]
            print(f"PostgreSQL through the proxy, {latency:g} ms added to each round trip")
            print(format_table(lines), flush=True)
        if load_seconds > 0:
            lines = run(
                running.url, [("load run", lambda url: bench_load.results(url, load_seconds))]
            )
            print(
                f"{bench_load.STATIONS} workstations at once for {load_seconds:g} s, "
                "no added latency"
            )
            print(format_table(lines), flush=True)


def main() -> None:
    """Run everything on the SQLite file, or (--server) on PostgreSQL."""
    parser = argparse.ArgumentParser(prog="benchmarks.run_all")
    parser.add_argument("--server", action="store_true", help="run on a private PostgreSQL")
    parser.add_argument("--latency", type=float, nargs="*", default=[], metavar="MS")
    parser.add_argument("--load", type=float, default=0.0, metavar="SECONDS")
    parser.add_argument("--no-suite", action="store_true", help="(--server) skip the suite")
    options = parser.parse_args()
    started = time.perf_counter()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    print(f"machine: {machine()}")
    if options.server:
        server_main(options.latency, options.load, not options.no_suite)
    else:
        database = benchmark_database()
        print(f"database: {database}")
        print(format_table(run(sqlite_url(database), BENCHMARKS)))
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
