"""The blank workup sheet: every item, QR code and page numbers on every page, legibility."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from app.domain.sheet_layout import Box, PageCode, Rect, SheetLayout
from app.domain.workflow import ItemKind, Workflow
from app.report.fonts import ensure_fonts
from app.report.sheet import (
    SheetKind,
    build_sheet_data,
    prefill_of,
    reference,
    render_sheet,
    sheet_layout,
    sheet_pdf,
)
from app.report.sheet_plan import plan_sheet
from app.report.summary_data import ClinicInfo
from tests.report.builders import make_encounter
from tests.report.sheet_pixels import (
    clear_around,
    ink,
    ink_around,
    outline_and_empty,
    page_images,
    solid,
)
from tests.support import flat, pdf_pages

MM = 72 / 25.4

CLINIC = ClinicInfo("City Urology Clinic", "1 Main Street")


def _font_sizes(data: bytes) -> set[float]:
    sizes: set[float] = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        content = page.get_contents()
        assert content is not None
        stream = content.get_data().decode("latin-1")
        sizes |= {float(size) for size in re.findall(r"/\S+ ([\d.]+) Tf", stream)}
    return sizes


def test_sheet_data_covers_every_item(small_workflow: Workflow) -> None:
    data = build_sheet_data(small_workflow, CLINIC, "en")
    every = [item for section in data.sections for item in section.items]
    grids = (SheetKind.ORDER_GRID, SheetKind.YNU_GRID)
    items = [item for item in every if item.kind not in grids]
    assert [item.item_id for item in items] == [item.id for item in small_workflow.items()]
    kinds = {item.item_id: item.kind for item in items}
    assert kinds["hx_dry"] is SheetKind.YNU
    assert kinds["hx_context"] is SheetKind.CHOICE
    assert kinds["lab_cbc"] is SheetKind.ORDER
    assert kinds["sa_site"] is SheetKind.CHOICE
    assert next(item for item in items if item.item_id == "lab_other").specify
    assert next(item for item in items if item.item_id == "sa_site").indent
    assert data.reference == "workup:test_workup:v3"
    assert data.patient_fields == ("Name", "Date of birth", "Chart number")
    assert data.order_choices == ("Ordered", "Done elsewhere", "Not indicated", "Declined")
    assert data.signature_fields == ("Clinician's signature", "Date")


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_label_and_option_is_printed(small_workflow: Workflow, language: str) -> None:
    pdf = sheet_pdf(small_workflow, CLINIC, language)
    text = flat(" ".join(pdf_pages(pdf)))
    for item in small_workflow.items():
        assert flat(item.label.get(language)) in text
        for option in item.options:
            assert flat(option.label.get(language)) in text
    yes = "Да" if language == "ru" else "Yes"
    assert yes in text


def test_each_page_has_its_page_code_and_page_numbers(
    small_workflow: Workflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = _capture_codes(monkeypatch)
    # A long workflow so the sheet needs several pages.
    workflow = _long_workflow(small_workflow)
    pdf = sheet_pdf(workflow, CLINIC, "en")
    pages = pdf_pages(pdf)
    assert len(pages) >= 3
    layout = sheet_layout(workflow, "en")
    assert len(layout.pages) == len(pages)
    assert codes == [layout.code(number).text() for number in range(1, len(pages) + 1)]
    for number, (page, code) in enumerate(zip(pages, codes, strict=True), start=1):
        parsed = PageCode.parse(code)
        assert (parsed.page, parsed.pages) == (number, len(pages))
        assert (parsed.workflow_id, parsed.version) == ("test_workup", 3)
        assert parsed.fingerprint == layout.fingerprint()
        assert f"page {number} of {len(pages)}" in page
        assert "workup:test_workup:v3" in page


def _capture_codes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts of the QR codes drawn from now on, in order."""
    from app.report import sheet_draw

    codes: list[str] = []
    original = sheet_draw.qr_drawing

    def recording(text: str, size: float) -> Any:
        codes.append(text)
        return original(text, size)

    monkeypatch.setattr(sheet_draw, "qr_drawing", recording)
    return codes


