"""Start-up: `workup` to the first painted main window with its encounter list populated.

Each run is a new process with the offscreen Qt platform; the figure is the median wall
time from starting the process to the first paint of the encounter table holding rows.
The floor is a process that shows a bare QMainWindow, imports sqlalchemy.orm and runs one
indexed select on the same database. The child also reports whether Alembic or reportlab
were imported by then (they must not be).

The self-contained bundle (dist/workup, `make bundle`) is timed beside the virtual
environment's console script, both to the same point, reported by the application's own
start-up probe (WORKUP_STARTUP_PROBE=1): a frozen program cannot be instrumented from outside.

Usage: .venv/bin/python -m benchmarks.bench_startup [RUNS]
"""

from __future__ import annotations

import importlib.machinery
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_RATIO = 1.3
BUNDLE_TARGET_RATIO = 1.3
HEAVY_MODULES = ("alembic", "reportlab")
ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "dist" / "workup" / "workup"
VENV_SCRIPT = Path(sys.executable).parent / "workup"


def _report_and_exit(extra: dict[str, Any]) -> None:
    """Print what the parent needs and leave at once (teardown is not start-up)."""
    loaded = {name: name in sys.modules for name in HEAVY_MODULES}
    sys.stdout.write(json.dumps({"loaded": loaded, **extra}) + "\n")
    sys.stdout.flush()
    os._exit(0)


def _exit_on_paint(widget: Any, ready: Any) -> None:
    """Report after the first paint of `widget` at which `ready()` holds."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class PaintWatch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and ready():
                QTimer.singleShot(0, lambda: _report_and_exit({"rows": ready()}))
            return False

    watch = PaintWatch(widget)
    widget.installEventFilter(watch)


class _WatchWhenLoaded:
    """Wraps `app.gui.application.run` as that module is loaded, in whatever order the
    application loads it, so that watching the paint changes nothing before it (a finder
    on `sys.meta_path`; importlib.abc is not imported, it costs the child 12 ms)."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != "app.gui.application":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        assert spec is not None
        assert spec.loader is not None
        load = spec.loader.exec_module

        def exec_module(module: Any) -> None:
            load(module)
            start_loop = module.run

            def run(qt_application: Any, window: Any) -> int:
                table = window.list_page.table
                _exit_on_paint(table.viewport(), lambda: table.model().rowCount())
                return int(start_loop(qt_application, window))

            module.run = run

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def child_app(url: str) -> None:
    """Run `workup gui` as the console script (`app.__main__.main`) does, leaving at the
    first paint of the encounter table holding rows."""
    sys.meta_path.insert(0, _WatchWhenLoaded())
    sys.argv = ["workup", "gui", "--database-url", url]
    from app.__main__ import main

    main()


def child_floor(url: str) -> None:
    """A bare QMainWindow, sqlalchemy.orm imported, one indexed select."""
    import sqlalchemy.orm  # noqa: F401 - the import is what is measured
    from PySide6.QtWidgets import QApplication, QMainWindow
    from sqlalchemy import create_engine, text

    application = QApplication(sys.argv[:1])
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, updated_at FROM encounters ORDER BY updated_at DESC LIMIT 200")
        ).all()
    window = QMainWindow()
    window.resize(1280, 800)
    _exit_on_paint(window, lambda: len(rows))
    window.show()
    application.exec()


def _one_run(mode: str, url: str, folder: Path) -> tuple[float, dict[str, Any]]:
    environment = dict(os.environ)
    environment.update(
        QT_QPA_PLATFORM="offscreen",
        WORKUP_CONFIG_DIR=str(folder / "config"),
        WORKUP_DATA_DIR=str(folder / "data"),
    )
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_startup", "--child", mode, url],
        stdout=subprocess.PIPE,
        env=environment,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = (time.perf_counter() - start) * 1000
    process.wait(timeout=60)
    if not line:
        raise RuntimeError(f"the {mode} start-up child exited without painting")
    return elapsed, json.loads(line)


def measure(url: str, runs: int = 7) -> tuple[list[float], list[float], dict[str, bool]]:
    """Start-up times of the application and of the floor, interleaved; modules loaded."""
    app_times: list[float] = []
    floor_times: list[float] = []
    loaded: dict[str, bool] = {}
    with tempfile.TemporaryDirectory() as folder:
        _one_run("app", url, Path(folder))
        _one_run("floor", url, Path(folder))
        for _ in range(runs):
            elapsed, report = _one_run("app", url, Path(folder))
            app_times.append(elapsed)
            loaded = {
                name: loaded.get(name, False) or flag for name, flag in report["loaded"].items()
            }
            elapsed, _report = _one_run("floor", url, Path(folder))
            floor_times.append(elapsed)
    return app_times, floor_times, loaded


