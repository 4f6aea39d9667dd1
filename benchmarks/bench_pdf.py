"""PDF summaries: in-process, `workup export` as a whole process, and a batch of about 1,000.

The process floor imports reportlab, registers the same DejaVu Sans font and writes a
two-page document; on a server it also connects with psycopg and reads the encounter's
row. The batch runs `workup export --all --since DATE --out DIR` with the DATE that
selects at least 1,000 encounters of the generated database.

Usage: .venv/bin/python -m benchmarks.bench_pdf
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from app.config import Settings
from app.services import WorkupService
from benchmarks.common import (
    Result,
    benchmark_database,
    fetch,
    format_table,
    median,
    sqlite_path,
    sqlite_url,
    time_ms,
)

IN_PROCESS_MS = 50.0
PROCESS_RATIO = 1.5
BATCH = 1000
BATCH_SECONDS = 30.0
FONTS = Path(__file__).resolve().parent.parent / "resources" / "fonts"
FLOOR_SCRIPT = f"""
import sys
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

pdfmetrics.registerFont(TTFont("WorkupSans", {str(FONTS / "DejaVuSans.ttf")!r}))
canvas = Canvas(sys.argv[1], pagesize=A4)
for page in (1, 2):
    canvas.setFont("WorkupSans", 10)
    for line in range(40):
        canvas.drawString(60, 780 - 18 * line, f"Page {{page}}, line {{line}}: Пациент, заказ")
    canvas.showPage()
canvas.save()
if len(sys.argv) > 2:  # a server: the floor also connects with psycopg and reads one row
    import psycopg

    with psycopg.connect(sys.argv[2]) as connection:
        connection.execute("SELECT * FROM encounters WHERE id = %s", (int(sys.argv[3]),)).fetchall()
"""


def _encounters(url: str, count: int) -> list[int]:
    rows = fetch(url, "SELECT id FROM encounters ORDER BY id DESC LIMIT :count", {"count": count})
    return [int(row[0]) for row in rows]


def batch_since(url: str, wanted: int = BATCH) -> tuple[date, int]:
    """The day from which at least `wanted` encounters were changed, and how many."""
    ((updated,),) = fetch(
        url,
        "SELECT updated_at FROM encounters ORDER BY updated_at DESC LIMIT 1 OFFSET :skip",
        {"skip": wanted - 1},
    )
    day = (updated if isinstance(updated, datetime) else datetime.fromisoformat(updated)).date()
    (count,) = fetch(
        url,
        "SELECT count(*) FROM encounters WHERE updated_at >= :since",
        {"since": day.isoformat()},
    )[0]
    return day, int(count)


def measure_in_process(url: str) -> list[float]:
    """Milliseconds per summary PDF made by the service, after warm-up."""
    ids = _encounters(url, 60)
    service = WorkupService.open(Settings(), url)
    try:
        for encounter_id in ids[:5]:
            service.summary_pdf(encounter_id)
        position = iter(ids * 2)
        return time_ms(lambda: service.summary_pdf(next(position)), 50)
    finally:
        service.close()


def _environment(folder: Path) -> dict[str, str]:
    environment = dict(os.environ)
    environment.update(
        WORKUP_CONFIG_DIR=str(folder / "config"), WORKUP_DATA_DIR=str(folder / "data")
    )
    return environment


def _run_ms(command: list[str], environment: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, env=environment, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000


def measure_process(url: str, runs: int = 5) -> tuple[list[float], list[float]]:
    """`workup export ID --out F.pdf` as whole processes, and the reportlab floor."""
    workup = str(Path(sys.executable).with_name("workup"))
    (encounter_id,) = _encounters(url, 1)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        environment = _environment(folder)
        export = [workup, "--database-url", url, "export", str(encounter_id), "--out"]
        floor = [sys.executable, "-c", FLOOR_SCRIPT]
        server = sqlite_path(url) is None
        connection = [make_url(url).set(drivername="postgresql").render_as_string(False)]
        floor_arguments = [*connection, str(encounter_id)] if server else []
        _run_ms([*export, str(folder / "warm.pdf")], environment)
        _run_ms([*floor, str(folder / "warm-floor.pdf"), *floor_arguments], environment)
        app_times, floor_times = [], []
        for run in range(runs):
            app_times.append(_run_ms([*export, str(folder / f"app{run}.pdf")], environment))
            floor_times.append(
                _run_ms([*floor, str(folder / f"floor{run}.pdf"), *floor_arguments], environment)
            )
    return app_times, floor_times


def measure_batch(url: str) -> tuple[float, int]:
    """Seconds for `workup export --all --since DATE --out DIR`, and the summaries written."""
    workup = str(Path(sys.executable).with_name("workup"))
    day, count = batch_since(url)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "pdf").mkdir()
        command = [
            workup,
            "--database-url",
            url,
            "export",
            "--all",
            "--since",
            day.isoformat(),
            "--out",
            str(folder / "pdf"),
        ]
        seconds = _run_ms(command, _environment(folder)) / 1000
        written = len(list((folder / "pdf").glob("*.pdf")))
    if written != count:
        raise RuntimeError(f"the batch wrote {written} summaries, expected {count}")
    return seconds, written


def results(url: str) -> list[Result]:
    """The table lines of this benchmark."""
    in_process = median(measure_in_process(url))
    app_times, floor_times = measure_process(url)
    process, floor = median(app_times), median(floor_times)
    seconds, written = measure_batch(url)
    per_thousand = seconds * BATCH / written
    return [
        Result(
            "PDF summary in-process: median",
            in_process,
            "ms",
            f"<= {IN_PROCESS_MS:.0f} ms",
            in_process <= IN_PROCESS_MS,
        ),
        Result(
            "workup export (whole process): median",
            process,
            "ms",
            f"ratio <= {PROCESS_RATIO}",
            process / floor <= PROCESS_RATIO,
            floor,
        ),
        Result(
            f"batch export, {written} summaries",
            seconds,
            "s",
            f"<= {BATCH_SECONDS:.0f} s per {BATCH}",
            per_thousand <= BATCH_SECONDS,
        ),
    ]


def main() -> None:
    """Print the figures."""
    print(format_table(results(sqlite_url(benchmark_database()))))


if __name__ == "__main__":
    main()