def _long_workflow(workflow: Workflow) -> Workflow:
    from dataclasses import replace

    sections = tuple(
        section._replace(
            id=f"{section.id}_{copy}",
            items=tuple(item._replace(id=f"{item.id}_{copy}") for item in section.items),
        )
        for copy in range(6)
        for section in workflow.sections
    )
    return replace(workflow, sections=sections, _index={})


@pytest.mark.parametrize("language", ["en", "ru"])
def test_no_text_under_eight_points(small_workflow: Workflow, language: str) -> None:
    sizes = _font_sizes(sheet_pdf(small_workflow, CLINIC, language))
    assert min(sizes) >= 8


def test_sheet_paper_sizes(small_workflow: Workflow) -> None:
    data = build_sheet_data(small_workflow, ClinicInfo(), "en")
    letter = PdfReader(io.BytesIO(render_sheet(data, "Letter"))).pages[0].mediabox
    a4 = PdfReader(io.BytesIO(render_sheet(data))).pages[0].mediabox
    assert (round(float(letter.width)), round(float(letter.height))) == (612, 792)
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)


def test_reference_names_workflow_and_version(small_workflow: Workflow) -> None:
    assert reference(small_workflow) == "workup:test_workup:v3"


def test_hostile_labels_render(small_workflow: Workflow) -> None:
    from dataclasses import replace

    from app.domain.workflow import LocalizedText

    section = small_workflow.sections[0]
    odd = section.items[0]._replace(
        label=LocalizedText("<b>&amp;]]> \x00 \ud800 😀 שלום " + "z" * 400),
    )
    workflow = replace(
        small_workflow,
        sections=(section._replace(items=(odd, *section.items[1:])), *small_workflow.sections[1:]),
        _index={},
    )
    text = flat(" ".join(pdf_pages(sheet_pdf(workflow, ClinicInfo("<i>&", "]]>"), "en"))))
    assert "<b>&amp;]]>" in text


def _shipped_workflow() -> Workflow | None:
    try:
        from app.catalog.loader import load_workflow_file
    except ImportError:
        return None
    path = Path(__file__).resolve().parents[2] / "workflows" / "retrograde_ejaculation.toml"
    if not path.is_file():
        return None
    loaded: Any = load_workflow_file(path)
    workflow = getattr(loaded, "workflow", loaded)
    return workflow if isinstance(workflow, Workflow) else None


@pytest.mark.parametrize("language", ["en", "ru"])
def test_shipped_workflow_sheet_is_compact_and_legible(language: str) -> None:
    workflow = _shipped_workflow()
    if workflow is None:
        pytest.skip("the shipped workflow cannot be loaded here")
    pdf = sheet_pdf(workflow, CLINIC, language)
    pages = pdf_pages(pdf)
    # four A4 pages in both languages, nothing under 8 pt
    assert len(pages) <= 4
    assert min(_font_sizes(pdf)) >= 8
    payload = reference(workflow)
    for number, page in enumerate(pages, start=1):
        assert payload in page
        assert (f"page {number} of" if language == "en" else f"стр. {number} из") in page


def test_orders_form_a_grid_with_one_legend(small_workflow: Workflow) -> None:
    data = build_sheet_data(small_workflow, CLINIC, "en")
    legends: list[str] = []
    for section in data.sections:
        kinds = [item.kind for item in section.items]
        if SheetKind.ORDER not in kinds:
            assert SheetKind.ORDER_GRID not in kinds
            continue
        # the grid header comes right before the section's first order
        assert kinds.index(SheetKind.ORDER_GRID) == kinds.index(SheetKind.ORDER) - 1
        assert kinds.count(SheetKind.ORDER_GRID) == 1
        legends.append(section.items[kinds.index(SheetKind.ORDER_GRID)].label)
    assert legends[0] == "1 Ordered · 2 Done elsewhere · 3 Not indicated · 4 Declined"
    assert all(legend == "" for legend in legends[1:])