def _one_probed_run(program: Path, url: str, folder: Path) -> float:
    """Milliseconds from starting `program` to its probe's line (populated window painted)."""
    (folder / "config").mkdir(exist_ok=True)
    (folder / "config" / "settings.json").write_text("{}", encoding="utf-8")  # not a first start
    environment = dict(os.environ)
    environment.update(
        QT_QPA_PLATFORM="offscreen",
        WORKUP_STARTUP_PROBE="1",
        WORKUP_CONFIG_DIR=str(folder / "config"),
        WORKUP_DATA_DIR=str(folder / "data"),
    )
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(program), "gui", "--database-url", url],
        stdout=subprocess.PIPE,
        env=environment,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = (time.perf_counter() - start) * 1000
    process.wait(timeout=60)
    if not line.startswith("startup-probe rows="):
        raise RuntimeError(f"{program} exited without painting a populated window")
    return elapsed


def measure_bundle(url: str, runs: int = 7) -> tuple[list[float], list[float]]:
    """Start-up times of the bundle and of the virtual environment's `workup`, interleaved."""
    bundle_times: list[float] = []
    venv_times: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        _one_probed_run(BUNDLE, url, Path(folder))
        _one_probed_run(VENV_SCRIPT, url, Path(folder))
        for _ in range(runs):
            bundle_times.append(_one_probed_run(BUNDLE, url, Path(folder)))
            venv_times.append(_one_probed_run(VENV_SCRIPT, url, Path(folder)))
    return bundle_times, venv_times


def results(url: str, runs: int = 7) -> list[Any]:
    """The table lines of this benchmark."""
    from benchmarks.common import Result, median

    app_times, floor_times, loaded = measure(url, runs)
    figure, floor = median(app_times), median(floor_times)
    bundle: list[Any] = []
    if BUNDLE.is_file():
        bundle_times, venv_times = measure_bundle(url, runs)
        bundle_figure, venv_figure = median(bundle_times), median(venv_times)
        bundle = [
            Result(
                "start-up of the bundle (median; floor: venv)",
                bundle_figure,
                "ms",
                f"ratio <= {BUNDLE_TARGET_RATIO}",
                bundle_figure / venv_figure <= BUNDLE_TARGET_RATIO,
                venv_figure,
            )
        ]
    else:
        print(f"start-up of the bundle: not measured, {BUNDLE} is not built (make bundle)")
    return [
        Result(
            "start-up to populated window (median)",
            figure,
            "ms",
            f"ratio <= {TARGET_RATIO}",
            figure / floor <= TARGET_RATIO,
            floor,
        ),
        Result(
            "alembic, reportlab imported at start",
            float(sum(loaded.values())),
            "mods",
            "0 (" + ", ".join(name for name, flag in loaded.items() if flag) + ")"
            if any(loaded.values())
            else "0",
            not any(loaded.values()),
        ),
        *bundle,
    ]


def main() -> None:
    """Print every run and the median ratio."""
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        (child_app if sys.argv[2] == "app" else child_floor)(sys.argv[3])
        return
    from benchmarks.common import benchmark_database, median, sqlite_url

    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    database = sqlite_url(benchmark_database())
    app_times, floor_times, loaded = measure(database, runs)
    print("app   ms:", " ".join(f"{value:.0f}" for value in app_times))
    print("floor ms:", " ".join(f"{value:.0f}" for value in floor_times))
    ratio = median(app_times) / median(floor_times)
    print(
        f"median {median(app_times):.0f} ms, floor {median(floor_times):.0f} ms, "
        f"ratio {ratio:.2f} (target <= {TARGET_RATIO})"
    )
    print("imported at start:", ", ".join(f"{name}={flag}" for name, flag in loaded.items()))
    if BUNDLE.is_file():
        bundle_times, venv_times = measure_bundle(database, runs)
        print("bundle ms:", " ".join(f"{value:.0f}" for value in bundle_times))
        print("venv   ms:", " ".join(f"{value:.0f}" for value in venv_times))
        ratio = median(bundle_times) / median(venv_times)
        print(
            f"bundle median {median(bundle_times):.0f} ms, venv {median(venv_times):.0f} ms, "
            f"ratio {ratio:.2f} (target <= {BUNDLE_TARGET_RATIO})"
        )


if __name__ == "__main__":
    main()
