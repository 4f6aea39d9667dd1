"""Fixtures of the report tests: a small hand-built workflow and PDF text helpers."""

from __future__ import annotations

import pytest

from app.domain.workflow import Workflow
from tests.report.builders import make_workflow


@pytest.fixture(scope="session")
def small_workflow() -> Workflow:
    """The hand-built test workflow (every kind, orders, details, instructions)."""
    return make_workflow()
