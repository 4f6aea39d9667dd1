"""Parses a workflow text and checks every rule of docs/workflow-format.md."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from app.catalog.problems import Problem, WorkflowFileError
from app.domain.encounter import OrderStatus
from app.domain.limits import (
    MAX_CONDITION_DEPTH,
    MAX_ID_LENGTH,
    MAX_INTEGER,
    MAX_NESTING,
    MAX_WORKFLOW_FILE_BYTES,
    nesting_depth,
)
from app.domain.workflow import (
    CHOICE_KINDS,
    CONDITION_KINDS,
    LANGUAGES,
    SCHEMA_VERSION,
    YNU_VALUES,
    Code,
    CodeStatus,
    Condition,
    InstructionBlock,
    InstructionChoice,
    Instructions,
    Item,
    ItemKind,
    LocalizedText,
    Option,
    Role,
    Section,
    Workflow,
)

if TYPE_CHECKING:
    import tomllib

    from app.catalog.lines import LineIndex, Path

ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
"""Workflow, section, item and list ids: lower case letters, digits and _ (matched whole)."""
VALUE_PATTERN = re.compile(r"[a-z0-9][a-z0-9_]*")
"""Option values: lower case letters, digits and _ (a digit may come first; matched whole)."""
PLACEHOLDER = re.compile(r"\{item:([^{}]*)\}")
"""`{item:ITEM_ID}` inside an instruction text."""

TOP_KEYS = frozenset(
    {
        "schema_version",
        "id",
        "version",
        "title",
        "description",
        "lists",
        "codes",
        "instructions",
        "page_note",
        "sections",
    }
)
SECTION_KEYS = frozenset({"id", "code", "title", "optional", "note", "items"})
ITEM_KEYS = frozenset(
    {
        "id",
        "kind",
        "role",
        "label",
        "help",
        "required",
        "options",
        "unit",
        "min",
        "max",
        "decimals",
        "partial",
        "allow_future",
        "show_when",
        "parent",
        "codes",
        "code_status",
        "instructions",
        "lines",
    }
)
OPTION_KEYS = frozenset({"value", "en", "ru"})
CODE_KEYS = frozenset({"system", "code", "display", "source"})
CONDITION_KEYS = frozenset({"item", "equals", "any_of", "answered"})
INSTRUCTION_KEYS = frozenset({"en", "ru", "heading", "blocks"})
BLOCK_KEYS = frozenset({"en", "ru", "when", "when_any"})
CHOICE_KEYS = frozenset({"key", "when"})
ORDER_KINDS = frozenset({ItemKind.CHECK, ItemKind.TEXT})
ORDER_STATES: tuple[str, ...] = tuple(status.value for status in OrderStatus)
NUMBER_KEYS = ("unit", "min", "max", "decimals")
DATE_KINDS = frozenset({ItemKind.DATE, ItemKind.DATETIME})
MAX_LINES = 10
"""Most writing lines a text item may ask for on the blank sheet."""

_ID_RULE = "use lower case letters, digits and _, starting with a letter"
_VALUE_RULE = "use lower case letters, digits and _"
_E = TypeVar("_E", ItemKind, Role)
_TEXT_TABLE = 'a table like { en = "...", ru = "..." }'
_CONDITION_TABLE = 'a table like { item = "ID", equals = VALUE }'
_CHOICE_TABLE = '{ key = "KEY", when = CONDITION }'


@dataclass(frozen=True)
class CheckResult:
    """What checking one workflow text found: the workflow (only when there were no
    problems), the problems that stop it loading, and the warnings that do not."""

    workflow: Workflow | None
    problems: list[Problem]
    warnings: list[Problem]


Parser = Callable[[str], dict[str, Any]]
"""Turns a TOML text into its document: `parse_toml`, or a cache in front of it."""


class NestingError(ValueError):
    """A TOML text nests arrays or tables deeper than a workflow ever needs."""


def parse_toml(text: str) -> dict[str, Any]:
    """`tomllib.loads`, with tomllib loaded on first use: a stored snapshot whose parsed
    document is cached (see `ParsedCache`) is read without it. A text nested deeper than
    MAX_NESTING raises NestingError before tomllib (which recurses once per level) sees it;
    the look costs a few milliseconds, so it is made only where a text is really parsed."""
    if nesting_depth(text) > MAX_NESTING:
        raise NestingError(f"arrays or tables nested deeper than {MAX_NESTING} levels")
    import tomllib

    return tomllib.loads(text)


def check_workflow(text: str, path: str, parse: Parser = parse_toml) -> CheckResult:
    """Parse and check a workflow text completely; never raises for a bad file."""
    return _check(text, path, parse, warnings=True)


def _check(text: str, path: str, parse: Parser, *, warnings: bool) -> CheckResult:
    """`check_workflow`, with the warnings left out (as found) unless `warnings`."""
    if len(text) > MAX_WORKFLOW_FILE_BYTES:
        message = f"the file is larger than {MAX_WORKFLOW_FILE_BYTES:,} characters"
        return CheckResult(None, [Problem(path, 1, "workflow", message)], [])
    try:
        data = parse(text)
    except NestingError as error:
        return CheckResult(None, [Problem(path, 1, "workflow", str(error))], [])
    except RecursionError:  # nesting the look missed (brackets inside comments)
        message = "arrays or tables nested too deeply to read"
        return CheckResult(None, [Problem(path, 1, "workflow", message)], [])
    except ValueError as error:  # a TOMLDecodeError, or another error to pass on
        import tomllib

        if not isinstance(error, tomllib.TOMLDecodeError):
            raise
        return CheckResult(None, [_syntax_problem(error, text, path)], [])
    checker = _Checker(text, path, data, warnings=warnings)
    workflow = checker.run()
    return CheckResult(workflow, checker.problems, checker.warnings)


def parse_workflow(text: str, path: str, parse: Parser = parse_toml) -> Workflow:
    """The workflow in `text`; WorkflowFileError listing every problem when it has any.

    `path` is only used to name the file in problems. Warnings are not looked for: placing
    one needs the line numbers of the whole text, which a valid text otherwise never needs.
    """
    result = _check(text, path, parse, warnings=False)
    if result.workflow is None:
        raise WorkflowFileError(result.problems)
    return result.workflow


def lint_workflow(workflow: Workflow, path: str) -> list[Problem]:
    """The warnings (missing Russian texts, unused lists, codes and instructions) of a
    workflow that loaded, with lines taken from its source text."""
    return check_workflow(workflow.source_text, path).warnings


def _syntax_problem(error: tomllib.TOMLDecodeError, text: str, path: str) -> Problem:
    message = str(error)
    line = 1
    found = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if found:
        line = int(found.group(1))
        message = f"{message[: found.start()]} (column {found.group(2)})"
    elif message.endswith("(at end of document)"):
        line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
        message = message.removesuffix(" (at end of document)") + " at the end of the file"
    return Problem(path, line, "workflow", f"TOML syntax error: {message}")


def _show(value: object) -> str:
    """A value as written in a message: text quoted, booleans as in TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _number(value: object) -> Decimal | None:
    """`value` as a Decimal when it is a finite TOML integer or float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return Decimal(str(value))


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


@dataclass(eq=False)
class _ItemDraft:
    """What was read of one item, kept until every item has been read."""

    subject: str
    where: Path
    id: str | None
    kind: ItemKind | None = None
    role: Role | None = None
    label: LocalizedText | None = None
    help: LocalizedText | None = None
    required: bool = False
    option_list: str | None = None
    options: tuple[Option, ...] = ()
    option_values: frozenset[str] | None = None
    unit: str | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    decimals: int | None = None
    partial: bool = False
    allow_future: bool = False
    show_when: object = None
    condition: Condition | None = None
    parent: str | None = None
    codes: tuple[Code, ...] = ()
    code_status: CodeStatus | None = None
    choices: list[_ChoiceDraft] = field(default_factory=list)
    lines: int | None = None


class _ChoiceDraft:
    """One alternative of an order's instructions, as read (a plain class: creating a
    dataclass costs about a millisecond at import)."""

    __slots__ = ("key", "raw_when", "when", "where")

    def __init__(self, key: str, where: Path, raw_when: object = None) -> None:
        self.key = key
        self.where = where
        self.raw_when = raw_when
        self.when: tuple[Condition, ...] = ()


class _BlockDraft:
    """One block of an instruction text, as read."""

    __slots__ = ("raw_when", "raw_when_any", "text", "when", "when_any", "where")

    def __init__(
        self,
        text: LocalizedText,
        where: Path,
        raw_when: object = None,
        raw_when_any: object = None,
    ) -> None:
        self.text = text
        self.where = where
        self.raw_when = raw_when
        self.raw_when_any = raw_when_any
        self.when: tuple[Condition, ...] = ()
        self.when_any: tuple[Condition, ...] = ()


class _InstructionDraft:
    """An instruction text with its blocks, kept until every item has been read."""

    __slots__ = ("blocks", "heading", "key", "where")

    def __init__(
        self,
        key: str,
        where: Path,
        blocks: list[_BlockDraft],
        heading: LocalizedText | None = None,
    ) -> None:
        self.key = key
        self.where = where
        self.blocks = blocks
        self.heading = heading


@dataclass
class _SectionDraft:
    where: Path
    index: int
    id: str = ""
    code: str = ""
    title: LocalizedText | None = None
    optional: bool = False
    note: LocalizedText | None = None
    items: list[_ItemDraft] = field(default_factory=list)


class _Checker:
    """Walks the parsed document once, collecting problems, warnings and drafts."""

    def __init__(self, text: str, path: str, data: dict[str, Any], *, warnings: bool) -> None:
        self.text = text
        self.path = path
        self.data = data
        self.collect_warnings = warnings
        self._lines: LineIndex | None = None
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.lists: dict[str, tuple[Option, ...] | None] = {}
        self.codes: dict[str, Code | None] = {}
        self.instructions: dict[str, _InstructionDraft | None] = {}
        self.built_instructions: dict[str, Instructions] = {}
        self.used_lists: set[str] = set()
        self.used_codes: set[str] = set()
        self.used_instructions: set[str] = set()
        self.sections: list[_SectionDraft] = []
        self.items: dict[str, _ItemDraft] = {}

    @property
    def lines(self) -> LineIndex:
        """Line numbers of the text, found only when a problem or warning needs one."""
        if self._lines is None:
            from app.catalog.lines import LineIndex  # a valid text needs no line numbers

            self._lines = LineIndex(self.text)
        return self._lines

    # -- reporting -----------------------------------------------------------------------

    def error(self, subject: str, where: Path, message: str) -> None:
        self.problems.append(Problem(self.path, self.lines.line(where), subject, message))

    def warn(self, subject: str, where: Path, message: str) -> None:
        if not self.collect_warnings:
            return
        self.warnings.append(Problem(self.path, self.lines.line(where), subject, message))

    def unknown_keys(
        self, raw: dict[str, Any], allowed: frozenset[str], subject: str, where: Path
    ) -> None:
        for key in raw:
            if key not in allowed:
                self.error(subject, (*where, key), f"unknown key {_show(key)}")

    def localized(self, raw: object, subject: str, where: Path, what: str) -> LocalizedText | None:
        """Read `{ en = ..., ru = ... }`; English is required, Russian only warned about."""
        if not isinstance(raw, dict):
            self.error(subject, where, f"{what} must be {_TEXT_TABLE}")
            return None
        before = len(self.problems)
        for key in raw:
            if key not in LANGUAGES:
                self.error(subject, (*where, key), f"unknown language {_show(key)} in {what}")
        english = raw.get("en")
        if not _is_text(english):
            self.error(subject, where, f"missing English {what}")
        russian = raw.get("ru")
        if russian is not None and not isinstance(russian, str):
            self.error(subject, (*where, "ru"), f"Russian {what} must be text")
        elif not _is_text(russian):
            self.warn(subject, where, f"no Russian {what}; English is shown")
        if len(self.problems) > before or not isinstance(english, str):
            return None
        return LocalizedText(english, russian if isinstance(russian, str) and russian else None)

    def flag(self, raw: dict[str, Any], key: str, subject: str, where: Path) -> bool:
        """A true/false key (false when absent)."""
        value = raw.get(key, False)
        if isinstance(value, bool):
            return value
        self.error(subject, (*where, key), f"{key} must be true or false, not {_show(value)}")
        return False

    # -- the whole file --------------------------------------------------------------------

    def run(self) -> Workflow | None:
        data = self.data
        subject = "workflow"
        self.unknown_keys(data, TOP_KEYS, subject, ())
        schema = data.get("schema_version")
        if schema is None:
            self.error(subject, (), "missing schema_version")
        elif isinstance(schema, bool) or schema != SCHEMA_VERSION:
            self.error(
                subject,
                ("schema_version",),
                f"schema_version must be {SCHEMA_VERSION}, not {_show(schema)}",
            )
        workflow_id = self.read_id(data, subject, ())
        version = data.get("version")
        if version is None:
            self.error(subject, (), "missing version")
        elif (
            isinstance(version, bool)
            or not isinstance(version, int)
            or not 1 <= version <= MAX_INTEGER
        ):
            self.error(
                subject,
                ("version",),
                f"version must be a whole number from 1 to {MAX_INTEGER}, not {_show(version)}",
            )
        title = None
        if "title" not in data:
            self.error(subject, (), "missing title")
        else:
            title = self.localized(data["title"], subject, ("title",), "title")
        description = None
        if "description" in data:
            description = self.localized(
                data["description"], subject, ("description",), "description"
            )

        self.read_lists(data.get("lists", {}))
        self.read_codes(data.get("codes", {}))
        self.read_instructions(data.get("instructions", {}))
        page_note = self.read_page_note(data.get("page_note"))
        self.read_sections(data.get("sections"))
        self.check_references()
        self.check_unused()

        self.problems.sort(key=lambda problem: problem.line)
        self.warnings.sort(key=lambda problem: problem.line)
        if self.problems:
            return None
        # no problems means every part below was read successfully
        assert isinstance(workflow_id, str)
        assert isinstance(version, int)
        assert title is not None
        return Workflow(
            id=workflow_id,
            version=version,
            title=title,
            sections=tuple(self.build_section(section) for section in self.sections),
            description=description,
            page_note=self.build_instructions(page_note) if page_note else None,
            content_hash=hashlib.sha256(self.text.encode("utf-8")).hexdigest(),
            source_text=self.text,
        )

    def read_id(self, raw: dict[str, Any], subject: str, where: Path) -> str | None:
        """The `id` in `raw`, reporting it when missing, not text or badly formed."""
        value = raw.get("id")
        if value is None:
            self.error(subject, where, "missing id")
            return None
        if not isinstance(value, str):
            self.error(subject, (*where, "id"), "id must be text")
            return None
        if not ID_PATTERN.fullmatch(value):
            self.error(subject, (*where, "id"), f"bad id {_show(value[:60])}: {_ID_RULE}")
        elif len(value) > MAX_ID_LENGTH:
            self.error(subject, (*where, "id"), f"id longer than {MAX_ID_LENGTH} characters")
        return value

    # -- lists, codes, instructions ---------------------------------------------------

    def read_lists(self, raw: object) -> None:
        if not isinstance(raw, dict):
            self.error("workflow", ("lists",), "lists must be written as [[lists.NAME]] tables")
            return
        for name, entries in raw.items():
            subject = f"list {name}"
            where: Path = ("lists", name)
            before = len(self.problems)
            if not ID_PATTERN.fullmatch(name):
                self.error(subject, where, f"bad list name: {_ID_RULE}")
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                self.error(subject, where, f"list must be written as [[lists.{name}]] tables")
                self.lists[name] = None
                continue
            if not entries:
                self.error(subject, where, "empty list")
            options: list[Option] = []
            first_seen: dict[str, Path] = {}
            for index, entry in enumerate(entries):
                option = self.read_option(entry, subject, (*where, index), index, first_seen)
                if option is not None:
                    options.append(option)
            self.lists[name] = tuple(options) if len(self.problems) == before else None

    def read_option(
        self,
        entry: dict[str, Any],
        subject: str,
        where: Path,
        index: int,
        first_seen: dict[str, Path],
    ) -> Option | None:
        value = entry.get("value")
        if value is None:
            self.error(subject, where, f"option #{index + 1} has no value")
            return None
        if not isinstance(value, str):
            self.error(subject, (*where, "value"), f"option value must be text, not {_show(value)}")
            return None
        before = len(self.problems)
        value_where: Path = (*where, "value")
        for key in entry:
            if key not in OPTION_KEYS:
                self.error(subject, (*where, key), f"unknown key {_show(key)} in option '{value}'")
        if not VALUE_PATTERN.fullmatch(value):
            self.error(subject, value_where, f"bad value {_show(value)}: {_VALUE_RULE}")
        if value in first_seen:
            self.error(
                subject,
                value_where,
                f"duplicate value '{value}'; first defined at line "
                f"{self.lines.line(first_seen[value])}",
            )
        else:
            first_seen[value] = value_where
        english, russian = entry.get("en"), entry.get("ru")
        if not _is_text(english):
            self.error(subject, where, f"option '{value}' has no English label")
        if russian is not None and not isinstance(russian, str):
            self.error(subject, (*where, "ru"), f"Russian label of option '{value}' must be text")
        elif not _is_text(russian):
            self.warn(subject, where, f"no Russian label for option '{value}'; English is shown")
        if len(self.problems) > before or not isinstance(english, str):
            return None
        return Option(value, LocalizedText(english, russian or None))

    def read_codes(self, raw: object) -> None:
        if not isinstance(raw, dict):
            self.error("workflow", ("codes",), "codes must be written as [codes.KEY] tables")
            return
        for key, entry in raw.items():
            subject = f"code {key}"
            where: Path = ("codes", key)
            if not isinstance(entry, dict):
                self.error(subject, where, "code must be a table with system, code and display")
                self.codes[key] = None
                continue
            before = len(self.problems)
            self.unknown_keys(entry, CODE_KEYS, subject, where)
            for name in ("system", "code", "display"):
                if name not in entry:
                    self.error(subject, where, f"missing {name}")
                elif not _is_text(entry[name]):
                    self.error(subject, (*where, name), f"{name} must be text")
            system = entry.get("system")
            if _is_text(system) and ":" not in str(system):
                self.error(
                    subject,
                    (*where, "system"),
                    f"system {_show(system)} is not a URI such as http://loinc.org",
                )
            source = entry.get("source", "")
            if not isinstance(source, str):
                self.error(subject, (*where, "source"), "source must be text")
            if len(self.problems) > before:
                self.codes[key] = None
                continue
            self.codes[key] = Code(
                key, entry["system"], entry["code"], entry["display"], str(source)
            )

    def read_instructions(self, raw: object) -> None:
        if not isinstance(raw, dict):
            self.error(
                "workflow",
                ("instructions",),
                "instructions must be written as [instructions.KEY] tables",
            )
            return
        for key, entry in raw.items():
            self.instructions[key] = self.read_instruction(key, entry)

    def read_page_note(self, raw: object) -> str | None:
        """`page_note`: the key of the instructions printed at the end of every page."""
        if raw is None:
            return None
        if not isinstance(raw, str):
            self.error("workflow", ("page_note",), "page_note must name a key under [instructions]")
            return None
        if raw not in self.instructions:
            self.error(
                "workflow",
                ("page_note",),
                f"page_note '{raw}' is not in the instructions list",
            )
            return None
        self.used_instructions.add(raw)
        return raw if self.instructions[raw] is not None else None

    def read_instruction(self, key: str, entry: object) -> _InstructionDraft | None:
        """One instruction text: `{ en, ru }`, or `heading` and `[[...blocks]]`."""
        subject = f"instructions {key}"
        where: Path = ("instructions", key)
        if not isinstance(entry, dict):
            return self.plain_instruction(key, entry, subject, where)
        before = len(self.problems)
        self.unknown_keys(entry, INSTRUCTION_KEYS, subject, where)
        heading = None
        if "heading" in entry:
            heading = self.localized(entry["heading"], subject, (*where, "heading"), "heading")
        if "blocks" not in entry:
            texts = {name: value for name, value in entry.items() if name in LANGUAGES}
            draft = self.plain_instruction(key, texts, subject, where)
            if draft is not None:
                draft.heading = heading
            return draft if len(self.problems) == before else None
        if "en" in entry or "ru" in entry:
            self.error(subject, where, "give either en and ru or blocks, not both")
        raw_blocks = entry["blocks"]
        blocks_where: Path = (*where, "blocks")
        if not isinstance(raw_blocks, list) or not all(isinstance(b, dict) for b in raw_blocks):
            self.error(
                subject, blocks_where, f"blocks must be written as [[instructions.{key}.blocks]]"
            )
            return None
        if not raw_blocks:
            self.error(subject, blocks_where, "no blocks")
        blocks: list[_BlockDraft] = []
        for index, block in enumerate(raw_blocks):
            block_where: Path = (*blocks_where, index)
            for name in block:
                if name not in BLOCK_KEYS:
                    self.error(
                        subject,
                        (*block_where, name),
                        f"unknown key {_show(name)} in block {index + 1}",
                    )
            text = self.localized(
                {name: value for name, value in block.items() if name in LANGUAGES},
                subject,
                block_where,
                f"text of block {index + 1}",
            )
            if text is not None:
                blocks.append(
                    _BlockDraft(text, block_where, block.get("when"), block.get("when_any"))
                )
        if len(self.problems) > before:
            return None
        return _InstructionDraft(key, where, blocks, heading)

    def plain_instruction(
        self, key: str, entry: object, subject: str, where: Path
    ) -> _InstructionDraft | None:
        text = self.localized(entry, subject, where, "text")
        if text is None:
            return None
        return _InstructionDraft(key, where, [_BlockDraft(text, where)])

    # -- sections and items ------------------------------------------------------------

    def read_sections(self, raw: object) -> None:
        if raw is None or raw == []:
            self.error("workflow", (), "no sections")
            return
        if not isinstance(raw, list) or not all(isinstance(s, dict) for s in raw):
            self.error("workflow", ("sections",), "sections must be written as [[sections]] tables")
            return
        first_seen: dict[str, Path] = {}
        for index, entry in enumerate(raw):
            self.read_section(entry, index, first_seen)

    def read_section(self, raw: dict[str, Any], index: int, first_seen: dict[str, Path]) -> None:
        where: Path = ("sections", index)
        section = _SectionDraft(where, index)
        self.sections.append(section)
        subject = f"section #{index + 1}" if "id" not in raw else f"section {raw['id']}"
        section_id = self.read_id(raw, subject, where)
        if section_id is not None:
            section.id = section_id
            if section_id in first_seen:
                self.error(
                    subject,
                    (*where, "id"),
                    "duplicate id; first defined at line "
                    f"{self.lines.line(first_seen[section_id])}",
                )
            else:
                first_seen[section_id] = (*where, "id")
        self.unknown_keys(raw, SECTION_KEYS, subject, where)
        code = raw.get("code")
        anchor: Path = (*where, "id")
        if code is None:
            self.error(subject, anchor, "missing code")
        elif not _is_text(code):
            self.error(subject, (*where, "code"), "code must be text")
        else:
            section.code = code
        if "title" not in raw:
            self.error(subject, anchor, "missing title")
        else:
            section.title = self.localized(raw["title"], subject, (*where, "title"), "title")
        section.optional = self.flag(raw, "optional", subject, where)
        if "note" in raw:
            section.note = self.localized(raw["note"], subject, (*where, "note"), "note")
        items = raw.get("items")
        if items is None or items == []:
            self.error(subject, anchor, "no items")
            return
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            self.error(
                subject, (*where, "items"), "items must be written as [[sections.items]] tables"
            )
            return
        for item_index, item in enumerate(items):
            self.read_item(item, section, item_index)

    def read_item(self, raw: dict[str, Any], section: _SectionDraft, index: int) -> None:
        where: Path = (*section.where, "items", index)
        if "id" in raw:
            subject = f"item {raw['id']}"
        else:
            subject = f"item #{index + 1} in section {section.id or f'#{section.index + 1}'}"
        item_id = self.read_id(raw, subject, where)
        draft = _ItemDraft(subject, where, item_id)
        section.items.append(draft)
        if item_id is not None:
            first = self.items.get(item_id)
            if first is not None:
                self.error(
                    subject,
                    (*where, "id"),
                    f"duplicate id; first defined at line {self.lines.line((*first.where, 'id'))}",
                )
            else:
                self.items[item_id] = draft
        self.unknown_keys(raw, ITEM_KEYS, subject, where)
        draft.kind = self.read_enum(raw, "kind", ItemKind, subject, where)
        draft.role = self.read_enum(raw, "role", Role, subject, where)
        self.check_role_kind(draft)
        if "label" not in raw:
            self.error(subject, (*where, "id"), "missing label")
        else:
            draft.label = self.localized(raw["label"], subject, (*where, "label"), "label")
        if "help" in raw:
            draft.help = self.localized(raw["help"], subject, (*where, "help"), "help")
        draft.required = self.flag(raw, "required", subject, where)
        self.read_options(raw, draft)
        self.read_number_keys(raw, draft)
        self.read_date_keys(raw, draft)
        self.read_parent(raw, draft)
        self.read_item_codes(raw, draft)
        self.read_item_instructions(raw, draft)
        self.read_lines(raw, draft)
        draft.show_when = raw.get("show_when")

    def read_lines(self, raw: dict[str, Any], draft: _ItemDraft) -> None:
        is_text = draft.kind is None or draft.kind is ItemKind.TEXT
        if not self.only_for(raw, "lines", draft, is_text, "text items"):
            return
        value = raw["lines"]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LINES:
            self.error(
                draft.subject,
                (*draft.where, "lines"),
                f"lines must be a whole number from 1 to {MAX_LINES}, not {_show(value)}",
            )
            return
        draft.lines = value

    def read_enum(
        self, raw: dict[str, Any], key: str, enum: type[_E], subject: str, where: Path
    ) -> _E | None:
        value = raw.get(key)
        if value is None:
            self.error(subject, (*where, "id"), f"missing {key}")
            return None
        try:
            return enum(value)
        except ValueError:
            self.error(subject, (*where, key), f"unknown {key} {_show(value)}")
            return None

    def check_role_kind(self, draft: _ItemDraft) -> None:
        role_where: Path = (*draft.where, "role")
        if draft.role is Role.ORDER and draft.kind is not None and draft.kind not in ORDER_KINDS:
            self.error(
                draft.subject,
                role_where,
                f"an order item must be of kind check or text, not '{draft.kind}'",
            )
        if draft.role is Role.RESULT and draft.kind is ItemKind.CHECK:
            self.error(draft.subject, role_where, "a result item cannot be of kind check")

    def only_for(
        self, raw: dict[str, Any], key: str, draft: _ItemDraft, allowed: bool, who: str
    ) -> bool:
        """Report `key` when the item is not one that may have it; whether to read it."""
        if key not in raw:
            return False
        if not allowed:
            self.error(draft.subject, (*draft.where, key), f"'{key}' is only for {who}")
            return False
        return True

    def read_options(self, raw: dict[str, Any], draft: _ItemDraft) -> None:
        is_choice = draft.kind is None or draft.kind in CHOICE_KINDS
        if not self.only_for(raw, "options", draft, is_choice, "single and multi items"):
            if "options" not in raw and draft.kind in CHOICE_KINDS:
                self.error(draft.subject, (*draft.where, "kind"), "choice without options")
            return
        name = raw["options"]
        where: Path = (*draft.where, "options")
        if not isinstance(name, str):
            self.error(draft.subject, where, "options must name a list under [lists]")
            return
        if name not in self.lists:
            self.error(draft.subject, where, f"unknown option list {_show(name)}")
            return
        self.used_lists.add(name)
        options = self.lists[name]
        draft.option_list = name
        if options is not None:
            draft.options = options
            draft.option_values = frozenset(option.value for option in options)

    def read_number_keys(self, raw: dict[str, Any], draft: _ItemDraft) -> None:
        is_number = draft.kind is None or draft.kind is ItemKind.NUMBER
        subject = draft.subject
        readable = {
            key for key in NUMBER_KEYS if self.only_for(raw, key, draft, is_number, "number items")
        }
        if "unit" in readable:
            if _is_text(raw["unit"]):
                draft.unit = raw["unit"]
            else:
                self.error(subject, (*draft.where, "unit"), "unit must be text")
        for key in ("min", "max"):
            if key not in readable:
                continue
            number = _number(raw[key])
            if number is None:
                self.error(
                    subject, (*draft.where, key), f"{key} must be a number, not {_show(raw[key])}"
                )
            elif key == "min":
                draft.minimum = number
            else:
                draft.maximum = number
        if (
            draft.minimum is not None
            and draft.maximum is not None
            and draft.minimum > draft.maximum
        ):
            self.error(
                subject,
                (*draft.where, "min"),
                f"min {raw['min']} is greater than max {raw['max']}",
            )
        if "decimals" in readable:
            decimals = raw["decimals"]
            if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0:
                self.error(
                    subject,
                    (*draft.where, "decimals"),
                    f"decimals must be a whole number, 0 or more, not {_show(decimals)}",
                )
            else:
                draft.decimals = decimals

    def read_date_keys(self, raw: dict[str, Any], draft: _ItemDraft) -> None:
        is_date = draft.kind is None or draft.kind is ItemKind.DATE
        if self.only_for(raw, "partial", draft, is_date, "date items"):
            draft.partial = self.flag(raw, "partial", draft.subject, draft.where)
        is_dated = draft.kind is None or draft.kind in DATE_KINDS
        if self.only_for(raw, "allow_future", draft, is_dated, "date and datetime items"):
            draft.allow_future = self.flag(raw, "allow_future", draft.subject, draft.where)

    def read_parent(self, raw: dict[str, Any], draft: _ItemDraft) -> None:
        is_detail = draft.role is None or draft.role is Role.ORDER_DETAIL
        if self.only_for(raw, "parent", draft, is_detail, "order_detail items"):
            parent = raw["parent"]
            if isinstance(parent, str):
                draft.parent = parent
            else:
                self.error(draft.subject, (*draft.where, "parent"), "parent must be an item id")
        elif "parent" not in raw and draft.role is Role.ORDER_DETAIL:
            self.error(draft.subject, (*draft.where, "role"), "order_detail without parent")

    def read_item_codes(self, raw: dict[str, Any], draft: _ItemDraft) -> None:
        where: Path = (*draft.where, "codes")
        keys = raw.get("codes", [])
        codes: list[Code] = []
        if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
            self.error(draft.subject, where, "codes must be a list of keys under [codes]")
            keys = []
        seen: set[str] = set()
        for index, key in enumerate(keys):
            if key in seen:
                self.error(draft.subject, (*where, index), f"code '{key}' is listed twice")
                continue
            seen.add(key)
            if key not in self.codes:
                self.error(draft.subject, (*where, index), f"code '{key}' is not in the code list")
                continue
            self.used_codes.add(key)
            code = self.codes[key]
            if code is not None:
                codes.append(code)
        draft.codes = tuple(codes)
        status = raw.get("code_status")
        if status is None:
            return
        try:
            draft.code_status = CodeStatus(status)
        except ValueError:
            self.error(
                draft.subject,
                (*draft.where, "code_status"),
                f"unknown code_status {_show(status)}",
            )
            return
        if draft.code_status is CodeStatus.VERIFIED and not keys:
            self.error(
                draft.subject,
                (*draft.where, "code_status"),
                "code_status 'verified' needs at least one code",
            )

    def read_item_instructions(self, raw: dict[str, Any], draft: _ItemDraft) -> None:
        is_order = draft.role is None or draft.role is Role.ORDER
        if not self.only_for(raw, "instructions", draft, is_order, "order items"):
            return
        value = raw["instructions"]
        where: Path = (*draft.where, "instructions")
        if isinstance(value, str):
            self.read_choice(draft, {"key": value}, where, None)
            return
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            self.error(
                draft.subject,
                where,
                "instructions must name a key under [instructions] or list alternatives "
                f"like {_CHOICE_TABLE}",
            )
            return
        for index, choice in enumerate(value):
            self.read_choice(draft, choice, (*where, index), index)
        for index, choice in enumerate(value[:-1]):
            if "when" not in choice:
                self.error(
                    draft.subject,
                    (*where, index),
                    f"instructions alternative {index + 1} has no when, so the ones after it "
                    "are never used",
                )

    def read_choice(
        self, draft: _ItemDraft, raw: dict[str, Any], where: Path, index: int | None
    ) -> None:
        """One alternative of an order's instructions (`index` None: a plain key)."""
        name = "instructions" if index is None else f"instructions alternative {index + 1}"
        for entry_key in raw:
            if entry_key not in CHOICE_KEYS:
                self.error(
                    draft.subject, (*where, entry_key), f"unknown key {_show(entry_key)} in {name}"
                )
        key = raw.get("key")
        if key is None:
            self.error(draft.subject, where, f"{name} has no key")
        elif not isinstance(key, str):
            self.error(
                draft.subject, (*where, "key"), f"{name} must name a key under [instructions]"
            )
        elif key not in self.instructions:
            self.error(
                draft.subject,
                where if index is None else (*where, "key"),
                f"instructions '{key}' are not in the instructions list",
            )
        else:
            self.used_instructions.add(key)
            draft.choices.append(_ChoiceDraft(key, where, raw.get("when")))

    # -- references between items ----------------------------------------------------

    def check_references(self) -> None:
        drafts = [draft for section in self.sections for draft in section.items]
        for draft in drafts:
            if draft.parent is not None:
                self.check_parent(draft)
            if draft.show_when is not None:
                self.check_condition(draft)
            for choice in draft.choices:
                if choice.raw_when is not None:
                    choice.when = self.read_when(choice.raw_when, draft.subject, choice.where)
        self.check_cycles(drafts)
        for key, instruction in self.instructions.items():
            if instruction is None:
                continue
            subject = f"instructions {key}"
            for block in instruction.blocks:
                if block.raw_when is not None:
                    block.when = self.read_when(block.raw_when, subject, block.where)
                if block.raw_when_any is not None:
                    block.when_any = self.read_when(
                        block.raw_when_any, subject, block.where, "when_any"
                    )
                text = block.text
                for language in LANGUAGES:
                    for target in PLACEHOLDER.findall(
                        text.get(language) if text.has(language) else ""
                    ):
                        if target not in self.items:
                            self.error(
                                subject,
                                (*block.where, language),
                                f"placeholder {{item:{target}}} names no item",
                            )

    def read_when(
        self, raw: object, subject: str, where: Path, name: str = "when"
    ) -> tuple[Condition, ...]:
        """`when` (or `when_any`): one condition table or a list of them."""
        when_where: Path = (*where, name)
        if isinstance(raw, dict):
            found = self.read_condition(raw, subject, when_where, name, None)
            return (found,) if found is not None else ()
        if not isinstance(raw, list) or not raw or not all(isinstance(c, dict) for c in raw):
            self.error(
                subject, when_where, f"{name} must be {_CONDITION_TABLE}, or a list of such tables"
            )
            return ()
        conditions: list[Condition] = []
        for index, entry in enumerate(raw):
            found = self.read_condition(entry, subject, (*when_where, index), name, None)
            if found is not None:
                conditions.append(found)
        return tuple(conditions)

    def check_parent(self, draft: _ItemDraft) -> None:
        assert draft.parent is not None
        where: Path = (*draft.where, "parent")
        parent = self.items.get(draft.parent)
        if parent is None:
            self.error(draft.subject, where, f"parent '{draft.parent}' is not an item")
        elif parent.role is not None and parent.role is not Role.ORDER:
            self.error(draft.subject, where, f"parent '{draft.parent}' is not an order item")

    def check_condition(self, draft: _ItemDraft) -> None:
        raw = draft.show_when
        where: Path = (*draft.where, "show_when")
        if not isinstance(raw, dict):
            self.error(draft.subject, where, f"show_when must be {_CONDITION_TABLE}")
            return
        draft.condition = self.read_condition(raw, draft.subject, where, "show_when", draft)

    def read_condition(
        self,
        raw: dict[str, Any],
        subject: str,
        where: Path,
        name: str,
        own: _ItemDraft | None,
    ) -> Condition | None:
        """A condition table under key `name`; `own` is the item it shows, if any."""
        before = len(self.problems)
        for key in raw:
            if key not in CONDITION_KEYS:
                self.error(subject, (*where, key), f"unknown key {_show(key)} in {name}")
        target_id = raw.get("item")
        if target_id is None:
            self.error(subject, where, f"{name} without item")
        elif not isinstance(target_id, str):
            self.error(subject, (*where, "item"), f"{name} item must be an item id")
            target_id = None
        values: list[object] = []
        value_where: list[Path] = []
        answered = "answered" in raw
        if answered:
            if own is not None:
                self.error(
                    subject,
                    (*where, "answered"),
                    f"answered is for instruction conditions; {name} takes equals or any_of",
                )
            elif raw["answered"] is not True:
                self.error(subject, (*where, "answered"), "answered must be true")
            if "equals" in raw or "any_of" in raw:
                self.error(subject, where, f"{name} needs one of equals, any_of and answered")
        elif ("equals" in raw) == ("any_of" in raw):
            self.error(subject, where, f"{name} needs exactly one of equals and any_of")
        elif isinstance(raw.get("equals"), list):
            self.error(
                subject, (*where, "equals"), "equals takes one value; use any_of for several"
            )
        elif "equals" in raw:
            values, value_where = [raw["equals"]], [(*where, "equals")]
        elif isinstance(raw["any_of"], list) and raw["any_of"]:
            values = list(raw["any_of"])
            value_where = [(*where, "any_of", index) for index in range(len(values))]
        else:
            self.error(subject, (*where, "any_of"), "any_of must be a non-empty list")
        if target_id is None:
            return None
        target = self.items.get(target_id)
        item_where: Path = (*where, "item")
        if target is None:
            self.error(subject, item_where, f"condition on missing item '{target_id}'")
            return None
        if own is not None and (target is own or target_id == own.id):
            self.error(subject, item_where, "condition on itself")
            return None
        if answered:
            # Any item can be answered or not, a free-text item included.
            return Condition(target_id, (), answered=True) if len(self.problems) == before else None
        allowed = self.condition_values(target, subject, item_where)
        if allowed is not None:
            for value, place in zip(values, value_where, strict=True):
                if not self.value_fits(value, allowed):
                    self.error(
                        subject,
                        place,
                        f"condition value {_show(value)} is impossible for item {target_id}",
                    )
        if len(self.problems) > before:
            return None
        fitting = tuple(value for value in values if isinstance(value, (str, bool)))
        return Condition(target_id, fitting)

    def condition_values(
        self, target: _ItemDraft, subject: str, where: Path
    ) -> tuple[str | bool, ...] | None:
        """The values a condition on `target` may name (None when they cannot be known)."""
        if target.role is Role.ORDER:
            return ORDER_STATES
        if target.kind is None:
            return None  # its unknown kind is reported at the item itself
        if target.kind not in CONDITION_KINDS:
            self.error(
                subject,
                where,
                f"item '{target.id}' of kind {target.kind} cannot be a condition",
            )
            return None
        if target.kind is ItemKind.CHECK:
            return (True, False)
        if target.kind in CHOICE_KINDS:
            if target.option_values is None:
                return None  # its missing or broken list is reported elsewhere
            return tuple(sorted(target.option_values))
        return YNU_VALUES

    @staticmethod
    def value_fits(value: object, allowed: tuple[str | bool, ...]) -> bool:
        """Whether `value` is one of `allowed`, with booleans and text never mixed up."""
        if not isinstance(value, (str, bool)):
            return False  # also keeps 1 and 0 from passing for true and false
        return any(type(value) is type(choice) and value == choice for choice in allowed)

    def check_cycles(self, drafts: list[_ItemDraft]) -> None:
        """Report each cycle of show_when conditions once, and chains deeper than the limit.

        Each item names at most one other, so one walk from every item that stops at an
        item already walked sees every item once: linear in the number of items.
        """
        position = {id(draft): index for index, draft in enumerate(drafts)}
        depth: dict[int, int] = {}  # items walked: how many conditions lie beyond them
        for start in drafts:
            chain: list[_ItemDraft] = []
            on_chain: dict[int, int] = {}
            current: _ItemDraft | None = start
            while current is not None and id(current) not in depth:
                if id(current) in on_chain:
                    self.report_cycle(chain[on_chain[id(current)] :], position)
                    for member in chain[on_chain[id(current)] :]:
                        depth[id(member)] = 0
                    chain = chain[: on_chain[id(current)]]
                    current = None
                    break
                on_chain[id(current)] = len(chain)
                chain.append(current)
                current = self.condition_target(current)
            beyond = depth[id(current)] + 1 if current is not None else 0
            for draft in reversed(chain):
                depth[id(draft)] = beyond
                if beyond == MAX_CONDITION_DEPTH + 1:
                    self.error(
                        draft.subject,
                        (*draft.where, "show_when"),
                        f"show_when conditions chained more than {MAX_CONDITION_DEPTH} deep",
                    )
                beyond += 1

    def report_cycle(self, cycle: list[_ItemDraft], position: dict[int, int]) -> None:
        first = min(range(len(cycle)), key=lambda index: position[id(cycle[index])])
        ordered = cycle[first:] + cycle[:first]
        names = " -> ".join(str(draft.id) for draft in [*ordered, ordered[0]])
        self.error(
            ordered[0].subject, (*ordered[0].where, "show_when"), f"condition cycle: {names}"
        )

    def condition_target(self, draft: _ItemDraft) -> _ItemDraft | None:
        """The item `draft`'s condition names, when it is another existing item."""
        raw = draft.show_when
        if not isinstance(raw, dict):
            return None
        target_id = raw.get("item")
        if not isinstance(target_id, str) or target_id == draft.id:
            return None
        return self.items.get(target_id)

    def check_unused(self) -> None:
        for name in self.lists:
            if name not in self.used_lists:
                self.warn(f"list {name}", ("lists", name), "list is not used by any item")
        for key in self.codes:
            if key not in self.used_codes:
                self.warn(f"code {key}", ("codes", key), "code is not used by any item")
        for key in self.instructions:
            if key not in self.used_instructions:
                self.warn(
                    f"instructions {key}",
                    ("instructions", key),
                    "instructions are not used by any item",
                )

    # -- building ----------------------------------------------------------------------

    def build_section(self, section: _SectionDraft) -> Section:
        assert section.title is not None
        return Section(
            id=section.id,
            code=section.code,
            title=section.title,
            items=tuple(self.build_item(draft) for draft in section.items),
            optional=section.optional,
            note=section.note,
        )

    def build_instructions(self, key: str) -> Instructions:
        built = self.built_instructions.get(key)
        if built is None:
            draft = self.instructions[key]
            assert draft is not None
            built = Instructions(
                key,
                tuple(
                    InstructionBlock(block.text, block.when, block.when_any)
                    for block in draft.blocks
                ),
                draft.heading,
            )
            self.built_instructions[key] = built
        return built

    def build_item(self, draft: _ItemDraft) -> Item:
        assert draft.id is not None
        assert draft.kind is not None
        assert draft.role is not None
        assert draft.label is not None
        status = draft.code_status
        if status is None:
            status = CodeStatus.VERIFIED if draft.codes else CodeStatus.NONE
        return Item(
            id=draft.id,
            kind=draft.kind,
            role=draft.role,
            label=draft.label,
            help=draft.help,
            required=draft.required,
            options=draft.options,
            option_list=draft.option_list,
            unit=draft.unit,
            minimum=draft.minimum,
            maximum=draft.maximum,
            decimals=draft.decimals,
            allow_partial_date=draft.partial,
            allow_future=draft.allow_future,
            show_when=draft.condition,
            parent=draft.parent,
            codes=draft.codes,
            code_status=status,
            instructions=tuple(
                InstructionChoice(self.build_instructions(choice.key), choice.when)
                for choice in draft.choices
            ),
            lines=draft.lines,
        )