@pytest.mark.parametrize("language", ["en", "ru"])
def test_shipped_sheet_has_signature_other_lines_and_no_app_only_items(language: str) -> None:
    workflow = _shipped_workflow()
    if workflow is None:
        pytest.skip("the shipped workflow cannot be loaded here")
    data = build_sheet_data(workflow, CLINIC, language)
    items = {item.item_id: item for section in data.sections for item in section.items}
    # a writing line after every choice with an "other (specify)" option
    for item_id in ("sa_extended", "sa_collection_method", "leak_when", "hx_diabetes"):
        assert items[item_id].other_line, item_id
    assert not items["hx_course"].other_line
    assert items["hx_med_list"].lines == 5
    assert [section.code for section in data.sections].index("I") == [
        section.code for section in data.sections
    ].index("B10") + 1
    pages = pdf_pages(sheet_pdf(workflow, CLINIC, language))
    text = flat(" ".join(pages))
    for app_only in ("PDF language", "Язык PDF", "Include patient", "памятку для пациента"):
        assert app_only not in text
    assert "(optional) (optional)" not in text
    assert "optional (optional)" not in text.lower()
    signature = "Clinician's signature" if language == "en" else "Подпись врача"
    assert signature in flat(pages[-1])
    assert text.count(signature) == 1


# -- the layout a scanner reads -------------------------------------------------------------


def _boxes(layout: SheetLayout) -> list[Box]:
    return [box for page in layout.pages for box in page.boxes]


@pytest.mark.parametrize(("language", "paper"), [("en", "A4"), ("ru", "Letter")])
def test_layout_boxes_are_where_the_pdf_draws_them(
    small_workflow: Workflow, language: str, paper: str
) -> None:
    layout = sheet_layout(small_workflow, language, paper)
    images = page_images(sheet_pdf(small_workflow, CLINIC, language, paper))
    assert len(images) == len(layout.pages)
    for pixels, page in zip(images, layout.pages, strict=True):
        assert page.boxes
        for box in page.boxes:
            assert outline_and_empty(pixels, box.rect), (page.number, box)
            # white around each box: no text or line touches it
            assert ink_around(pixels, box.rect, far=2) == 0, (page.number, box)
        for mark in layout.marks:
            assert solid(pixels, mark), mark
            assert clear_around(pixels, mark, 2 * MM), mark
        assert clear_around(pixels, layout.qr, 2.5 * MM)
        # the QR code's modules fill its place: its three finder patterns' outer corners
        qr = layout.qr
        for x, y in ((qr.x, qr.y), (qr.x + qr.width - 1, qr.y), (qr.x, qr.y + qr.height - 1)):
            assert solid(pixels, Rect(x, y, 1.0, 1.0)), (x, y)
        assert ink(pixels, layout.qr, inset=0) > 100


def test_shipped_sheet_boxes_are_drawn_where_the_layout_has_them() -> None:
    workflow = _shipped_workflow()
    if workflow is None:
        pytest.skip("the shipped workflow cannot be loaded here")
    layout = sheet_layout(workflow, "ru", "A4")
    images = page_images(sheet_pdf(workflow, CLINIC, "ru", "A4"))
    assert len(images) == len(layout.pages) == 4
    for pixels, page in zip(images, layout.pages, strict=True):
        misplaced = [box for box in page.boxes if not outline_and_empty(pixels, box.rect)]
        assert not misplaced, misplaced[:3]
        crowded = [box for box in page.boxes if ink_around(pixels, box.rect, far=2)]
        assert not crowded, crowded[:3]


def test_the_clinic_does_not_move_anything(small_workflow: Workflow) -> None:
    plain = sheet_layout(small_workflow, "en")
    data = build_sheet_data(small_workflow, ClinicInfo("A" * 300, "B " * 200), "en")
    fonts = ensure_fonts()
    assert plan_sheet(data, "A4", fonts).layout == plain


