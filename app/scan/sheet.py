"""Reading a whole scanned sheet: every page of every file, checked to form one complete sheet.

All files are read before anything is decided, and every problem is collected: a file that
cannot be read, a page that is not a sheet page, a page of another workflow, version or
layout, a page scanned twice with different marks, a page missing. A sheet is returned only
when there is none, so nothing is ever imported from half a sheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.domain.sheet_layout import SheetLayout
from app.scan.errors import ScanError
from app.scan.images import PDF_DPI, ScanImage, load_pages
from app.scan.reader import LayoutFor, PageReading, read_page


class ScanProblems(ScanError):
    """Every reason the scanned files do not form one readable sheet, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        more = len(self.problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        super().__init__(f"{self.problems[0]}{suffix}")


@dataclass(frozen=True)
class ScannedSheet:
    """The pages of one sheet, complete and in page order."""

    layout: SheetLayout
    pages: tuple[PageReading, ...]


def read_files(paths: Sequence[Path], layout_for: LayoutFor, dpi: int = PDF_DPI) -> ScannedSheet:
    """Read every page of every file as one sheet; ScanProblems listing every problem."""
    images: list[ScanImage] = []
    problems: list[str] = []
    for path in paths:
        try:
            images.extend(load_pages(path, dpi))
        except ScanError as error:
            problems.append(str(error))
    return read_images(images, layout_for, problems)


def read_images(
    images: Sequence[ScanImage], layout_for: LayoutFor, problems: Sequence[str] = ()
) -> ScannedSheet:
    """Read page images as one sheet; ScanProblems listing every problem (with `problems`
    found before)."""
    found = list(problems)
    pages: list[PageReading] = []
    refused: dict[str, list[str]] = {}
    for image in images:
        try:
            pages.append(read_page(image.pixels, image.source, layout_for))
        except ScanError as error:
            text = str(error)
            reason = text.removeprefix(f"{image.source}: ")
            refused.setdefault(reason, []).append(image.source)
    for reason, sources in refused.items():
        # the same reason for many pages (every page of another version) is said once
        more = f" and {len(sources) - 1} more pages" if len(sources) > 1 else ""
        found.append(f"{sources[0]}{more}: {reason}")
    if not pages and not found:
        found.append("no pages to read")
    sheet = _one_sheet(pages, found)
    if found or sheet is None:
        raise ScanProblems(found or ["no pages to read"])
    return sheet


def _one_sheet(pages: list[PageReading], problems: list[str]) -> ScannedSheet | None:
    if not pages:
        return None
    first = pages[0]
    key = _sheet_key(first)
    by_number: dict[int, PageReading] = {}
    for page in pages:
        if _sheet_key(page) != key:
            problems.append(
                f"{page.source}: a page of {_sheet_words(page)}, not of {_sheet_words(first)} "
                f"like {first.source}; scan one sheet at a time"
            )
            continue
        seen = by_number.get(page.code.page)
        if seen is None:
            by_number[page.code.page] = page
        elif _states(seen) != _states(page):
            problems.append(
                f"{page.source}: page {page.code.page} again, with other marks than "
                f"{seen.source}; leave out one of them"
            )
    missing = [number for number in range(1, first.code.pages + 1) if number not in by_number]
    if missing:
        listed = ", ".join(str(number) for number in missing)
        problems.append(
            f"page{'s' if len(missing) > 1 else ''} {listed} of {first.code.pages} "
            f"{'are' if len(missing) > 1 else 'is'} missing; scan every page of the sheet"
        )
    if problems:
        return None
    return ScannedSheet(first.layout, tuple(by_number[number] for number in sorted(by_number)))


def _sheet_key(page: PageReading) -> tuple[str, int, str, str, str, int]:
    code = page.code
    return (code.workflow_id, code.version, code.language, code.paper, code.fingerprint, code.pages)


def _sheet_words(page: PageReading) -> str:
    code = page.code
    return f"{code.workflow_id} version {code.version} ({code.language}, {code.paper})"


def _states(page: PageReading) -> tuple[str, ...]:
    return tuple(reading.state.value for reading in page.boxes)
