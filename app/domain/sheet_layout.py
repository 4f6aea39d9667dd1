"""Where everything on a printed workup sheet is: the contract between printing and reading.

The layout of a sheet is a function of (workflow, version, language, paper): the printer
computes it to draw the sheet, and the scanner computes it again to read a filled one, so
nothing is stored when a sheet is printed. Geometry is in points (1/72 inch) with the origin
at the top-left corner of the page and y growing downwards, as in a scanned image.

Every page carries a QR code whose text is a `PageCode`: which workflow, version, language and
paper the page belongs to, its number, and the fingerprint of the layout it was printed with.
A page whose fingerprint differs from the layout computed when reading was printed by another
version of the program or of the workflow, and is refused rather than read with wrong boxes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

CODE_PREFIX = "EDW1"
"""The first field of a page's QR text; another value is not a page of this program."""


class SheetCodeError(ValueError):
    """A QR text that is not the code of a page of a workup sheet."""


@dataclass(frozen=True)
class Rect:
    """A rectangle on the page: top-left corner, width and height, in points."""

    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> tuple[float, float]:
        """The rectangle's centre."""
        return (self.x + self.width / 2, self.y + self.height / 2)

    def text(self) -> str:
        """The rectangle to two decimals, as the fingerprint reads it."""
        return f"{self.x:.2f},{self.y:.2f},{self.width:.2f},{self.height:.2f}"


@dataclass(frozen=True)
class Box:
    """A tick box: ticking it records `choice` for item `item_id`.

    `choice` is an option's value for single and multiple choice items, "yes", "no" or
    "unknown" for yes/no items, "checked" for a check item, and an order status value
    ("ordered", "done_elsewhere", "not_indicated", "declined") for an order.
    """

    item_id: str
    choice: str
    rect: Rect


@dataclass(frozen=True)
class WritingArea:
    """Where the clinician writes by hand for item `item_id`; `part` says what is written
    there: "value" (the answer), "details", "date", "note" or "other" (an option's
    "other, specify")."""

    item_id: str
    part: str
    rect: Rect


@dataclass(frozen=True)
class PageLayout:
    """One page: its number (from 1), its tick boxes and its writing areas."""

    number: int
    boxes: tuple[Box, ...]
    writing: tuple[WritingArea, ...]


@dataclass(frozen=True)
class SheetLayout:
    """Every page of a sheet, the registration marks and the QR code's place (the same on
    every page)."""

    workflow_id: str
    version: int
    language: str
    paper: str
    page_width: float
    page_height: float
    marks: tuple[Rect, ...]
    qr: Rect
    pages: tuple[PageLayout, ...]

    def fingerprint(self) -> str:
        """A short hash of everything a reader relies on: page size, marks, QR place and
        every box and writing area of every page."""
        digest = hashlib.sha256()
        head = (
            f"{self.workflow_id}|{self.version}|{self.language}|{self.paper}|"
            f"{self.page_width:.2f}x{self.page_height:.2f}|{self.qr.text()}|"
            + ";".join(mark.text() for mark in self.marks)
        )
        digest.update(head.encode("utf-8"))
        for page in self.pages:
            digest.update(f"\npage {page.number}".encode())
            for box in page.boxes:
                digest.update(f"\nB {box.item_id} {box.choice} {box.rect.text()}".encode())
            for area in page.writing:
                digest.update(f"\nW {area.item_id} {area.part} {area.rect.text()}".encode())
        return digest.hexdigest()[:16]

    def code(self, number: int) -> PageCode:
        """The code printed on page `number`."""
        if not 1 <= number <= len(self.pages):
            raise ValueError(f"the sheet has no page {number}")
        return PageCode(
            self.workflow_id,
            self.version,
            self.language,
            self.paper,
            number,
            len(self.pages),
            self.fingerprint(),
        )


@dataclass(frozen=True)
class PageCode:
    """What the QR code of one page says."""

    workflow_id: str
    version: int
    language: str
    paper: str
    page: int
    pages: int
    fingerprint: str

    def text(self) -> str:
        """The QR text, e.g. "EDW1;retrograde_ejaculation;2;en;A4;1/4;0123456789abcdef"."""
        return ";".join(
            (
                CODE_PREFIX,
                self.workflow_id,
                str(self.version),
                self.language,
                self.paper,
                f"{self.page}/{self.pages}",
                self.fingerprint,
            )
        )

    @classmethod
    def parse(cls, text: str) -> PageCode:
        """The code in a QR text; SheetCodeError when it is not a page of a workup sheet."""
        fields = text.strip().split(";")
        if len(fields) != 7 or fields[0] != CODE_PREFIX:
            raise SheetCodeError("the code is not that of a workup sheet page")
        _prefix, workflow_id, version, language, paper, position, fingerprint = fields
        number, _slash, count = position.partition("/")
        if not (version.isdigit() and number.isdigit() and count.isdigit()):
            raise SheetCodeError("the code of the sheet page is damaged")
        page, pages = int(number), int(count)
        if not (workflow_id and language and paper and fingerprint) or not 1 <= page <= pages:
            raise SheetCodeError("the code of the sheet page is damaged")
        return cls(workflow_id, int(version), language, paper, page, pages, fingerprint)
