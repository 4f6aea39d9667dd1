"""What the workup sheet prints: every section and item of a workflow, localized, before layout."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from app.domain.values import unit_text
from app.domain.workflow import Item, ItemKind, Role, Workflow
from app.report.strings import strings_for
from app.report.summary_data import ClinicInfo
from app.report.text import clean, one_line


class SheetKind(StrEnum):
    """How an item is drawn on paper."""

    CHECK = "check"
    YNU = "ynu"
    YNU_DETAILS = "ynu_details"
    CHOICE = "choice"
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    ORDER = "order"
    ORDER_GRID = "order_grid"
    YNU_GRID = "ynu_grid"
    SIGNATURE = "signature"


@dataclass(frozen=True)
class SheetItem:
    """One item of the sheet: its label and what to draw for the answer."""

    item_id: str
    kind: SheetKind
    label: str
    options: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    """The stored value of each option, in the order of `options`."""
    unit: str = ""
    indent: bool = False
    specify: bool = False
    other_line: bool = False
    lines: int = 2


@dataclass(frozen=True)
class SheetSection:
    """One workflow section on the sheet."""

    section_id: str
    code: str
    title: str
    note: str
    items: tuple[SheetItem, ...]


@dataclass(frozen=True)
class SheetData:
    """Everything the blank sheet prints; the renderer adds only layout."""

    language: str
    labels: Mapping[str, str]
    workflow_id: str
    version: int
    clinic_name: str
    clinic_address: str
    document_title: str
    workflow_title: str
    workflow_version: str
    reference: str
    """The workflow's id and version as the footer prints them."""
    patient_fields: tuple[str, ...]
    visit_fields: tuple[str, ...]
    instructions: str
    sections: tuple[SheetSection, ...]
    page_of: str
    yes_no_unknown: tuple[str, ...] = field(default=())
    ynu_captions: tuple[str, ...] = field(default=())
    order_choices: tuple[str, ...] = field(default=())
    signature_fields: tuple[str, ...] = field(default=())

    def page_label(self, page: int, pages: int) -> str:
        """The footer's "page X of Y" text."""
        return self.page_of.format(page=page, pages=pages)

    def all_text(self) -> list[str]:
        """Every string the sheet prints apart from page numbers (for checks and tests)."""
        texts = [
            self.clinic_name,
            self.clinic_address,
            self.document_title,
            self.workflow_title,
            self.workflow_version,
            self.reference,
            self.instructions,
            *self.patient_fields,
            *self.visit_fields,
            *self.yes_no_unknown,
            *self.ynu_captions,
            *self.order_choices,
            *self.signature_fields,
            self.labels["details"],
            self.labels["specify"],
            self.labels["note"],
            self.labels["patient"],
        ]
        for section in self.sections:
            texts += [section.code, section.title, section.note]
            for item in section.items:
                texts += [item.label, *item.options, item.unit]
        return [text for text in texts if text]


def reference(workflow: Workflow) -> str:
    """The workflow as the footer names it, e.g. "workup:retrograde_ejaculation:v1"."""
    return f"workup:{workflow.id}:v{workflow.version}"


def _sheet_kind(item: Item) -> SheetKind:
    if item.is_order:
        return SheetKind.ORDER
    return {
        ItemKind.CHECK: SheetKind.CHECK,
        ItemKind.YNU: SheetKind.YNU,
        ItemKind.YNU_DETAILS: SheetKind.YNU_DETAILS,
        ItemKind.SINGLE: SheetKind.CHOICE,
        ItemKind.MULTI: SheetKind.CHOICE,
        ItemKind.TEXT: SheetKind.TEXT,
        ItemKind.NUMBER: SheetKind.NUMBER,
        ItemKind.DATE: SheetKind.DATE,
        ItemKind.DATETIME: SheetKind.DATETIME,
    }[item.kind]


def build_sheet_data(workflow: Workflow, clinic: ClinicInfo, language: str) -> SheetData:
    """Collect and localize everything the blank sheet of `workflow` prints."""
    language = language if language in ("en", "ru") else "en"
    labels = strings_for(language)
    sections: list[SheetSection] = []
    order_choices = tuple(
        labels[f"order_{status}"]
        for status in ("ordered", "done_elsewhere", "not_indicated", "declined")
    )
    legend = " · ".join(f"{number} {text}" for number, text in enumerate(order_choices, 1))
    for section in workflow.sections:
        items: list[SheetItem] = []
        for item in section.items:
            kind = _sheet_kind(item)
            if kind is SheetKind.ORDER and not any(e.kind is SheetKind.ORDER for e in items):
                # the orders of a section form a grid: numbered box columns, the legend
                # above the first grid of the sheet
                first = not any(e.kind is SheetKind.ORDER_GRID for s in sections for e in s.items)
                items.append(SheetItem("", SheetKind.ORDER_GRID, clean(legend) if first else ""))
            ynu = (SheetKind.YNU, SheetKind.YNU_DETAILS)
            if kind in ynu and not any(e.kind in ynu for e in items):
                items.append(SheetItem("", SheetKind.YNU_GRID, ""))
            items.append(
                SheetItem(
                    item_id=item.id,
                    kind=_sheet_kind(item),
                    label=clean(item.label.get(language)),
                    options=tuple(clean(option.label.get(language)) for option in item.options),
                    values=tuple(option.value for option in item.options),
                    unit=clean(unit_text(item.unit, language) if item.unit else ""),
                    indent=item.role is Role.ORDER_DETAIL or item.show_when is not None,
                    specify=item.is_order and item.kind is not ItemKind.CHECK,
                    other_line=any(option.value.startswith("other") for option in item.options),
                    lines=item.lines or 2,
                )
            )
        title = clean(section.title.get(language))
        if section.optional:
            title = f"{title} ({labels['optional_section']})"
        note = clean(section.note.get(language)) if section.note else ""
        sections.append(SheetSection(section.id, clean(section.code), title, note, tuple(items)))
    return SheetData(
        language=language,
        labels=labels,
        workflow_id=workflow.id,
        version=workflow.version,
        clinic_name=one_line(clinic.name),
        clinic_address=one_line(clinic.address, limit=400),
        document_title=labels["sheet_title"],
        workflow_title=clean(workflow.title.get(language)),
        workflow_version=labels["version"].format(version=workflow.version),
        reference=reference(workflow),
        patient_fields=(labels["name"], labels["birth_date"], labels["chart_number"]),
        # The visit date and clinician get header fields only when no item asks for them.
        visit_fields=tuple(
            labels[key]
            for key, item_id in (("visit_date", "visit_date"), ("clinician", "visit_clinician"))
            if not workflow.has_item(item_id)
        ),
        instructions=labels["sheet_instructions"],
        sections=tuple(sections),
        page_of=labels["page_of"],
        yes_no_unknown=(labels["yes"], labels["no"], labels["unknown"]),
        ynu_captions=(labels["yes"], labels["no"], labels["unknown_short"]),
        order_choices=order_choices,
        signature_fields=(labels["clinician_signature"], labels["date"]),
    )
