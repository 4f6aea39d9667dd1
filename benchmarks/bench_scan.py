"""Reading scanned sheets: box accuracy, unclear share, wrong readings and time per page.

Synthetic scans (benchmarks/scan_synth.py) of the shipped workflow's real sheet, in English
and Russian: half of them pre-filled with a random encounter (the sheet's own pen ticks and
crosses) plus filled boxes, struck-out ticks and crosses drawn on some empty boxes; half of
them blank sheets marked here with heavy, normal and light strokes. Each page is rasterised
at 150, 200 and 300 dpi, rotated up to ±3°, scaled ±3 %, blurred, given noise, sometimes
turned upside down, and stored as JPEG (quality 70 or 85) or PNG. The time per page covers
decoding the image file and reading the page (QR code, marks, transform, every box, every
crop), on one core.

A box is right when a tick or cross is read as chosen (TICKED or CROSSED), a filled box
or a struck-out tick as FILLED, and an empty box as EMPTY. UNCLEAR is never wrong, only
counted; any other reading is a wrong reading not marked unclear.

Usage: .venv/bin/python -m benchmarks.bench_scan [--sheets N]   (or `make bench-scan`)
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from dataclasses import dataclass, field

from app.catalog.loader import Catalog
from app.config import shipped_workflows_dir
from app.domain.sheet_layout import SheetLayout
from benchmarks.common import Result, format_table
from benchmarks.scan_synth import (
    HEAVY,
    LIGHT,
    NORMAL,
    Pen,
    add_specials,
    distort,
    draw_marks,
    encode,
    random_distortion,
    random_encounter,
    random_marks,
    sheet_pages,
    ticked_marks,
)

WORKFLOW_ID = "retrograde_ejaculation"
RESOLUTIONS = (150, 200, 300)
SHEETS = 6
"""Sheets per resolution (each of 4 pages), alternately pre-filled and marked here."""
RIGHT_TARGET = 99.5
UNCLEAR_TARGET = 1.0
SECONDS_TARGET = 1.0


@dataclass
class Tally:
    """The figures of one resolution."""

    boxes: int = 0
    right: int = 0
    unclear: int = 0
    wrong: int = 0
    refused: int = 0
    pages: int = 0
    seconds: list[float] = field(default_factory=list)
    wrong_examples: list[str] = field(default_factory=list)

    @property
    def right_share(self) -> float:
        return 100.0 * self.right / self.boxes if self.boxes else 0.0

    @property
    def unclear_share(self) -> float:
        return 100.0 * self.unclear / self.boxes if self.boxes else 0.0


def _expected(pen: Pen) -> str:
    if pen.chosen:
        return "chosen"
    return "empty" if pen is Pen.NONE else "filled"


def measure(sheets: int = SHEETS, seed: int = 20) -> dict[int, Tally]:
    """Read `sheets` synthetic sheets at each resolution; the tallies by resolution."""
    import cv2

    from app.scan import BoxState, ScanError, decode_image, read_page
    from app.scan.reader import LayoutFor

    cv2.setNumThreads(1)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    workflow = Catalog.load([shipped_workflows_dir()]).get(WORKFLOW_ID)
    from app.report.sheet import sheet_layout

    layouts = {language: sheet_layout(workflow, language, "A4") for language in ("en", "ru")}

    def layout_for(workflow_id: str, version: int, language: str, paper: str) -> SheetLayout:
        return layouts[language]

    reader_layouts: LayoutFor = layout_for
    blanks: dict[tuple[str, int], list[object]] = {}
    tallies: dict[int, Tally] = {}
    for dpi in RESOLUTIONS:
        tally = tallies.setdefault(dpi, Tally())
        rng = random.Random(seed * 1000 + dpi)
        for index in range(sheets):
            language = ("en", "ru")[index // 2 % 2]
            layout = layouts[language]
            if index % 2 == 0:
                encounter = random_encounter(workflow, rng)
                pages = sheet_pages(workflow, language, dpi, encounter)
                marks = ticked_marks(layout, encounter)
                drawn = add_specials(layout, marks, rng)
            else:
                key = (language, dpi)
                if key not in blanks:
                    blanks[key] = list(sheet_pages(workflow, language, dpi))
                pages = [page.copy() for page in blanks[key]]  # type: ignore[attr-defined]
                marks = random_marks(layout, rng, specials=0.1)
                drawn = marks
            for number, pixels in enumerate(pages, start=1):
                page_layout = layout.pages[number - 1]
                draw_marks(pixels, page_layout, drawn, dpi, rng, (HEAVY, NORMAL, NORMAL, LIGHT))
                distortion = random_distortion(rng)
                scanned = distort(pixels, distortion, rng)
                data = encode(scanned, ".jpg" if distortion.jpeg else ".png")
                started = time.perf_counter()
                image = decode_image(data)
                assert image is not None
                try:
                    reading = read_page(image, f"{dpi} dpi page {number}", reader_layouts)
                except ScanError as error:
                    tally.refused += 1
                    tally.wrong_examples.append(str(error))
                    continue
                tally.seconds.append(time.perf_counter() - started)
                tally.pages += 1
                for box in reading.boxes:
                    pen = marks[(number, box.box.item_id, box.box.choice)]
                    got = "chosen" if box.state.chosen else box.state.value
                    tally.boxes += 1
                    if box.state is BoxState.UNCLEAR:
                        tally.unclear += 1
                    elif got == _expected(pen):
                        tally.right += 1
                    else:
                        tally.wrong += 1
                        tally.wrong_examples.append(
                            f"{dpi} dpi {box.box.item_id}/{box.box.choice}: {pen.value} read "
                            f"as {box.state.value} (ink {box.ink}, solid {box.solid})"
                        )
    return tallies


def results(_url: str = "", sheets: int = SHEETS) -> list[Result]:
    """The benchmark's lines for the `make bench` table."""
    return lines_of(measure(sheets))


