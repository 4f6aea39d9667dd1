"""Workflow definitions: sections, items, options, codes and show-when conditions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

from app.domain.vocabulary import LANGUAGES as LANGUAGES

SCHEMA_VERSION = 1


class ItemKind(StrEnum):
    """The kind of field an item is, which fixes the shape of its answer."""

    CHECK = "check"
    YNU = "ynu"
    YNU_DETAILS = "ynu_details"
    SINGLE = "single"
    MULTI = "multi"
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"


class Role(StrEnum):
    """What an item is for: an observation, an order, a parameter of an order, ..."""

    OBSERVATION = "observation"
    ORDER = "order"
    ORDER_DETAIL = "order_detail"
    RESULT = "result"
    ADMIN = "admin"


class CodeStatus(StrEnum):
    """Whether an item's codes were verified against a source."""

    VERIFIED = "verified"
    NOT_VERIFIED = "not_verified"
    NONE = "none"


YNU_VALUES: tuple[str, ...] = ("yes", "no", "unknown")
CHOICE_KINDS = frozenset({ItemKind.SINGLE, ItemKind.MULTI})
CONDITION_KINDS = frozenset(
    {ItemKind.CHECK, ItemKind.YNU, ItemKind.YNU_DETAILS, ItemKind.SINGLE, ItemKind.MULTI}
)


class LocalizedText(NamedTuple):
    """A piece of text in English and, where given, in Russian."""

    en: str
    ru: str | None = None

    def get(self, language: str) -> str:
        """The text in `language`, falling back to English."""
        if language == "ru" and self.ru:
            return self.ru
        return self.en

    def has(self, language: str) -> bool:
        """Whether the text exists in `language` itself (without falling back)."""
        return bool(self.en if language == "en" else self.ru)


ANSWER_LABELS: MappingProxyType[str, LocalizedText] = MappingProxyType(
    {
        "yes": LocalizedText("Yes", "Да"),
        "no": LocalizedText("No", "Нет"),
        "unknown": LocalizedText("Unknown", "Неизвестно"),
    }
)
"""A Yes/No/Unknown answer (each of `YNU_VALUES`) as it is shown and printed."""


class Option(NamedTuple):
    """One choice of a single- or multiple-choice item."""

    value: str
    label: LocalizedText


class Code(NamedTuple):
    """A code from a terminology (LOINC, SNOMED CT, ...) attached to an item."""

    key: str
    system: str
    code: str
    display: str
    source: str = ""

    @property
    def system_name(self) -> str:
        """A short human name of the code system."""
        return SYSTEM_NAMES.get(self.system, self.system)


SYSTEM_NAMES: dict[str, str] = {
    "http://loinc.org": "LOINC",
    "http://snomed.info/sct": "SNOMED CT",
    "http://hl7.org/fhir/sid/icd-10-cm": "ICD-10-CM",
}


class Condition(NamedTuple):
    """Show an item only while another item's answer is one of `values`.

    For a multiple-choice item the condition holds when any chosen value is listed;
    for an order item the values are order statuses (for example "ordered"). With
    `answered` (instruction conditions only) it holds while the item has any answer, such as
    a free-text field that is filled in, and `values` is empty.
    """

    item_id: str
    values: tuple[str | bool, ...]
    answered: bool = False


class InstructionBlock(NamedTuple):
    """A part of a patient instruction text, printed only while every condition of `when`
    holds and, when `when_any` lists conditions, at least one of them holds."""

    text: LocalizedText
    when: tuple[Condition, ...] = ()
    when_any: tuple[Condition, ...] = ()


class Instructions(NamedTuple):
    """A patient instruction text (key under [instructions]) made of conditional blocks.

    `heading` names what the page is for ("Referral" instead of "Preparation and
    collection"); None prints the standard heading.
    """

    key: str
    blocks: tuple[InstructionBlock, ...]
    heading: LocalizedText | None = None


class InstructionChoice(NamedTuple):
    """One alternative of an order's instructions: used when its conditions hold and no
    earlier alternative's did."""

    instructions: Instructions
    when: tuple[Condition, ...] = ()


class Item(NamedTuple):
    """One question, finding or order of a workflow."""

    id: str
    kind: ItemKind
    role: Role
    label: LocalizedText
    help: LocalizedText | None = None
    required: bool = False
    options: tuple[Option, ...] = ()
    option_list: str | None = None
    unit: str | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    decimals: int | None = None
    allow_partial_date: bool = False
    allow_future: bool = False
    show_when: Condition | None = None
    parent: str | None = None
    codes: tuple[Code, ...] = ()
    code_status: CodeStatus = CodeStatus.NONE
    instructions: tuple[InstructionChoice, ...] = ()
    lines: int | None = None
    """Writing lines of a text item on the blank sheet (None: the sheet's default)."""

    @property
    def is_order(self) -> bool:
        """Whether the item is a test, study or referral that gets ordered."""
        return self.role is Role.ORDER

    def option(self, value: str) -> Option | None:
        """The option with `value`, if the item has one."""
        for option in self.options:
            if option.value == value:
                return option
        return None

    def option_label(self, value: str, language: str) -> str:
        """The label of option `value` in `language` (the raw value when unknown)."""
        option = self.option(value)
        return option.label.get(language) if option else value


class Section(NamedTuple):
    """An ordered group of items, shown as one page of the workup."""

    id: str
    code: str
    title: LocalizedText
    items: tuple[Item, ...]
    optional: bool = False
    note: LocalizedText | None = None


@dataclass(frozen=True)
class Workflow:
    """A complete workup definition as loaded from a workflow file."""

    id: str
    version: int
    title: LocalizedText
    sections: tuple[Section, ...]
    schema_version: int = SCHEMA_VERSION
    description: LocalizedText | None = None
    page_note: Instructions | None = None
    content_hash: str = ""
    source_text: str = ""
    _index: dict[str, Item] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for section in self.sections:
            for item in section.items:
                self._index.setdefault(item.id, item)

    def items(self) -> Iterator[Item]:
        """Every item, in document order."""
        for section in self.sections:
            yield from section.items

    def item(self, item_id: str) -> Item:
        """The item with `item_id`; KeyError when there is none."""
        return self._index[item_id]

    def has_item(self, item_id: str) -> bool:
        """Whether the workflow has an item `item_id`."""
        return item_id in self._index

    def section(self, section_id: str) -> Section:
        """The section with `section_id`; KeyError when there is none."""
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)

    def section_of(self, item_id: str) -> Section:
        """The section holding item `item_id`."""
        for section in self.sections:
            if any(item.id == item_id for item in section.items):
                return section
        raise KeyError(item_id)

    def order_items(self) -> list[Item]:
        """The order items, in document order."""
        return [item for item in self.items() if item.is_order]

    def details_of(self, order_id: str) -> list[Item]:
        """The order-detail items that belong to order `order_id`."""
        return [item for item in self.items() if item.parent == order_id]
