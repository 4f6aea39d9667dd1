"""Scanned sheets into drafts: read every page first, then store the clear readings.

`read_scans` reads the files as one sheet (every page present, one workflow version, the
layout this program makes for it) or refuses with every problem, one line each.
`import_scans` then starts a draft for a patient (pinned to the scanned workflow version) or
adds to an existing draft, storing only the clear readings with the actor "paper scan": an
answer the draft already holds is never overwritten, and unclear items, struck-out boxes and
handwriting are left for the clinician. The result keeps everything a review screen needs
(page images, box rectangles in image pixels, box and item states, writing-area crops) and
gives it as a JSON readings document (`readings_document`).

Until the database keeps paper readings, "from paper, to confirm" lives in that document:
every stored item is listed with `"confirmed": false`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.domain.encounter import Encounter, OrderState, Patient
from app.domain.values import AnswerValue, to_json
from app.domain.workflow import LANGUAGES, Workflow
from app.services.errors import ConflictError, InvalidInputError, NotFoundError, ServiceError

if TYPE_CHECKING:
    from app.domain.sheet_layout import SheetLayout
    from app.scan import ItemReading, LayoutFor, ScannedSheet
    from app.services.workups import WorkupService

ACTOR = "paper scan"
"""Who the audit trail names for answers read from paper."""
PAPERS = ("A4", "Letter")
READINGS_FORMAT = "workup-paper-readings"
READINGS_VERSION = 1


class ScanRefused(InvalidInputError):
    """The scanned files do not form one readable sheet: every reason, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems) or ("nothing to read",)
        more = len(self.problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        super().__init__(f"{self.problems[0]}{suffix}")


@dataclass(frozen=True)
class ScanReading:
    """A scanned sheet read: its workflow, the pages and what each item says."""

    workflow: Workflow
    sheet: ScannedSheet
    items: tuple[ItemReading, ...]


@dataclass(frozen=True)
class ScanImport:
    """What an import did: the draft, what was stored, and what was left to the clinician."""

    encounter_id: int
    created: bool
    reading: ScanReading
    stored: tuple[str, ...]
    """Items whose reading was stored (from paper, to confirm)."""
    kept: tuple[str, ...]
    """Items read clearly whose stored answer differs, kept as it was."""


def _layout_function(service: WorkupService) -> LayoutFor:
    """The layout of a scanned page's sheet, from the catalog's workflow of that id and
    version; ScanError naming why when there is none."""
    from app.report.errors import ReportError
    from app.report.sheet import sheet_layout
    from app.scan import ScanError

    made: dict[tuple[str, int, str, str], SheetLayout] = {}

    def layout_for(workflow_id: str, version: int, language: str, paper: str) -> SheetLayout:
        key = (workflow_id, version, language, paper)
        if key in made:
            return made[key]
        workflow = service.catalog.workflows.get(workflow_id)
        if workflow is None:
            raise ScanError(f"a page of workflow {workflow_id}, which the catalog does not have")
        if workflow.version != version:
            raise ScanError(
                f"a page of workflow {workflow_id} version {version}, but the catalog has "
                f"version {workflow.version}; print the current sheet, or add version "
                f"{version}'s file to the workflow folder"
            )
        if language not in LANGUAGES or paper not in PAPERS:
            raise ScanError(f"a page in language {language} on {paper} paper is not supported")
        try:
            made[key] = sheet_layout(workflow, language, paper)
        except ReportError as error:
            raise ScanError(f"the sheet's layout cannot be computed: {error}") from error
        return made[key]

    return layout_for


def read_scans(service: WorkupService, paths: Sequence[Path]) -> ScanReading:
    """Read the scanned files as one sheet; ScanRefused listing every problem."""
    from app.scan import ScanError, ScanProblems, read_files, read_items

    if not paths:
        raise ScanRefused(["no files to read"])
    try:
        sheet = read_files(list(paths), _layout_function(service))
    except ScanProblems as problems:
        raise ScanRefused(problems.problems) from problems
    workflow = service.catalog.get(sheet.layout.workflow_id)
    try:
        items = tuple(read_items(workflow, sheet.pages))
    except ScanError as error:
        raise ScanRefused([str(error)]) from error
    return ScanReading(workflow, sheet, items)


def import_scans(
    service: WorkupService,
    paths: Sequence[Path],
    *,
    encounter_id: int | None = None,
    chart_number: str | None = None,
    clinician: str | None = None,
    actor: str = ACTOR,
) -> ScanImport:
    """Read the files, then add the clear readings to draft `encounter_id`, or to a new
    draft for the patient with `chart_number` (started by `clinician`).

    Nothing is written unless every page was read and the target accepts the sheet. A
    database failure midway leaves the draft with the answers stored until then; importing
    the same files into that draft again completes it (an answer already stored as read is
    left as it is).
    """
    if (encounter_id is None) == (chart_number is None):
        raise InvalidInputError("give either an encounter or a patient's chart number")
    reading = read_scans(service, paths)
    workflow = reading.workflow
    language = reading.sheet.layout.language
    created = False
    if encounter_id is not None:
        encounter = service.encounter(encounter_id)
        if not encounter.status.editable:
            raise InvalidInputError(
                f"encounter {encounter_id} is {encounter.status.value}; paper readings go "
                "into a draft (amend it first, or import into a new draft with --patient)"
            )
        if (encounter.workflow_id, encounter.workflow_version) != (workflow.id, workflow.version):
            raise InvalidInputError(
                f"the sheet is of workflow {workflow.id} version {workflow.version}, encounter "
                f"{encounter_id} of {encounter.workflow_id} version "
                f"{encounter.workflow_version}"
            )
        if service.encounter_workflow(encounter_id).content_hash != workflow.content_hash:
            raise InvalidInputError(
                f"encounter {encounter_id} was recorded against another definition of "
                f"{workflow.id} version {workflow.version} than the catalog's"
            )
    else:
        assert chart_number is not None
        patient = _patient_by_chart(service, chart_number)
        name = (clinician or service.settings.default_clinician).strip()
        if not name:
            raise InvalidInputError(
                "give the clinician's name (--clinician) or set a default clinician"
            )
        assert patient.id is not None
        encounter = service.start_encounter(patient.id, workflow.id, name, language)
        assert encounter.id is not None
        encounter_id = encounter.id
        created = True
    stored: list[str] = []
    kept: list[str] = []
    held = service.encounter(encounter_id)
    try:
        for item_reading in reading.items:
            _store(service, held, item_reading, actor, stored, kept)
    except ServiceError as error:
        raise ServiceError(
            f"{error}; encounter {encounter_id} holds {len(stored)} readings stored before "
            f"this: import the same files into it again (--encounter {encounter_id}) to "
            "complete it"
        ) from error
    return ScanImport(encounter_id, created, reading, tuple(stored), tuple(kept))


def _patient_by_chart(service: WorkupService, chart_number: str) -> Patient:
    wanted = chart_number.strip()
    if not wanted:
        raise InvalidInputError("the chart number is empty")
    for patient in service.find_patients(wanted, limit=50):
        if patient.chart_number == wanted:
            return patient
    raise NotFoundError(f"no patient with chart number {wanted}")


def _store(
    service: WorkupService,
    encounter: Encounter,
    reading: ItemReading,
    actor: str,
    stored: list[str],
    kept: list[str],
) -> None:
    """Store one clear reading unless the draft (`encounter` as it was before the import)
    holds another value for it; an answer another workstation stored meanwhile is kept."""
    from app.scan import ItemState

    if reading.state is not ItemState.READ or reading.value is None:
        return
    item = reading.item
    encounter_id = encounter.id or 0
    try:
        if item.is_order:
            assert isinstance(reading.value, OrderState)
            current_order = encounter.orders.get(item.id)
            if current_order is not None:
                if current_order.status is not reading.value.status:
                    kept.append(item.id)
                return
            service.set_order(encounter_id, item.id, reading.value, actor, base=None)
        else:
            assert not isinstance(reading.value, OrderState)
            current = encounter.answers.get(item.id)
            if current is not None:
                if to_json(item, current) != to_json(item, reading.value):
                    kept.append(item.id)
                return
            service.set_answer(encounter_id, item.id, reading.value, actor, base=None)
    except ConflictError:
        kept.append(item.id)
        return
    stored.append(item.id)


def value_json(reading: ItemReading) -> Any:
    """The value read, in the JSON form of an encounter document (None when none)."""
    value = reading.value
    if value is None:
        return None
    if isinstance(value, OrderState):
        return {"status": value.status.value}
    answer: AnswerValue = value
    return to_json(reading.item, answer)


def readings_document(imported: ScanImport, read_at: datetime) -> dict[str, Any]:
    """The readings as a JSON-ready document: per page its image hash and size, per item
    its state, value, boxes (state, ink share, rectangle in page-image pixels) and crops
    (rectangle and hash), and whether it was stored (from paper, to confirm)."""
    from app.scan import READ_DPI

    reading = imported.reading
    layout = reading.sheet.layout
    pages = []
    for page in reading.sheet.pages:
        height, width = page.image.shape
        pages.append(
            {
                "page": page.code.page,
                "source": page.source,
                "turned": page.turned,
                "image_sha256": hashlib.sha256(page.png()).hexdigest(),
                "image_size": [width, height],
                "dpi": READ_DPI,
            }
        )
    page_of = {id(box): page.code.page for page in reading.sheet.pages for box in page.boxes} | {
        id(crop): page.code.page for page in reading.sheet.pages for crop in page.crops
    }
    items = []
    stored = set(imported.stored)
    kept = set(imported.kept)
    for item in reading.items:
        items.append(
            {
                "item_id": item.item.id,
                "state": item.state.value,
                "value": value_json(item),
                "note": item.note,
                "stored": item.item.id in stored,
                "kept_stored_answer": item.item.id in kept,
                "confirmed": False,
                "boxes": [
                    {
                        "choice": box.box.choice,
                        "state": box.state.value,
                        "page": page_of[id(box)],
                        "rect": list(box.pixels),
                        "ink": box.ink,
                        "solid": box.solid,
                    }
                    for box in item.boxes
                ],
                "crops": [
                    {
                        "part": crop.area.part,
                        "page": page_of[id(crop)],
                        "rect": list(crop.pixels),
                        "sha256": crop.sha256,
                    }
                    for crop in item.crops
                ],
            }
        )
    return {
        "format": READINGS_FORMAT,
        "version": READINGS_VERSION,
        "encounter_id": imported.encounter_id,
        "created": imported.created,
        "actor": ACTOR,
        "read_at": read_at.isoformat(timespec="seconds"),
        "workflow": {
            "id": layout.workflow_id,
            "version": layout.version,
            "language": layout.language,
            "paper": layout.paper,
            "fingerprint": layout.fingerprint(),
        },
        "pages": pages,
        "items": items,
    }


def readings_json(imported: ScanImport, read_at: datetime) -> bytes:
    """The readings document as UTF-8 JSON."""
    document = readings_document(imported, read_at)
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


__all__ = [
    "ACTOR",
    "ScanImport",
    "ScanReading",
    "ScanRefused",
    "import_scans",
    "read_scans",
    "readings_document",
    "readings_json",
]
