"""Qt item models adapting service results to views: encounters, patients, sections, gaps."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractListModel,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from app.domain.encounter import EncounterStatus, EncounterSummary, Patient, SectionCompletion
from app.domain.labels import STATUS_LABELS
from app.domain.workflow import Item, Section
from app.gui.i18n import display_date, display_time
from app.services import ServiceError, WorkupService

log = logging.getLogger("app.gui")
PAGE_SIZE = 200
CACHED_PAGES = 8
AnyIndex = QModelIndex | QPersistentModelIndex


class Roles(IntEnum):
    """Custom data roles of our models."""

    ENCOUNTER_ID = Qt.ItemDataRole.UserRole + 1
    PATIENT_ID = Qt.ItemDataRole.UserRole + 2
    STATUS = Qt.ItemDataRole.UserRole + 3
    SECTION_ID = Qt.ItemDataRole.UserRole + 4
    ANSWERED = Qt.ItemDataRole.UserRole + 5
    REQUIRED = Qt.ItemDataRole.UserRole + 6
    COMPLETE = Qt.ItemDataRole.UserRole + 7
    ITEM_ID = Qt.ItemDataRole.UserRole + 8
    OBJECT = Qt.ItemDataRole.UserRole + 9


_ENCOUNTER_ROLES = frozenset(
    {Qt.ItemDataRole.DisplayRole, Roles.ENCOUNTER_ID, Roles.PATIENT_ID, Roles.STATUS}
)


# The English of app.domain.labels.STATUS_LABELS, marked here for lupdate (a test checks
# that these are the domain's words and that the .ts file's Russian is the domain's).
STATUS_SOURCES = (
    QT_TRANSLATE_NOOP("status", "Draft"),
    QT_TRANSLATE_NOOP("status", "Finalized"),
    QT_TRANSLATE_NOOP("status", "Addendum open"),
    QT_TRANSLATE_NOOP("status", "Finalized, amended"),
)


def status_text(status: EncounterStatus) -> str:
    """The encounter status in the interface language (the domain's words, translated)."""
    return QCoreApplication.translate("status", STATUS_LABELS[status].en)


def local_time(moment: datetime) -> str:
    """A timestamp in local time, to the minute, written for the interface language."""
    return display_time(moment)


class EncounterListModel(QAbstractTableModel):
    """Encounters matching a search, read from the service a page at a time when shown.

    Every matching encounter has a row from the start (the count comes from the service);
    a row's page is read when the view first asks for it, and only the `cached_pages` pages
    used last are kept, so scrolling through any number of encounters holds a few pages.
    """

    COLUMNS = ("patient", "birth_date", "chart", "workflow", "status", "updated")

    def __init__(
        self,
        service: WorkupService,
        workflow_title: Callable[[str], str],
        parent: QObject | None = None,
        *,
        cached_pages: int = CACHED_PAGES,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._workflow_title = workflow_title
        self._search = ""
        self._pages: OrderedDict[int, list[EncounterSummary]] = OrderedDict()
        self._cached_pages = max(1, cached_pages)
        self._total = 0
        self._headers = self._header_texts()

    def _header_texts(self) -> tuple[str, ...]:
        return (
            self.tr("Patient"),
            self.tr("Date of birth"),
            self.tr("Chart number"),
            self.tr("Workflow"),
            self.tr("Status"),
            self.tr("Last change"),
        )

    def retranslate(self) -> None:
        """Column titles and cells again, in the interface language now installed."""
        self._headers = self._header_texts()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self._headers) - 1)
        self.refresh()

    @property
    def search(self) -> str:
        """The current search text."""
        return self._search

    @property
    def total(self) -> int:
        """How many encounters match the search (loaded or not)."""
        return self._total

    @property
    def cached_pages(self) -> list[int]:
        """The numbers of the pages held, least recently used first."""
        return list(self._pages)

    @property
    def loaded_rows(self) -> int:
        """How many rows are held in memory now."""
        return sum(len(page) for page in self._pages.values())

    def set_search(self, text: str) -> None:
        """Show the encounters matching `text`; rows are read when the view asks."""
        search = text.strip()
        # The count and the first page in one read: the view shows the first page at once.
        # Read before the reset, so that a failed read leaves the list as it was.
        total, first = self._service.search_encounters(search, PAGE_SIZE)
        self.beginResetModel()
        self._search, self._total = search, total
        self._pages.clear()
        if first:
            self._pages[0] = first
        self.endResetModel()

    def refresh(self) -> None:
        """Reload with the same search (after a change elsewhere)."""
        self.set_search(self._search)

    def summary(self, row: int) -> EncounterSummary:
        """The encounter shown in `row` (IndexError when there is none)."""
        found = self._summary(row)
        if found is None:
            raise IndexError(row)
        return found

    def _summary(self, row: int) -> EncounterSummary | None:
        if not 0 <= row < self._total:
            return None
        page = self._page(row // PAGE_SIZE)
        offset = row % PAGE_SIZE
        return page[offset] if offset < len(page) else None

    def _page(self, number: int) -> list[EncounterSummary]:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        try:
            page = self._service.list_encounters(self._search, PAGE_SIZE, number * PAGE_SIZE)
        except ServiceError as error:
            log.warning("encounter list page %d not read: %s", number, type(error).__name__)
            page = []
        self._pages[number] = page
        while len(self._pages) > self._cached_pages:
            self._pages.popitem(last=False)
        return page

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Every matching encounter, read or not."""
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Patient, birth date, chart, workflow, status, last change."""
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        """Column titles."""
        if (
            orientation is Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._headers)
        ):
            return self._headers[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text and the row's ids."""
        if not index.isValid() or role not in _ENCOUNTER_ROLES:
            return None
        row = self._summary(index.row())
        if row is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            column = self.COLUMNS[index.column()]
            if column == "patient":
                return row.patient_name
            if column == "birth_date":
                return display_date(row.birth_date)
            if column == "chart":
                return row.chart_number
            if column == "workflow":
                return self._workflow_title(row.workflow_id)
            if column == "status":
                return status_text(row.status)
            return local_time(row.updated_at)
        if role == Roles.ENCOUNTER_ID:
            return row.id
        if role == Roles.PATIENT_ID:
            return row.patient_id
        if role == Roles.STATUS:
            return row.status.value
        return None


class PatientListModel(QAbstractListModel):
    """Patients found by a search in the new-workup dialog."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._patients: list[Patient] = []

    def set_patients(self, patients: Sequence[Patient]) -> None:
        """Replace the list."""
        self.beginResetModel()
        self._patients = list(patients)
        self.endResetModel()

    def patient(self, row: int) -> Patient:
        """The patient in `row`."""
        return self._patients[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Patients found."""
        return 0 if parent.isValid() else len(self._patients)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Name, date of birth and chart number."""
        if not index.isValid() or index.row() >= len(self._patients):
            return None
        patient = self._patients[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            chart = f" · {patient.chart_number}" if patient.chart_number else ""
            born = self.tr("born %1").replace("%1", display_date(patient.birth_date))
            return f"{patient.display_name} · {born}{chart}"
        if role == Roles.PATIENT_ID:
            return patient.id
        return None


class SectionListModel(QAbstractListModel):
    """The sections of a workflow with how many required items are answered."""

    def __init__(
        self, sections: Sequence[Section], language: str, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._sections = list(sections)
        self._language = language
        self._completion: dict[str, SectionCompletion] = {}

    def set_completion(self, completion: Sequence[SectionCompletion]) -> None:
        """Update the answered/required counts (the view is told only when they changed)."""
        counts = {entry.section_id: entry for entry in completion}
        if counts == self._completion:
            return
        self._completion = counts
        if self._sections:
            self.dataChanged.emit(self.index(0), self.index(len(self._sections) - 1))

    def section(self, row: int) -> Section:
        """The section in `row`."""
        return self._sections[row]

    def row_of(self, section_id: str) -> int:
        """The row of section `section_id` (-1 when absent)."""
        for row, section in enumerate(self._sections):
            if section.id == section_id:
                return row
        return -1

    def progress_text(self, section_id: str) -> str:
        """'answered/required' with a check mark when complete; recorded count otherwise."""
        entry = self._completion.get(section_id)
        if entry is None:
            return ""
        if entry.required:
            mark = " ✓" if entry.complete else ""
            return f"{entry.answered}/{entry.required}{mark}"
        return self.tr("%n recorded", "", entry.recorded) if entry.recorded else ""

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Sections."""
        return 0 if parent.isValid() else len(self._sections)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Code, title and progress."""
        if not index.isValid() or index.row() >= len(self._sections):
            return None
        section = self._sections[index.row()]
        entry = self._completion.get(section.id)
        if role == Qt.ItemDataRole.DisplayRole:
            title = f"{section.code}  {section.title.get(self._language)}"
            progress = self.progress_text(section.id)
            if section.optional:
                progress = (progress + " · " if progress else "") + self.tr("optional")
            return f"{title}\n{progress}" if progress else title
        if role == Qt.ItemDataRole.ToolTipRole:
            return section.title.get(self._language)
        if role == Roles.SECTION_ID:
            return section.id
        if role == Roles.ANSWERED:
            return entry.answered if entry else 0
        if role == Roles.REQUIRED:
            return entry.required if entry else 0
        if role == Roles.COMPLETE:
            return entry.complete if entry else True
        return None


class MissingItemsModel(QAbstractListModel):
    """Required items not answered yet, then (not blocking) the review notes: orders with
    no decision and data-entry prompts; each in document order."""

    def __init__(self, language: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._language = language
        self._entries: list[tuple[Section, Item, str]] = []

    def set_entries(
        self,
        entries: Sequence[tuple[Section, Item]],
        notes: Sequence[tuple[Section, Item, str]] = (),
    ) -> None:
        """Replace the list: the required items, then the notes (kind as the service names it)."""
        self.beginResetModel()
        self._entries = [(section, item, "") for section, item in entries] + list(notes)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Missing items and notes."""
        return 0 if parent.isValid() else len(self._entries)

    def _note_text(self, kind: str) -> str:
        texts = {
            "no_decision": self.tr("no decision yet"),
            "details_empty": self.tr("Yes chosen, details empty"),
            "date_missing": self.tr("done elsewhere, no date"),
        }
        return texts.get(kind, kind)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Section code and item label (with what to look at, for a note)."""
        if not index.isValid() or index.row() >= len(self._entries):
            return None
        section, item, kind = self._entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            text = f"{section.code}  {item.label.get(self._language)}"
            return f"{text} — {self._note_text(kind)}" if kind else text
        if role == Roles.ITEM_ID:
            return item.id
        if role == Roles.SECTION_ID:
            return section.id
        return None
