"""The generator of synthetic scans the scan benchmark measures with."""

from __future__ import annotations

import random

import numpy as np

from app.domain.encounter import OrderStatus
from app.domain.sheet_layout import SheetLayout
from app.domain.values import YnuDetails
from app.domain.workflow import YNU_VALUES, ItemKind, Workflow
from app.report.sheet import prefill_of
from benchmarks.scan_synth import (
    Distortion,
    Pen,
    distort,
    draw_blank,
    draw_marks,
    random_encounter,
    random_marks,
    ticked_marks,
)


def test_random_encounters_hold_valid_answers(workflow: Workflow) -> None:
    for seed in range(5):
        encounter = random_encounter(workflow, random.Random(seed))
        assert encounter.answers
        assert encounter.orders
        for item_id, value in encounter.answers.items():
            item = workflow.item(item_id)
            options = {option.value for option in item.options}
            if item.kind is ItemKind.CHECK:
                assert value is True
            elif item.kind is ItemKind.YNU:
                assert value in YNU_VALUES
            elif item.kind is ItemKind.YNU_DETAILS:
                assert isinstance(value, YnuDetails)
                assert value.choice in YNU_VALUES
            elif item.kind is ItemKind.SINGLE:
                assert value in options
            else:
                assert item.kind is ItemKind.MULTI
                assert isinstance(value, tuple)
                assert value
                assert set(value) <= options
        for item_id, state in encounter.orders.items():
            assert workflow.item(item_id).is_order
            assert state.status in OrderStatus


def test_the_truth_of_a_prefilled_sheet_is_what_the_sheet_ticks(
    workflow: Workflow, layout: SheetLayout
) -> None:
    encounter = random_encounter(workflow, random.Random(11))
    truth = ticked_marks(layout, encounter)
    chosen = {(item_id, choice) for (_page, item_id, choice), pen in truth.items() if pen.chosen}
    assert chosen == set(prefill_of(workflow, encounter, "en").ticked)


def test_marks_are_drawn_into_their_boxes_only(layout: SheetLayout) -> None:
    rng = random.Random(3)
    marks = random_marks(layout, rng, specials=0.3)
    assert {Pen.NONE, Pen.TICK, Pen.CROSS} <= set(marks.values())
    page = draw_blank(layout, 1, 100)
    blank = page.copy()
    draw_marks(page, layout.pages[0], marks, 100, rng)
    scale = 100 / 72
    for box in layout.pages[0].boxes:
        x, y = round(box.rect.x * scale) + 2, round(box.rect.y * scale) + 2
        inside = (slice(y, y + 6), slice(x, x + 6))
        changed = bool((page[inside] < blank[inside]).any())
        assert changed == (marks[(1, box.item_id, box.choice)] is not Pen.NONE), box


def test_a_distorted_page_is_turned_whole_and_upside_down_when_asked(
    layout: SheetLayout,
) -> None:
    page = draw_blank(layout, 1, 60)
    rng = random.Random(4)
    scan = distort(page, Distortion(angle=3, scale=1.03, blur=1, noise=5, jpeg=70), rng)
    assert scan.shape[0] > page.shape[0] * 1.03
    assert scan.shape[1] > page.shape[1] * 1.03
    dark = np.argwhere(scan < 100)  # the marks at the page's corners are all on the scan
    assert dark[:, 0].min() > 0
    assert dark[:, 1].min() > 0
    assert dark[:, 0].max() < scan.shape[0] - 1
    assert dark[:, 1].max() < scan.shape[1] - 1
    plain = distort(page, Distortion(), rng)
    turned = distort(page, Distortion(upside_down=True), rng)
    assert np.array_equal(turned, plain[::-1, ::-1])
