"""The window under load: memory after scrolling every encounter, and typing with autosave.

Both run the real MainWindow with the offscreen Qt platform, each in a new process.

- **memory**: the main window opens on the benchmark database; after the first paint of
  the encounter table holding rows its resident memory is the reference. The table is
  then scrolled to the end one screenful at a time (the vertical scroll bar moved by its
  page step, then events processed, which paints the rows and lets the list read them),
  until the last of the 100,000 rows has been on screen; no row is skipped. The figure
  is the peak resident memory of the process (VmHWM).
- **typing**: on a copy of the database a draft encounter is opened in the workup view
  and about 300 characters are typed with QTest, 40 to 80 ms apart, into a free-text item,
  a one-line text item and a number item, switching sections in between; autosave writes
  to SQLite for real (WAL, synchronous=FULL). A 5 ms heartbeat timer records how late it
  fires: the stall is the gap between two beats minus 5 ms. The longest single event
  delivery is measured as well.

Usage: .venv/bin/python -m benchmarks.bench_gui [memory|typing]
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

MEMORY_TARGET_MIB = 200.0
STALL_TARGET_MS = 50.0
HEARTBEAT_MS = 5
KEY_GAP_MS = (40, 80)
WORKFLOW_ID = "retrograde_ejaculation"
CLINICIAN = "Dr. Bench"


def _status_kib(field: str) -> float:
    """A figure of /proc/self/status in KiB (VmRSS, VmHWM)."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith(field + ":"):
            return float(line.split()[1])
    import resource

    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _report_and_exit(report: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()
    os._exit(0)


def _window(url: str) -> Any:
    """The application and its main window on `url`, shown."""
    from app.config import Settings
    from app.gui.application import create_application
    from app.gui.i18n import set_language
    from app.gui.main_window import MainWindow
    from app.services import WorkupService

    create_application(sys.argv[:1])
    set_language("en")
    settings = Settings(default_clinician=CLINICIAN)
    service = WorkupService.open(settings, url)
    window = MainWindow(service, settings)
    window.show()
    return window


def child_memory(url: str) -> None:
    """Scroll the encounter table from the first to the last row; report resident memory."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    window = _window(url)
    table = window.list_page.table
    model = table.model()
    painted: list[bool] = []

    class PaintWatch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and model.rowCount():
                painted.append(True)
            return False

    watch = PaintWatch(table.viewport())
    table.viewport().installEventFilter(watch)
    deadline = time.perf_counter() + 60
    while not painted and time.perf_counter() < deadline:
        QApplication.processEvents()
    if not painted:
        raise RuntimeError("the encounter table was never painted with rows")
    painted.clear()
    baseline_rss, baseline_hwm = _status_kib("VmRSS"), _status_kib("VmHWM")

    total = window.encounters.total
    bar = table.verticalScrollBar()
    viewport = table.viewport()
    last_seen = -1
    steps = 0
    stuck = 0
    started = time.perf_counter()
    while last_seen < total - 1:
        QApplication.processEvents()
        top = table.rowAt(0)
        bottom = table.rowAt(viewport.height() - 1)
        bottom = model.rowCount() - 1 if bottom < 0 else bottom
        if top > last_seen + 1:
            raise RuntimeError(f"rows {last_seen + 1} to {top - 1} were skipped")
        stuck = stuck + 1 if bottom <= last_seen else 0
        if stuck > 50:
            raise RuntimeError(f"scrolling stopped at row {last_seen} of {total}")
        last_seen = max(last_seen, bottom)
        bar.setValue(bar.value() + bar.pageStep())
        steps += 1
    seen = model.index(total - 1, 0).data()
    _report_and_exit(
        {
            "baseline_rss_kib": baseline_rss,
            "baseline_hwm_kib": baseline_hwm,
            "peak_kib": _status_kib("VmHWM"),
            "end_rss_kib": _status_kib("VmRSS"),
            "rows": total,
            "last_row_text": seen,
            "steps": steps,
            "paints": len(painted),
            "seconds": time.perf_counter() - started,
        }
    )


def _typing_script(window: Any, rng: random.Random) -> list[tuple[str, Any]]:
    """What the clinician does: ('section', row), ('focus', item id) and ('key', text)."""
    workup = window.workup
    notes = (
        "Dry orgasm since surgery; partner notes less volume. Denies pain. "
        "Takes tamsulosin 0.4 mg at night, started in spring. "
    )
    complaint = "Reduced ejaculate volume for eight months"
    plan: list[tuple[str, Any]] = []
    written = {"sx_notes": 0, "visit_main_complaint": 0}

    def section_of(item_id: str) -> int:
        return int(workup.sections.row_of(workup.workflow.section_of(item_id).id))

    def go(item_id: str) -> None:
        plan.append(("section", section_of(item_id)))
        plan.append(("focus", item_id))

    def type_text(item_id: str, source: str, count: int) -> None:
        start = written[item_id]
        for char in source[start : start + count]:
            plan.append(("key", char))
        written[item_id] = start + count

    for round_number in range(6):
        go("sx_notes")
        type_text("sx_notes", notes * 3, 42)
        go("fert_trying_months")
        plan.append(("select", None))
        for char in str(rng.randint(6, 48)):
            plan.append(("key", char))
        go("visit_main_complaint" if round_number % 2 == 0 else "fert_partner_age")
        if round_number % 2 == 0:
            type_text("visit_main_complaint", complaint, 7)
        else:
            plan.append(("select", None))
            for char in str(rng.randint(20, 45)):
                plan.append(("key", char))
        plan.append(("section", rng.randrange(workup.sections.rowCount())))
    for _ in range(3):
        plan.append(("backspace", None))
    return plan


def child_typing(url: str, encounter_id: int) -> None:
    """Type into the workup with autosave running; report event-loop stalls."""
    from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    class TimedApplication(QApplication):
        """Measures how long each event delivered by the event loop takes."""

        def __init__(self, argv: list[str]) -> None:
            super().__init__(argv)
            self.depth = 0
            self.longest = 0.0
            self.longest_what = ""
            self.measuring = False

        def notify(self, receiver: QObject, event: QEvent) -> bool:
            if self.depth or not self.measuring:
                self.depth += 1
                try:
                    return super().notify(receiver, event)
                finally:
                    self.depth -= 1
            self.depth = 1
            start = time.perf_counter()
            try:
                return super().notify(receiver, event)
            finally:
                self.depth = 0
                elapsed = (time.perf_counter() - start) * 1000
                if elapsed > self.longest:
                    self.longest = elapsed
                    self.longest_what = f"{event.type().name} to {type(receiver).__name__}"

    application = TimedApplication(sys.argv[:1])
    window = _window(url)
    QTest.qWaitForWindowExposed(window)
    if not window.open_encounter(encounter_id):
        raise RuntimeError(f"encounter {encounter_id} did not open")
    workup = window.workup
    saves: list[str] = []
    workup.saver.flushed.connect(lambda report: saves.extend(report.stored))
    rng = random.Random(7)
    plan = _typing_script(window, rng)
    beats: list[float] = []
    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    keys = 0
    step = 0
    actor = QTimer()
    actor.setSingleShot(True)

    def act() -> None:
        nonlocal step, keys
        if step >= len(plan):
            QTimer.singleShot(1500, finish)
            return
        kind, value = plan[step]
        step += 1
        focused = QApplication.focusWidget()
        if kind == "section":
            workup.show_section(value)
        elif kind == "focus":
            workup.field(value).focus_input()
        elif kind == "select" and focused is not None:
            QTest.keyClick(focused, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        elif kind == "backspace" and focused is not None:
            QTest.keyClick(focused, Qt.Key.Key_Backspace)
            keys += 1
        elif kind == "key" and focused is not None:
            QTest.keyClicks(focused, value)
            keys += 1
        actor.start(rng.randint(*KEY_GAP_MS))

    def finish() -> None:
        application.measuring = False
        heartbeat.stop()
        gaps = [(later - earlier) * 1000 for earlier, later in pairwise(beats)]
        stalls = sorted(max(0.0, gap - HEARTBEAT_MS) for gap in gaps)
        stored = window.service.encounter(encounter_id).answers
        typed = workup.field("sx_notes").text()
        _report_and_exit(
            {
                "keys": keys,
                "saves": len(saves),
                "beats": len(beats),
                "max_stall_ms": stalls[-1] if stalls else 0.0,
                "p99_stall_ms": stalls[int(0.99 * (len(stalls) - 1))] if stalls else 0.0,
                "longest_event_ms": application.longest,
                "longest_event": application.longest_what,
                "notes_saved": stored.get("sx_notes") == typed and bool(typed),
            }
        )

    actor.timeout.connect(act)
    heartbeat.start()
    application.measuring = True
    actor.start(200)
    QCoreApplication.exec()


def _run_child(arguments: list[str], folder: Path) -> dict[str, Any]:
    environment = dict(os.environ)
    environment.update(
        QT_QPA_PLATFORM="offscreen",
        WORKUP_CONFIG_DIR=str(folder / "config"),
        WORKUP_DATA_DIR=str(folder / "data"),
    )
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_gui", "--child", *arguments],
        capture_output=True,
        env=environment,
        text=True,
        timeout=600,
        check=False,
    )
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        tail = completed.stderr.strip().splitlines()[-5:]
        raise RuntimeError(f"the {arguments[0]} child failed: " + " | ".join(tail))
    report: dict[str, Any] = json.loads(lines[-1])
    return report


def measure_memory(url: str) -> dict[str, Any]:
    """Resident memory of the window before and after scrolling through every encounter."""
    with tempfile.TemporaryDirectory() as folder:
        return _run_child(["memory", url], Path(folder))


def measure_typing(url: str) -> dict[str, Any]:
    """Event-loop stalls while typing into a workup (of a copy of a SQLite database; on a
    server, of its database, in another draft encounter than the autosave benchmark's)."""
    from benchmarks.common import newest_draft_encounter, scratch

    with tempfile.TemporaryDirectory() as folder, scratch(url, Path(folder), "typing") as copy:
        encounter_id = newest_draft_encounter(copy, skip=1)
        return _run_child(["typing", copy, str(encounter_id)], Path(folder))


def _memory_results(report: dict[str, Any]) -> list[Any]:
    from benchmarks.common import Result

    peak = report["peak_kib"] / 1024
    return [
        Result(
            f"GUI peak RSS after scrolling {report['rows']:,} rows",
            peak,
            "MiB",
            f"<= {MEMORY_TARGET_MIB:.0f} MiB",
            peak <= MEMORY_TARGET_MIB,
            report["baseline_rss_kib"] / 1024,
        )
    ]


def _typing_results(report: dict[str, Any]) -> list[Any]:
    from benchmarks.common import Result

    saved = bool(report["notes_saved"])
    stall = report["max_stall_ms"]
    return [
        Result(
            "typing: longest event-loop stall",
            stall,
            "ms",
            f"<= {STALL_TARGET_MS:.0f} ms" + ("" if saved else " (text not saved)"),
            stall <= STALL_TARGET_MS and saved,
        ),
        Result("typing: p99 stall", report["p99_stall_ms"], "ms", "", True),
        Result("typing: longest single event", report["longest_event_ms"], "ms", "", True),
    ]


def results(url: str) -> list[Any]:
    """The table lines of this benchmark."""
    return _memory_results(measure_memory(url)) + _typing_results(measure_typing(url))


def main() -> None:
    """Run one or both measurements and print their reports."""
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        if sys.argv[2] == "memory":
            child_memory(sys.argv[3])
        else:
            child_typing(sys.argv[3], int(sys.argv[4]))
        return
    from benchmarks.common import benchmark_database, format_table, sqlite_url

    which = sys.argv[1] if len(sys.argv) > 1 else "both"
    database = sqlite_url(benchmark_database())
    lines = []
    if which in ("memory", "both"):
        report = measure_memory(database)
        print("memory:", json.dumps(report))
        lines += _memory_results(report)
    if which in ("typing", "both"):
        report = measure_typing(database)
        print("typing:", json.dumps(report))
        lines += _typing_results(report)
    print(format_table(lines))


if __name__ == "__main__":
    main()
