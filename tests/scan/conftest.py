"""Real sheets for the scan tests: the shipped workflow's sheet, pre-filled with an
encounter and rasterised at 200 dpi once per session, as a scanner's PDF would be."""

from __future__ import annotations

import random

import pytest

from app.domain.encounter import Encounter
from app.domain.sheet_layout import SheetLayout
from app.domain.workflow import Workflow
from app.report.sheet import sheet_layout, sheet_pdf
from app.report.summary_data import ClinicInfo
from benchmarks.scan_synth import Gray, random_encounter, sheet_pages
from tests.scan.support import DPI


@pytest.fixture(scope="session")
def layout(workflow: Workflow) -> SheetLayout:
    """The English A4 sheet's layout."""
    return sheet_layout(workflow, "en", "A4")


@pytest.fixture(scope="session")
def filled(workflow: Workflow) -> Encounter:
    """An encounter with random answers (the same every run)."""
    return random_encounter(workflow, random.Random(7))


@pytest.fixture(scope="session")
def filled_pdf(workflow: Workflow, filled: Encounter) -> bytes:
    """The sheet pre-filled with `filled`'s answers."""
    return sheet_pdf(workflow, ClinicInfo(), "en", "A4", encounter=filled)


@pytest.fixture(scope="session")
def filled_pages(workflow: Workflow, filled: Encounter) -> list[Gray]:
    """The pre-filled sheet's pages at 200 dpi."""
    return sheet_pages(workflow, "en", DPI, filled)


@pytest.fixture(scope="session")
def blank_pages(workflow: Workflow) -> list[Gray]:
    """The blank sheet's pages at 200 dpi."""
    return sheet_pages(workflow, "en", DPI)