def test_fingerprint_is_stable_and_tells_language_and_paper_apart(
    small_workflow: Workflow,
) -> None:
    first = sheet_layout(small_workflow, "en", "A4")
    assert sheet_layout(small_workflow, "en", "A4").fingerprint() == first.fingerprint()
    others = {
        sheet_layout(small_workflow, "ru", "A4").fingerprint(),
        sheet_layout(small_workflow, "en", "Letter").fingerprint(),
        sheet_layout(small_workflow, "ru", "Letter").fingerprint(),
    }
    assert first.fingerprint() not in others
    assert len(others) == 3
    assert (first.language, first.paper, first.version) == ("en", "A4", 3)
    assert sheet_layout(small_workflow, "en", "letter").paper == "Letter"


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_item_has_its_boxes_and_writing_areas(
    small_workflow: Workflow, language: str
) -> None:
    layout = sheet_layout(small_workflow, language)
    boxes: dict[str, list[str]] = {}
    for box in _boxes(layout):
        boxes.setdefault(box.item_id, []).append(box.choice)
    areas = {(area.item_id, area.part) for page in layout.pages for area in page.writing}
    for item in small_workflow.items():
        if item.is_order:
            expected = ["ordered", "done_elsewhere", "not_indicated", "declined"]
            assert boxes.pop(item.id) == expected, item.id
            assert {(item.id, "date"), (item.id, "note")} <= areas, item.id
            if item.kind is not ItemKind.CHECK:
                assert (item.id, "value") in areas, item.id
        elif item.kind is ItemKind.CHECK:
            assert boxes.pop(item.id) == ["checked"]
        elif item.kind in (ItemKind.YNU, ItemKind.YNU_DETAILS):
            assert boxes.pop(item.id) == ["yes", "no", "unknown"]
            if item.kind is ItemKind.YNU_DETAILS:
                assert (item.id, "details") in areas, item.id
        elif item.kind in (ItemKind.SINGLE, ItemKind.MULTI):
            assert boxes.pop(item.id) == [option.value for option in item.options], item.id
        else:
            assert item.id not in boxes
            assert (item.id, "value") in areas, item.id
    assert not boxes  # no box for anything else


@pytest.mark.parametrize(("language", "paper"), [("en", "A4"), ("ru", "A4"), ("ru", "Letter")])
def test_boxes_are_readable_apart_and_clear_of_marks_and_code(language: str, paper: str) -> None:
    workflow = _shipped_workflow()
    if workflow is None:
        pytest.skip("the shipped workflow cannot be loaded here")
    layout = sheet_layout(workflow, language, paper)
    assert layout.qr.width >= 22 * MM
    assert len(layout.marks) == 4
    for mark in layout.marks:
        assert 5 * MM <= mark.width == mark.height <= 6 * MM
        near_x = min(mark.x, layout.page_width - mark.x - mark.width)
        near_y = min(mark.y, layout.page_height - mark.y - mark.height)
        assert 7 * MM <= near_x <= 9 * MM
        assert 7 * MM <= near_y <= 9 * MM
    keep_out = [_grown(rect, 2 * MM) for rect in (*layout.marks, layout.qr)]
    for page in layout.pages:
        rects = [box.rect for box in page.boxes]
        for rect in rects:
            assert rect.width >= 3 * MM - 0.01
            assert rect.height >= 3 * MM - 0.01
            assert not any(_overlap(rect, other) for other in keep_out), rect
        for index, rect in enumerate(rects):
            for other in rects[index + 1 :]:
                # at least 1.5 points of white between any two boxes
                assert not _overlap(_grown(rect, 0.75), _grown(other, 0.75)), (rect, other)
        for area in page.writing:
            assert not any(_overlap(area.rect, other) for other in keep_out), area


def _grown(rect: Rect, by: float) -> Rect:
    return Rect(rect.x - by, rect.y - by, rect.width + 2 * by, rect.height + 2 * by)


def _overlap(a: Rect, b: Rect) -> bool:
    return (
        a.x < b.x + b.width
        and b.x < a.x + a.width
        and a.y < b.y + b.height
        and b.y < a.y + a.height
    )


