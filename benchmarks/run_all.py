"""Run every benchmark on the generated database and print one table.

Usage: .venv/bin/python -m benchmarks.run_all   (or `make bench`)
"""

from __future__ import annotations

import os
import platform
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import bench_backup, bench_gui, bench_pdf, bench_startup, bench_storage
from benchmarks.common import Result, benchmark_database, format_table

BENCHMARKS: list[tuple[str, Callable[[Path], list[Result]]]] = [
    ("start-up", bench_startup.results),
    ("search, list and autosave", bench_storage.results),
    ("PDF", bench_pdf.results),
    ("GUI memory and typing", bench_gui.results),
    ("backups", bench_backup.results),
]


def machine() -> str:
    """The processor, cores and versions the figures were measured with."""
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


def main() -> None:
    """Run everything; a benchmark that fails is reported and the others still run."""
    started = time.perf_counter()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    database = benchmark_database()
    results: list[Result] = []
    failures: list[str] = []
    for name, run in BENCHMARKS:
        try:
            results.extend(run(database))
        except Exception as error:  # one broken benchmark must not hide the others
            failures.append(f"{name}: {type(error).__name__}: {error}")
    print(f"machine: {machine()}")
    print(f"database: {database}")
    print(format_table(results))
    for failure in failures:
        print(f"FAILED {failure}")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
