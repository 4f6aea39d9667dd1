"""Fixtures of the report tests: a small hand-built workflow and PDF text helpers."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from app.domain.workflow import Workflow
from tests.report.builders import make_workflow


@pytest.fixture(scope="session")
def small_workflow() -> Workflow:
    """The hand-built test workflow (every kind, orders, details, instructions)."""
    return make_workflow()


def pdf_pages(data: bytes) -> list[str]:
    """The extracted text of every page of a PDF."""
    reader = PdfReader(io.BytesIO(data))
    return [page.extract_text() or "" for page in reader.pages]


def flat(text: str) -> str:
    """`text` with every run of whitespace turned into one space."""
    return " ".join(text.split())