@pytest.mark.parametrize(
    ("language", "paper"), [("en", "A4"), ("ru", "A4"), ("en", "Letter"), ("ru", "Letter")]
)
def test_shipped_sheet_page_counts(language: str, paper: str) -> None:
    workflow = _shipped_workflow()
    if workflow is None:
        pytest.skip("the shipped workflow cannot be loaded here")
    pages = len(sheet_layout(workflow, language, paper).pages)
    # four A4 pages in both languages; Letter is shorter
    assert pages <= (4 if paper == "A4" else 5)


# -- the pre-filled sheet -------------------------------------------------------------------


def test_prefill_names_the_boxes_and_writing_of_the_answers(small_workflow: Workflow) -> None:
    prefill = prefill_of(small_workflow, make_encounter(small_workflow), "en")
    assert {
        ("hx_dry", "yes"),
        ("hx_urinary", "yes"),
        ("hx_onset", "acquired"),
        ("hx_context", "lifelong"),
        ("hx_context", "acquired"),
        ("hx_none", "checked"),
        ("lab_cbc", "ordered"),
        ("lab_psa", "done_elsewhere"),
        ("lab_glucose", "declined"),
        ("lab_hba1c", "not_indicated"),
    } <= prefill.ticked
    assert not any(choice == "no" for _item, choice in prefill.ticked)
    assert prefill.written[("lab_cbc", "date")] == "02.05.2024"
    assert prefill.written[("lab_cbc", "note")] == "Morning sample please"
    assert prefill.written[("hx_urinary", "details")] == "Weak stream & <b>urgency</b>"
    assert prefill.written[("hx_onset_date", "value")] == "__.05.2023"
    assert prefill.written[("hx_collected", "value")] == "01.05.2024 08:30"
    assert prefill.written[("lab_other", "value")] == "Zinc in seminal plasma"


@pytest.mark.parametrize("language", ["en", "ru"])
def test_prefilled_sheet_has_pen_marks_in_exactly_the_answered_boxes(
    small_workflow: Workflow, language: str
) -> None:
    encounter = make_encounter(small_workflow)
    prefill = prefill_of(small_workflow, encounter, language)
    layout = sheet_layout(small_workflow, language)
    pdf = sheet_pdf(small_workflow, CLINIC, language, encounter=encounter)
    assert pdf == sheet_pdf(small_workflow, CLINIC, language, encounter=encounter)
    images = page_images(pdf)
    assert len(images) == len(layout.pages)
    patterns: set[tuple[int, ...]] = set()
    marked = beyond = 0
    for pixels, page in zip(images, layout.pages, strict=True):
        for box in page.boxes:
            if (box.item_id, box.choice) in prefill.ticked:
                assert ink(pixels, box.rect, inset=2) >= 10, box
                patterns.add(_pattern(pixels, box.rect))
                marked += 1
                beyond += ink_around(pixels, box.rect) > 0
            else:
                assert outline_and_empty(pixels, box.rect), box
    assert marked == len(prefill.ticked)
    # hand-like: no two marks alike, some running past the box's edge, most not
    assert len(patterns) == marked
    assert 0 < beyond < marked
    widths = {float(width) for width in re.findall(r"([\d.]+) w\b", _content(pdf))}
    pen_widths = {width for width in widths if width not in (0.0, 0.5, 0.6, 0.8)}
    assert pen_widths
    assert all(0.8 <= width <= 1.2 for width in pen_widths), pen_widths
    text = flat(" ".join(pdf_pages(pdf)))
    assert "Morning sampl" in text
    assert "Weak stream" in text
    assert "Ivanov, Pyotr" in text


def _pattern(pixels: Any, rect: Rect) -> tuple[int, ...]:
    scale = 150 / 72
    left, top = round(rect.x * scale), round(rect.y * scale)
    size = round(rect.width * scale)
    return tuple(
        int(pixels[x, y] < 128) for x in range(left, left + size) for y in range(top, top + size)
    )


def _content(pdf: bytes) -> str:
    streams = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        content = page.get_contents()
        assert content is not None
        streams.append(content.get_data().decode("latin-1"))
    return "\n".join(streams)
