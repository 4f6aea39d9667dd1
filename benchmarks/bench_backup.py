"""Backups of the 100,000-encounter database: time against `cp`, and the window while one runs.

- **backup**: `backup_database` (SQLite's online backup API, then the copy's integrity
  check, encounter count and audit head compared with the source) of the benchmark
  database into a temporary folder, against `cp` of the same file to the same disk; the
  median of 3 of each, interleaved. Target: at most 2x `cp`.
- **stall**: a new process opens the real main window (offscreen) on a copy of the
  database and starts an automatic backup the way the window does (worker thread); a 5 ms
  heartbeat timer records how late it fires until the backup has finished. Target: the
  longest stall under 50 ms.

Usage: .venv/bin/python -m benchmarks.bench_backup [time|stall]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

TARGET_RATIO = 2.0
STALL_TARGET_MS = 50.0
HEARTBEAT_MS = 5


def measure_time(database: Path, runs: int = 3) -> tuple[list[float], list[float]]:
    """Seconds of `backup_database` and of `cp`, interleaved, into folders on the same disk."""
    from app.config import Settings
    from app.services import backup_database

    backup_times: list[float] = []
    copy_times: list[float] = []
    with tempfile.TemporaryDirectory(dir=database.parent) as folder:
        settings = Settings(backup_dir=str(Path(folder) / "backups"))
        for run in range(runs):
            started = time.perf_counter()
            _label, written, info = backup_database(f"sqlite:///{database}", settings, "manual")
            backup_times.append(time.perf_counter() - started)
            if info is None or info.check != "ok":
                raise RuntimeError("the benchmark backup failed its check")
            written.unlink()
            target = Path(folder) / f"copy-{run}.sqlite3"
            started = time.perf_counter()
            subprocess.run(["cp", str(database), str(target)], check=True)
            copy_times.append(time.perf_counter() - started)
            target.unlink()
    return backup_times, copy_times


def child_stall(url: str, backups: str) -> None:
    """Open the window, start an automatic backup, record the heartbeat until it is done."""
    from dataclasses import replace

    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from app.config import Settings
    from app.gui.application import create_application
    from app.gui.main_window import MainWindow
    from app.services import WorkupService

    application = create_application(sys.argv[:1])
    settings = Settings(backup_dir=backups)
    service = WorkupService.open(settings, url)
    window = MainWindow(service, replace(settings))
    window.show()
    for _ in range(20):
        QApplication.processEvents()
    beats: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(lambda: beats.append(clock.nsecsElapsed() / 1e6))
    heartbeat.start()
    finished: list[tuple[str, bool, str]] = []
    window.auto_backup.report.connect(lambda *args: finished.append(args))
    started = time.perf_counter()
    if not window.auto_backup.runner.start("editing"):
        raise RuntimeError("the backup did not start")
    deadline = started + 600
    while not finished and time.perf_counter() < deadline:
        application.processEvents()
        time.sleep(0.001)
    seconds = time.perf_counter() - started
    gaps = [later - earlier - HEARTBEAT_MS for earlier, later in pairwise(beats)]
    sys.stdout.write(
        json.dumps(
            {
                "worked": bool(finished and finished[0][1]),
                "detail": finished[0][2] if finished else "timed out",
                "longest_stall_ms": max(gaps, default=0.0),
                "beats": len(beats),
                "seconds": seconds,
            }
        )
        + "\n"
    )
    sys.stdout.flush()
    os._exit(0)


def measure_server_time(url: str, runs: int = 3) -> tuple[list[float], list[float]]:
    """Seconds of `backup_database` (pg_dump, written atomically) of a server database and
    of a bare `pg_dump --format=custom` of it, interleaved."""
    from sqlalchemy.engine import make_url

    from app.config import Settings
    from app.services import backup_database

    parsed = make_url(url)
    uri = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    backup_times: list[float] = []
    dump_times: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(backup_dir=str(Path(folder) / "backups"))
        for run in range(runs):
            started = time.perf_counter()
            _label, written, _info = backup_database(url, settings, "manual")
            backup_times.append(time.perf_counter() - started)
            written.unlink()
            target = Path(folder) / f"dump-{run}"
            started = time.perf_counter()
            subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", f"--dbname={uri}"],
                check=True,
            )
            dump_times.append(time.perf_counter() - started)
            target.unlink()
    return backup_times, dump_times


def measure_stall(database: Path | str) -> dict[str, Any]:
    """The child's report: longest stall while an automatic backup runs (on a copy of a
    SQLite file, or on the server's database given by its URL)."""
    with tempfile.TemporaryDirectory() as folder:
        if isinstance(database, Path):
            copy = Path(folder) / "live.sqlite3"
            shutil.copyfile(database, copy)
            url = f"sqlite:///{copy}"
        else:
            url = database
        environment = dict(os.environ)
        environment.update(
            QT_QPA_PLATFORM="offscreen",
            WORKUP_CONFIG_DIR=str(Path(folder) / "config"),
            WORKUP_DATA_DIR=str(Path(folder) / "data"),
        )
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.bench_backup",
                "--child",
                url,
                str(Path(folder) / "backups"),
            ],
            capture_output=True,
            text=True,
            env=environment,
            check=False,
            timeout=900,
        )
        lines = completed.stdout.strip().splitlines()
        if not lines:
            raise RuntimeError(f"the stall child failed: {completed.stderr[-500:]}")
        report: dict[str, Any] = json.loads(lines[-1])
        if not report["worked"]:
            raise RuntimeError(f"the automatic backup failed: {report['detail']}")
        return report


def results(url: str) -> list[Any]:
    """The table lines of this benchmark."""
    from benchmarks.common import Result, median, sqlite_path

    database = sqlite_path(url)
    if database is None:
        backup_times, copy_times = measure_server_time(url)
        label = "backup of the database (median of 3; floor: pg_dump)"
    else:
        backup_times, copy_times = measure_time(database)
        label = "backup of the database (median of 3; floor: cp)"
    figure, floor = median(backup_times), median(copy_times)
    stall = measure_stall(url if database is None else database)
    return [
        Result(
            label,
            figure * 1000,
            "ms",
            f"ratio <= {TARGET_RATIO:g}",
            figure / floor <= TARGET_RATIO,
            floor * 1000,
        ),
        Result(
            "window stall during an automatic backup",
            float(stall["longest_stall_ms"]),
            "ms",
            f"<= {STALL_TARGET_MS:g} ms",
            float(stall["longest_stall_ms"]) <= STALL_TARGET_MS,
        ),
    ]


def main() -> None:
    """Print the figures of one or both measurements."""
    if len(sys.argv) > 3 and sys.argv[1] == "--child":
        child_stall(sys.argv[2], sys.argv[3])
        return
    from benchmarks.common import benchmark_database, median

    database = benchmark_database()
    which = sys.argv[1] if len(sys.argv) > 1 else "both"
    if which in ("time", "both"):
        backup_times, copy_times = measure_time(database)
        print("backup s:", " ".join(f"{value:.2f}" for value in backup_times))
        print("cp     s:", " ".join(f"{value:.2f}" for value in copy_times))
        ratio = median(backup_times) / median(copy_times)
        print(f"ratio {ratio:.2f} (target <= {TARGET_RATIO:g})")
    if which in ("stall", "both"):
        report = measure_stall(database)
        print(
            f"longest stall {report['longest_stall_ms']:.1f} ms over {report['seconds']:.1f} s "
            f"({report['beats']} beats; target <= {STALL_TARGET_MS:g} ms)"
        )


if __name__ == "__main__":
    main()
