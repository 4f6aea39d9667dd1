"""The summary of an encounter as plain data: every string to print, already localized."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import NamedTuple

from app.domain.encounter import Encounter, EncounterStatus, OrderState, OrderStatus
from app.domain.instructions import page_note_text, patient_instructions
from app.domain.rules import is_visible
from app.domain.seal import shown_digest
from app.domain.values import AnswerValue, display_value, is_empty
from app.domain.vocabulary import Language
from app.domain.workflow import Item, ItemKind, Role, Workflow
from app.report.strings import strings_for
from app.report.text import clean, format_date, format_datetime, one_line

_ORDERED = (OrderStatus.ORDERED, OrderStatus.DONE_ELSEWHERE)
_FINAL = (EncounterStatus.FINALIZED, EncounterStatus.AMENDED)


class ClinicInfo(NamedTuple):
    """The clinic printed at the top of every document."""

    name: str = ""
    address: str = ""


class Field(NamedTuple):
    """A label and the text printed beside it."""

    label: str
    value: str


class CodeText(NamedTuple):
    """One code of an order: system name, code and display text."""

    system: str
    code: str
    display: str

    def text(self) -> str:
        """The code as one line, e.g. "LOINC 58410-2 — Complete blood count"."""
        return (
            f"{self.system} {self.code} — {self.display}"
            if self.display
            else (f"{self.system} {self.code}")
        )


class OrderEntry(NamedTuple):
    """One order item with a status, as printed in the Orders or Not ordered part."""

    item_id: str
    label: str
    answer: str
    status: str
    date: str
    note: str
    codes: tuple[CodeText, ...] = ()
    details: tuple[Field, ...] = ()


class RecordedEntry(NamedTuple):
    """One answered history or examination item."""

    item_id: str
    label: str
    value: str


class RecordedSection(NamedTuple):
    """The answered items of one workflow section, in workflow order."""

    section_id: str
    code: str
    title: str
    entries: tuple[RecordedEntry, ...]


class AddendumEntry(NamedTuple):
    """An addendum: its heading, reason and who opened and signed it when."""

    heading: str
    reason: str
    fields: tuple[Field, ...]


class InstructionPage(NamedTuple):
    """One patient instruction page: the instructions that apply, as recorded, to every
    ordered item listed on it (orders whose printed text is the same share a page)."""

    item_ids: tuple[str, ...]
    title: str
    heading: str
    order_labels: tuple[str, ...]
    patient_name: str
    date: str
    text: str

    @property
    def order_label(self) -> str:
        """The orders of the page as one text, one per line."""
        return "\n".join(self.order_labels)


class SummaryData(NamedTuple):
    """Everything printed in an encounter summary; the renderer adds only layout."""

    language: str
    labels: Mapping[str, str]
    clinic_name: str
    clinic_address: str
    document_title: str
    workflow_title: str
    workflow_version: str
    patient_name: str
    patient: tuple[Field, ...]
    encounter: tuple[Field, ...]
    is_draft: bool
    draft_mark: str
    draft_banner: str
    signature: tuple[Field, ...]
    addenda: tuple[AddendumEntry, ...]
    orders: tuple[OrderEntry, ...]
    not_ordered: tuple[OrderEntry, ...]
    recorded: tuple[RecordedSection, ...]
    instructions: tuple[InstructionPage, ...]
    patient_copy: bool
    footer_encounter: str
    footer_generated: str
    page_of: str

    def page_label(self, page: int, pages: int) -> str:
        """The footer's "page X of Y" text."""
        return self.page_of.format(page=page, pages=pages)


def visit_date(workflow: Workflow, encounter: Encounter) -> date:
    """The recorded visit date (item `visit_date`), else the day the encounter was created."""
    if workflow.has_item("visit_date"):
        value = encounter.answers.get("visit_date")
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
    return encounter.created_at.date()


def _follow_up(
    workflow: Workflow, encounter: Encounter, language: str, labels: Mapping[str, str]
) -> tuple[Field, ...]:
    """The follow-up visit date (item `follow_up_date`), when one is recorded."""
    if not workflow.has_item("follow_up_date"):
        return ()
    value = encounter.answers.get("follow_up_date")
    if not isinstance(value, str):
        return ()
    try:
        return (Field(labels["follow_up"], format_date(date.fromisoformat(value), language)),)
    except ValueError:
        return ()


def _status_text(status: EncounterStatus, labels: Mapping[str, str]) -> str:
    return labels[f"status_{status.value}"]


def _order_text(status: OrderStatus, labels: Mapping[str, str]) -> str:
    return labels[f"order_{status.value}"]


