"""The blank workup sheet: every item, QR code and page numbers on every page, legibility."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from app.domain.sheet_layout import PageCode
from app.domain.workflow import Workflow
from app.report import ClinicInfo, build_sheet_data, render_sheet, sheet_pdf
from app.report.sheet import SheetKind, reference, sheet_layout
from tests.report.conftest import flat, pdf_pages

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
        from app.catalog import load_workflow_file
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