def lines_of(tallies: dict[int, Tally]) -> list[Result]:
    """The table lines of the tallies: the targets hold from 200 dpi on."""
    lines = []
    for dpi, tally in tallies.items():

        def line(
            name: str, figure: float, unit: str, target: str, met: bool, dpi: int = dpi
        ) -> Result:
            held = dpi >= 200
            return Result(
                f"scan {dpi} dpi: {name}",
                figure,
                unit,
                target if held else "(below 200 dpi)",
                met or not held,
            )

        per_page = statistics.median(tally.seconds) if tally.seconds else float("nan")
        slowest = max(tally.seconds) if tally.seconds else float("nan")
        lines += [
            line(
                f"boxes right ({tally.boxes})",
                tally.right_share,
                "%",
                f">= {RIGHT_TARGET} %",
                tally.right_share >= RIGHT_TARGET,
            ),
            line(
                "boxes unclear",
                tally.unclear_share,
                "%",
                f"<= {UNCLEAR_TARGET} %",
                tally.unclear_share <= UNCLEAR_TARGET,
            ),
            line("wrong, not unclear", float(tally.wrong), "boxes", "0", tally.wrong == 0),
            line(
                f"pages refused ({tally.pages + tally.refused})",
                float(tally.refused),
                "pages",
                "0",
                tally.refused == 0,
            ),
            Result(
                f"scan {dpi} dpi: per page, one core (median)",
                per_page * 1000,
                "ms",
                f"<= {SECONDS_TARGET * 1000:.0f} ms",
                per_page <= SECONDS_TARGET,
            ),
            Result(
                f"scan {dpi} dpi: per page, one core (slowest)",
                slowest * 1000,
                "ms",
                f"<= {SECONDS_TARGET * 1000:.0f} ms",
                slowest <= SECONDS_TARGET,
            ),
        ]
    return lines


def main() -> None:
    """Print every wrong reading and refused page, then the table."""
    parser = argparse.ArgumentParser(prog="benchmarks.bench_scan")
    parser.add_argument("--sheets", type=int, default=SHEETS, metavar="N")
    options = parser.parse_args()
    tallies = measure(options.sheets)
    for dpi, tally in tallies.items():
        print(
            f"{dpi} dpi: {tally.pages} pages read, {tally.refused} refused, {tally.boxes} "
            f"boxes, {tally.unclear} unclear, {tally.wrong} wrong not unclear"
        )
        for example in tally.wrong_examples[:10]:
            print(f"  {example}")
    print(format_table(lines_of(tallies)))


if __name__ == "__main__":
    main()