def _shown(
    workflow: Workflow, item: Item, answers: Mapping[str, AnswerValue], encounter: Encounter
) -> bool:
    # Answers left behind by an item that is now hidden are not part of the record shown.
    return is_visible(workflow, item, answers, encounter.orders)


def _answer_text(item: Item, answers: Mapping[str, AnswerValue], language: str) -> str:
    value = answers.get(item.id)
    if value is None or is_empty(value):
        return ""
    return clean(display_value(item, value, language))


def _order_entry(
    workflow: Workflow,
    item: Item,
    state: OrderState,
    encounter: Encounter,
    language: str,
    labels: Mapping[str, str],
    default_date: date,
) -> OrderEntry:
    if state.date is not None:
        when = format_date(state.date, language)
    elif state.status is OrderStatus.ORDERED:
        when = format_date(default_date, language)
    elif state.status is OrderStatus.DONE_ELSEWHERE:
        when = labels["date_not_recorded"]
    else:
        when = ""
    details: tuple[Field, ...] = ()
    codes: tuple[CodeText, ...] = ()
    if state.status in _ORDERED:
        codes = tuple(
            CodeText(clean(code.system_name), clean(code.code), clean(code.display))
            for code in item.codes
        )
        details = tuple(
            Field(clean(detail.label.get(language)), text)
            for detail in workflow.details_of(item.id)
            if _shown(workflow, detail, encounter.answers, encounter)
            and (text := _answer_text(detail, encounter.answers, language))
        )
    answer = "" if item.kind is ItemKind.CHECK else _answer_text(item, encounter.answers, language)
    return OrderEntry(
        item_id=item.id,
        label=clean(item.label.get(language)),
        answer=answer,
        status=_order_text(state.status, labels),
        date=when,
        note=clean(state.note.strip()),
        codes=codes,
        details=details,
    )


def _recorded(
    workflow: Workflow, encounter: Encounter, language: str
) -> tuple[RecordedSection, ...]:
    sections: list[RecordedSection] = []
    for section in workflow.sections:
        entries: list[RecordedEntry] = []
        for item in section.items:
            if item.is_order or item.role is Role.ADMIN:
                continue
            if item.role is Role.ORDER_DETAIL and item.parent and workflow.has_item(item.parent):
                continue  # printed with its order
            if not _shown(workflow, item, encounter.answers, encounter):
                continue
            text = _answer_text(item, encounter.answers, language)
            if text:
                entries.append(RecordedEntry(item.id, clean(item.label.get(language)), text))
        if entries:
            sections.append(
                RecordedSection(
                    section.id,
                    clean(section.code),
                    clean(section.title.get(language)),
                    tuple(entries),
                )
            )
    return tuple(sections)


def _signature(encounter: Encounter, language: str, labels: Mapping[str, str]) -> tuple[Field, ...]:
    if not encounter.finalized_by:
        return ()
    fields = [Field(labels["signed_by"], one_line(encounter.finalized_by))]
    if encounter.finalized_at is not None:
        fields.append(Field(labels["signed_at"], format_datetime(encounter.finalized_at, language)))
    if encounter.sealed_digest:
        fields.append(Field(labels["sealed_digest"], shown_digest(encounter.sealed_digest)))
    return tuple(fields)


def _addenda(
    encounter: Encounter, language: str, labels: Mapping[str, str]
) -> tuple[AddendumEntry, ...]:
    entries: list[AddendumEntry] = []
    for addendum in sorted(encounter.addenda, key=lambda entry: entry.seq):
        fields = [
            Field(labels["opened_by"], one_line(addendum.opened_by)),
            Field(labels["opened_at"], format_datetime(addendum.opened_at, language)),
        ]
        if addendum.signed_by:
            fields.append(Field(labels["addendum_signed_by"], one_line(addendum.signed_by)))
            if addendum.signed_at is not None:
                fields.append(
                    Field(labels["signed_at"], format_datetime(addendum.signed_at, language))
                )
            if addendum.sealed_digest:
                fields.append(Field(labels["sealed_digest"], shown_digest(addendum.sealed_digest)))
        else:
            fields.append(Field(labels["addendum_signed_by"], labels["not_signed"]))
        entries.append(
            AddendumEntry(
                heading=labels["addendum"].format(seq=addendum.seq),
                reason=clean(addendum.reason.strip()),
                fields=tuple(fields),
            )
        )
    return tuple(entries)


def _page_order_label(entry: OrderEntry) -> str:
    """How an order is named on an instruction page: what was specified for an "other
    (specify)" order, else its label."""
    return one_line(entry.answer) if entry.answer else entry.label


