"""The page code printed in a sheet's QR code, and the layout fingerprint."""

from __future__ import annotations

import dataclasses

import pytest

from app.domain.sheet_layout import Box, PageCode, PageLayout, Rect, SheetCodeError, SheetLayout


def _layout(box_x: float = 50.0) -> SheetLayout:
    page = PageLayout(1, (Box("ed_present", "yes", Rect(box_x, 100, 9, 9)),), ())
    return SheetLayout(
        "retrograde_ejaculation", 2, "ru", "A4", 595.28, 841.89,
        (Rect(10, 10, 12, 12),), Rect(500, 20, 42, 42), (page, dataclasses.replace(page, number=2)),
    )  # fmt: skip


def test_a_page_code_reads_back_as_printed() -> None:
    code = _layout().code(2)
    assert PageCode.parse(code.text()) == code
    assert code.text().startswith("EDW1;retrograde_ejaculation;2;ru;A4;2/2;")


def test_moving_one_box_changes_the_fingerprint() -> None:
    assert _layout().fingerprint() != _layout(50.5).fingerprint()
    assert _layout().fingerprint() == _layout().fingerprint()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "https://example.org",
        "EDW1;wf;2;en;A4;1/4",
        "EDW2;wf;2;en;A4;1/4;abc",
        "EDW1;wf;x;en;A4;1/4;abc",
        "EDW1;wf;2;en;A4;5/4;abc",
        "EDW1;wf;2;en;A4;0/4;abc",
        "EDW1;;2;en;A4;1/4;abc",
    ],
)
def test_a_foreign_or_damaged_code_is_refused(text: str) -> None:
    with pytest.raises(SheetCodeError):
        PageCode.parse(text)


def test_a_page_outside_the_sheet_has_no_code() -> None:
    with pytest.raises(ValueError, match="no page 3"):
        _layout().code(3)