def _instruction_pages(
    workflow: Workflow,
    encounter: Encounter,
    ordered: list[tuple[Item, OrderEntry]],
    language: str,
    labels: Mapping[str, str],
    patient_name: str,
) -> tuple[InstructionPage, ...]:
    """One page per distinct instruction text, listing every order that prints it, in
    the order of each page's first order."""
    pages: dict[tuple[str, str], InstructionPage] = {}
    note = page_note_text(workflow, encounter.answers, encounter.orders, language)
    for item, entry in ordered:
        found = patient_instructions(workflow, item, encounter.answers, encounter.orders, language)
        if found is None or not found.text.strip():
            continue
        text = clean(found.text.strip())
        key = (found.instructions.key, text)
        if note:
            text = f"{text}\n\n{clean(note)}"
        page = pages.get(key)
        label = _page_order_label(entry)
        if page is None:
            heading = found.instructions.heading
            pages[key] = InstructionPage(
                item_ids=(item.id,),
                title=labels["instructions_title"],
                heading=clean(heading.get(language)) if heading else labels["instructions_for"],
                order_labels=(label,),
                patient_name=patient_name,
                date=entry.date,
                text=text,
            )
        else:
            dates = (
                page.date if entry.date in page.date.split(", ") else f"{page.date}, {entry.date}"
            )
            pages[key] = page._replace(
                item_ids=(*page.item_ids, item.id),
                order_labels=(*page.order_labels, label),
                date=dates,
            )
    return tuple(pages.values())


def build_summary_data(
    workflow: Workflow,
    encounter: Encounter,
    clinic: ClinicInfo,
    language: str,
    generated_at: datetime,
    *,
    patient_copy: bool = False,
) -> SummaryData:
    """Collect and localize everything the summary of `encounter` prints.

    A patient copy holds the patient, the ordered items with their details, dates and
    notes, and the instruction pages: nothing of the history, the examination, the
    declined or not-indicated orders, the clinician's notes or the signatures.
    """
    language = Language.of(language)
    labels = strings_for(language)
    patient = encounter.patient
    visit = visit_date(workflow, encounter)
    patient_name = one_line(patient.display_name)

    orders: list[OrderEntry] = []
    not_ordered: list[OrderEntry] = []
    ordered: list[tuple[Item, OrderEntry]] = []
    for item in workflow.order_items():
        state = encounter.orders.get(item.id)
        if state is None or not _shown(workflow, item, encounter.answers, encounter):
            continue
        if patient_copy and state.status is not OrderStatus.ORDERED:
            continue
        entry = _order_entry(workflow, item, state, encounter, language, labels, visit)
        (orders if state.status in _ORDERED else not_ordered).append(entry)
        if state.status is OrderStatus.ORDERED:
            ordered.append((item, entry))
    instructions = _instruction_pages(workflow, encounter, ordered, language, labels, patient_name)

    clinician = encounter.clinician
    if not clinician.strip() and workflow.has_item("visit_clinician"):
        value = encounter.answers.get("visit_clinician")
        clinician = value if isinstance(value, str) else ""
    is_draft = encounter.status not in _FINAL
    return SummaryData(
        language=language,
        labels=labels,
        clinic_name=one_line(clinic.name),
        clinic_address=one_line(clinic.address, limit=2 * 200),
        document_title=labels["patient_copy_title" if patient_copy else "summary_title"],
        workflow_title=clean(workflow.title.get(language)),
        workflow_version=labels["version"].format(version=workflow.version),
        patient_name=patient_name,
        patient=(
            Field(labels["name"], patient_name),
            Field(labels["birth_date"], format_date(patient.birth_date, language)),
            Field(labels["chart_number"], one_line(patient.chart_number)),
        ),
        encounter=(
            Field(labels["visit_date"], format_date(visit, language)),
            Field(labels["clinician"], one_line(clinician)),
            Field(labels["status"], _status_text(encounter.status, labels)),
            *_follow_up(workflow, encounter, language, labels),
        ),
        is_draft=is_draft,
        draft_mark=labels["draft_mark"] if is_draft else "",
        draft_banner=labels["draft_banner"] if is_draft else "",
        signature=() if patient_copy else _signature(encounter, language, labels),
        addenda=() if patient_copy else _addenda(encounter, language, labels),
        orders=tuple(orders),
        not_ordered=tuple(not_ordered),
        recorded=() if patient_copy else _recorded(workflow, encounter, language),
        instructions=instructions,
        patient_copy=patient_copy,
        footer_encounter=labels["footer_encounter"].format(
            uid=one_line(encounter.uid)[:8], revision=encounter.revision
        ),
        footer_generated=labels["footer_generated"].format(
            time=format_datetime(generated_at, language)
        ),
        page_of=labels["page_of"],
    )
