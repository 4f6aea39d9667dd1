"""Loading workflow files: the built objects, lines, warnings and the catalog of folders."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from app.catalog.lines import LineIndex
from app.catalog.loader import Catalog, check_workflow_file, load_workflow_file
from app.catalog.problems import Problem, WorkflowFileError
from app.catalog.rules import check_workflow, lint_workflow, parse_workflow
from app.domain.workflow import (
    Code,
    CodeStatus,
    Condition,
    InstructionBlock,
    InstructionChoice,
    Instructions,
    ItemKind,
    LocalizedText,
    Option,
    Role,
    Workflow,
)

FIXTURES = Path(__file__).parent / "fixtures"
VALID = FIXTURES / "valid_minimal.toml"


@pytest.fixture(scope="module")
def workflow() -> Workflow:
    return load_workflow_file(VALID)


def _with_id_and_version(text: str, workflow_id: str, version: int) -> str:
    return text.replace('id = "fixture_minimal"', f'id = "{workflow_id}"', 1).replace(
        "version = 2", f"version = {version}", 1
    )


# -- the valid fixture ------------------------------------------------------------------


def test_valid_fixture_has_no_problems_and_no_warnings() -> None:
    result = check_workflow_file(VALID)
    assert result.problems == []
    assert result.warnings == []
    assert result.workflow is not None


def test_workflow_fields(workflow: Workflow) -> None:
    text = VALID.read_text(encoding="utf-8")
    assert workflow.id == "fixture_minimal"
    assert workflow.version == 2
    assert workflow.schema_version == 1
    assert workflow.title == LocalizedText("Fixture workup", "Тестовое обследование")
    assert workflow.description == LocalizedText(
        "Used by the catalog tests.", "Для тестов каталога."
    )
    assert workflow.source_text == text
    assert workflow.content_hash == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_sections(workflow: Workflow) -> None:
    history, orders = workflow.sections
    assert (history.id, history.code, history.optional) == ("history", "A1", False)
    assert history.title == LocalizedText("History", "Анамнез")
    assert history.note == LocalizedText("Ask about onset.", "Спросите о начале.")
    assert (orders.id, orders.code, orders.optional, orders.note) == ("orders", "B", True, None)
    assert [item.id for item in history.items] == [
        "hx_dry",
        "hx_diabetes",
        "hx_alpha",
        "hx_onset",
        "hx_symptoms",
        "hx_notes",
        "hx_age",
        "hx_since",
    ]
    assert [item.id for item in orders.items] == [
        "or_semen",
        "or_semen_bladder",
        "or_collected",
        "res_volume",
    ]


def test_every_kind_and_role_is_read(workflow: Workflow) -> None:
    assert {item.kind for item in workflow.items()} == set(ItemKind)
    assert {item.role for item in workflow.items()} == set(Role)


def test_check_item(workflow: Workflow) -> None:
    item = workflow.item("hx_dry")
    assert item.kind is ItemKind.CHECK
    assert item.role is Role.OBSERVATION
    assert item.label == LocalizedText("Dry orgasm", "Сухой оргазм")
    assert item.required is True
    assert item.help is None
    assert item.show_when is None
    assert item.code_status is CodeStatus.NONE


def test_ynu_items(workflow: Workflow) -> None:
    diabetes = workflow.item("hx_diabetes")
    assert diabetes.kind is ItemKind.YNU
    assert diabetes.required is False
    assert diabetes.help == LocalizedText("Type 1 or 2", "Тип 1 или 2")
    assert workflow.item("hx_alpha").kind is ItemKind.YNU_DETAILS


def test_single_choice_resolves_its_list(workflow: Workflow) -> None:
    item = workflow.item("hx_onset")
    assert item.kind is ItemKind.SINGLE
    assert item.option_list == "onset"
    assert item.options == (
        Option("lifelong", LocalizedText("Lifelong", "Первичное")),
        Option("acquired", LocalizedText("Acquired", "Вторичное")),
    )
    assert item.show_when == Condition("hx_dry", (True,))


def test_multi_choice_with_any_of(workflow: Workflow) -> None:
    item = workflow.item("hx_symptoms")
    assert item.kind is ItemKind.MULTI
    assert item.option_list == "symptoms"
    assert [option.value for option in item.options] == ["dry_orgasm", "cloudy_urine"]
    assert item.show_when == Condition("hx_diabetes", ("yes", "unknown"))


def test_text_item(workflow: Workflow) -> None:
    item = workflow.item("hx_notes")
    assert (item.kind, item.role) == (ItemKind.TEXT, Role.ADMIN)
    assert item.options == ()
    assert item.option_list is None


def test_number_item(workflow: Workflow) -> None:
    item = workflow.item("hx_age")
    assert item.kind is ItemKind.NUMBER
    assert item.unit == "years"
    assert item.minimum == Decimal("0")
    assert item.maximum == Decimal("120.5")
    assert isinstance(item.maximum, Decimal)
    assert item.decimals == 1


def test_date_items(workflow: Workflow) -> None:
    since = workflow.item("hx_since")
    assert since.kind is ItemKind.DATE
    assert since.allow_partial_date is True
    assert since.allow_future is False
    collected = workflow.item("or_collected")
    assert collected.kind is ItemKind.DATETIME
    assert collected.allow_future is True
    assert collected.allow_partial_date is False


def test_order_item(workflow: Workflow) -> None:
    item = workflow.item("or_semen")
    assert item.is_order
    assert item.codes == (
        Code("loinc_semen", "http://loinc.org", "10335-2", "Volume of Semen", "LOINC 2.77"),
        Code("sct_semen", "http://snomed.info/sct", "104427004", "Semen analysis", ""),
    )
    assert item.code_status is CodeStatus.VERIFIED
    assert item.instructions == (
        InstructionChoice(
            Instructions(
                "semen",
                (
                    InstructionBlock(
                        LocalizedText(
                            "Abstain for 2 to 7 days.\nBladder: {item:or_semen_bladder}.",
                            "Воздержание от 2 до 7 дней.\nМочевой пузырь: {item:or_semen_bladder}.",
                        )
                    ),
                ),
            )
        ),
    )
    assert [detail.id for detail in workflow.details_of("or_semen")] == ["or_semen_bladder"]


def test_order_detail_item(workflow: Workflow) -> None:
    item = workflow.item("or_semen_bladder")
    assert item.role is Role.ORDER_DETAIL
    assert item.parent == "or_semen"
    assert item.show_when == Condition("or_semen", ("ordered",))


def test_explicit_code_status(workflow: Workflow) -> None:
    item = workflow.item("or_collected")
    assert [code.key for code in item.codes] == ["loinc_semen"]
    assert item.code_status is CodeStatus.NOT_VERIFIED


def test_result_item(workflow: Workflow) -> None:
    item = workflow.item("res_volume")
    assert (item.kind, item.role, item.unit) == (ItemKind.NUMBER, Role.RESULT, "mL")
    assert item.minimum is None
    assert item.decimals is None


def test_parse_workflow_matches_loading_the_file(workflow: Workflow) -> None:
    parsed = parse_workflow(VALID.read_text(encoding="utf-8"), "somewhere.toml")
    assert parsed == workflow
    assert list(parsed.items()) == list(workflow.items())


def test_lint_of_a_clean_workflow_is_empty(workflow: Workflow) -> None:
    assert lint_workflow(workflow, str(VALID)) == []


# -- problems --------------------------------------------------------------------------


def test_problem_prints_path_line_subject_message() -> None:
    problem = Problem("workflows/x.toml", 57, "item hx_foo", "unknown kind 'chek'")
    assert str(problem) == "workflows/x.toml:57: item hx_foo: unknown kind 'chek'"


def test_file_error_lists_every_problem_on_its_own_line() -> None:
    first = Problem("a.toml", 1, "workflow", "missing id")
    second = Problem("a.toml", 9, "item b", "missing label")
    error = WorkflowFileError([first, second])
    assert error.problems == [first, second]
    assert str(error) == "a.toml:1: workflow: missing id\na.toml:9: item b: missing label"


def test_several_mistakes_are_all_reported_in_line_order() -> None:
    path = FIXTURES / "several_mistakes.toml"
    with pytest.raises(WorkflowFileError) as caught:
        load_workflow_file(path)
    assert [str(problem) for problem in caught.value.problems] == [
        f"{path}:13: item a: unknown kind 'chek'",
        f"{path}:19: item b: choice without options",
        f"{path}:21: item b: missing English label",
        f"{path}:22: item b: unknown key 'requird'",
        f"{path}:25: item a: duplicate id; first defined at line 12",
        f"{path}:29: item a: min 5 is greater than max 1",
        f"{path}:31: item a: condition on missing item 'nowhere'",
    ]


def test_inline_layout_gets_lines_of_the_inline_keys() -> None:
    path = FIXTURES / "inline_layout.toml"
    result = check_workflow_file(path)
    assert [str(problem) for problem in result.problems] == [
        f"{path}:12: item y: unknown kind 'chek'"
    ]


def test_inline_layout_loads_once_fixed() -> None:
    text = (FIXTURES / "inline_layout.toml").read_text(encoding="utf-8")
    workflow = parse_workflow(text.replace('"chek"', '"check"'), "inline.toml")
    assert [item.id for item in workflow.items()] == ["x", "y"]
    assert [option.value for option in workflow.item("x").options] == ["one", "two"]


def test_syntax_error_at_the_end_of_the_file() -> None:
    result = check_workflow('id = "a"\nversion = 1\ntitle =', "w.toml")
    assert [str(problem) for problem in result.problems] == [
        "w.toml:3: workflow: TOML syntax error: Invalid value at the end of the file"
    ]


def test_syntax_error_reports_the_line_tomllib_names() -> None:
    text = "schema_version = 1\n[a]\nx = 1\n[a]\ny = 2\n"
    problems = check_workflow(text, "w.toml").problems
    assert [problem.line for problem in problems] == [4]
    assert problems[0].message.startswith("TOML syntax error: Cannot declare")


def test_unreadable_file_is_one_problem_at_line_1(tmp_path: Path) -> None:
    path = tmp_path / "gone.toml"
    with pytest.raises(WorkflowFileError) as caught:
        load_workflow_file(path)
    (problem,) = caught.value.problems
    assert (problem.path, problem.line, problem.subject) == (str(path), 1, "workflow")
    assert problem.message.startswith("cannot read: ")


def test_file_that_is_not_utf8_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('title = { en = "café" }\n'.encode("latin-1"))
    with pytest.raises(WorkflowFileError) as caught:
        load_workflow_file(path)
    assert str(caught.value) == f"{path}:1: workflow: not UTF-8 text (byte 20 cannot be decoded)"


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.read_bytes())
    assert load_workflow_file(path).source_text == VALID.read_text(encoding="utf-8")


def test_numbers_are_not_booleans_in_conditions() -> None:
    text = VALID.read_text(encoding="utf-8").replace(
        'item = "hx_dry", equals = true', 'item = "hx_dry", equals = 1'
    )
    problems = check_workflow(text, "w.toml").problems
    assert [str(problem) for problem in problems] == [
        "w.toml:83: item hx_onset: condition value 1 is impossible for item hx_dry"
    ]


def test_equals_with_a_list_points_to_any_of() -> None:
    text = VALID.read_text(encoding="utf-8").replace(
        'item = "hx_dry", equals = true', 'item = "hx_dry", equals = [true]'
    )
    problems = check_workflow(text, "w.toml").problems
    assert [str(problem) for problem in problems] == [
        "w.toml:83: item hx_onset: equals takes one value; use any_of for several"
    ]


def test_a_long_cycle_is_reported_once_at_its_first_item() -> None:
    text = VALID.read_text(encoding="utf-8")
    text = text.replace(
        'role = "observation"\nlabel = { en = "Dry orgasm", ru = "Сухой оргазм" }',
        'role = "observation"\nlabel = { en = "Dry orgasm", ru = "Сухой оргазм" }\n'
        'show_when = { item = "hx_symptoms", equals = "dry_orgasm" }',
    )
    text = text.replace(
        'role = "observation"\nlabel = { en = "Diabetes", ru = "Диабет" }',
        'role = "observation"\nlabel = { en = "Diabetes", ru = "Диабет" }\n'
        'show_when = { item = "hx_onset", equals = "lifelong" }',
    )
    problems = check_workflow(text, "w.toml").problems
    assert [str(problem) for problem in problems] == [
        "w.toml:62: item hx_dry: condition cycle: "
        "hx_dry -> hx_symptoms -> hx_diabetes -> hx_onset -> hx_dry"
    ]


def test_nothing_is_built_when_a_file_has_problems() -> None:
    text = VALID.read_text(encoding="utf-8").replace('unit = "mL"', 'unit = ""')
    result = check_workflow(text, "w.toml")
    assert result.workflow is None
    assert [str(problem) for problem in result.problems] == [
        "w.toml:152: item res_volume: unit must be text"
    ]


# -- warnings --------------------------------------------------------------------------


def test_missing_russian_and_unused_list_are_warnings() -> None:
    path = FIXTURES / "missing_russian.toml"
    result = check_workflow_file(path)
    assert result.problems == []
    assert result.workflow is not None
    assert [str(warning) for warning in result.warnings] == [
        f"{path}:4: workflow: no Russian title; English is shown",
        f"{path}:6: list unused: list is not used by any item",
        f"{path}:11: list pick: no Russian label for option 'one'; English is shown",
        f"{path}:24: item a: no Russian label; English is shown",
    ]
    assert result.workflow.item("a").label == LocalizedText("A", None)
    assert lint_workflow(result.workflow, str(path)) == result.warnings


def test_unused_code_and_instructions_are_warnings() -> None:
    text = VALID.read_text(encoding="utf-8").replace('instructions = "semen"\n', "")
    text = text.replace('codes = ["loinc_semen", "sct_semen"]', 'codes = ["loinc_semen"]')
    result = check_workflow(text, "w.toml")
    assert result.problems == []
    assert [str(warning) for warning in result.warnings] == [
        "w.toml:40: code sct_semen: code is not used by any item",
        "w.toml:45: instructions semen: instructions are not used by any item",
    ]


# -- line numbers ----------------------------------------------------------------------


def test_line_index_ignores_look_alikes_inside_strings_and_comments() -> None:
    text = (
        'a = """\n'
        "[[sections]]\n"
        'id = "not a key"\n'
        '"""\n'
        "# [[sections]] in a comment\n"
        "b = 'x # y' # comment\n"
        "[[sections]]\n"
        'id = "s" # the id\n'
        '"quoted key" = [\n'
        "  1,\n"
        "  2, # two\n"
        "]\n"
    )
    lines = LineIndex(text)
    assert lines.exact(("a",)) == 1
    assert lines.exact(("b",)) == 6
    assert lines.exact(("sections", 0)) == 7
    assert lines.exact(("sections", 0, "id")) == 8
    assert lines.exact(("sections", 1)) is None
    assert lines.exact(("sections", 0, "quoted key", 1)) == 11


def test_line_index_nested_arrays_of_tables() -> None:
    text = (
        "[[sections]]\n"
        "[[sections.items]]\n"
        "[[sections.items]]\n"
        "[[sections]]\n"
        "[[sections.items]]\n"
        "kind = 'x'\n"
        "label.en = 'dotted'\n"
    )
    lines = LineIndex(text)
    assert lines.exact(("sections", 0, "items", 1)) == 3
    assert lines.exact(("sections", 1, "items", 0)) == 5
    assert lines.exact(("sections", 1, "items", 0, "kind")) == 6
    assert lines.exact(("sections", 1, "items", 0, "label", "en")) == 7
    assert lines.line(("sections", 1, "items", 0, "help", "ru")) == 5
    assert lines.line(("nowhere", 3)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[",
        'a = "unterminated',
        "a = [1, 2",
        "x = 1979-05-27 07:32:00Z\n[t]\ny = inf\n",
        "= 1",
    ],
)
def test_line_index_never_fails(text: str) -> None:
    assert LineIndex(text).line(("a", "b", 0)) >= 1


# -- the catalog -----------------------------------------------------------------------


def test_broken_file_does_not_stop_a_valid_one(tmp_path: Path) -> None:
    broken = (FIXTURES / "missing_russian.toml").read_text(encoding="utf-8")
    broken = broken.replace('kind = "single"', 'kind = "singel"')
    (tmp_path / "a_broken.toml").write_text(broken, encoding="utf-8")
    (tmp_path / "b_valid.toml").write_text(VALID.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a workflow", encoding="utf-8")
    catalog = Catalog.load([tmp_path])
    assert list(catalog.workflows) == ["fixture_minimal"]
    assert catalog.get("fixture_minimal").version == 2
    assert catalog.sources == {"fixture_minimal": tmp_path / "b_valid.toml"}
    assert catalog.broken_files == [tmp_path / "a_broken.toml"]
    assert [str(problem) for problem in catalog.problems] == [
        f"{tmp_path / 'a_broken.toml'}:22: item a: unknown kind 'singel'"
    ]
    assert catalog.warnings == []  # those of the broken file wait until it loads


def test_missing_folder_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "w.toml").write_text(VALID.read_text(encoding="utf-8"), encoding="utf-8")
    missing = tmp_path / "clinic"
    catalog = Catalog.load([tmp_path, missing])
    assert list(catalog.workflows) == ["fixture_minimal"]
    assert [str(problem) for problem in catalog.problems] == [
        f"{missing}:1: workflow: workflow folder not found"
    ]
    assert catalog.broken_files == []


def test_get_unknown_workflow_raises_key_error() -> None:
    with pytest.raises(KeyError):
        Catalog.load([]).get("nothing")


def test_warnings_of_loaded_files_are_collected(tmp_path: Path) -> None:
    source = FIXTURES / "missing_russian.toml"
    (tmp_path / "w.toml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    catalog = Catalog.load([tmp_path])
    assert list(catalog.workflows) == ["missing_russian"]
    assert len(catalog.warnings) == 4
    assert catalog.problems == []


def test_higher_version_in_a_later_folder_wins(tmp_path: Path) -> None:
    text = VALID.read_text(encoding="utf-8")
    shipped, clinic = tmp_path / "shipped", tmp_path / "clinic"
    shipped.mkdir()
    clinic.mkdir()
    (shipped / "w.toml").write_text(text, encoding="utf-8")
    (clinic / "w.toml").write_text(_with_id_and_version(text, "fixture_minimal", 5), "utf-8")
    catalog = Catalog.load([shipped, clinic])
    assert catalog.get("fixture_minimal").version == 5
    assert catalog.sources["fixture_minimal"] == clinic / "w.toml"
    assert catalog.problems == []
    assert catalog.warnings == []


def test_lower_version_in_a_later_folder_is_not_used(tmp_path: Path) -> None:
    text = VALID.read_text(encoding="utf-8")
    shipped, clinic = tmp_path / "shipped", tmp_path / "clinic"
    shipped.mkdir()
    clinic.mkdir()
    (shipped / "w.toml").write_text(text, encoding="utf-8")
    (clinic / "old.toml").write_text(_with_id_and_version(text, "fixture_minimal", 1), "utf-8")
    catalog = Catalog.load([shipped, clinic])
    assert catalog.get("fixture_minimal").version == 2
    assert catalog.sources["fixture_minimal"] == shipped / "w.toml"
    assert [str(warning) for warning in catalog.warnings] == [
        f"{clinic / 'old.toml'}:1: workflow: not used: {shipped / 'w.toml'} has the newer "
        "version 2 of 'fixture_minimal'"
    ]


def test_same_version_with_different_content_is_a_problem(tmp_path: Path) -> None:
    text = VALID.read_text(encoding="utf-8")
    (tmp_path / "a.toml").write_text(text, encoding="utf-8")
    (tmp_path / "b.toml").write_text(text.replace("Fixture workup", "Changed"), "utf-8")
    (tmp_path / "c.toml").write_text(text, encoding="utf-8")
    catalog = Catalog.load([tmp_path])
    assert catalog.get("fixture_minimal").title.en == "Fixture workup"
    assert [str(problem) for problem in catalog.problems] == [
        f"{tmp_path / 'b.toml'}:1: workflow: 'fixture_minimal' version 2 is also in "
        f"{tmp_path / 'a.toml'} with different content; raise the version of the changed file"
    ]
    assert catalog.broken_files == [tmp_path / "b.toml"]


def test_several_workflows_load_side_by_side(tmp_path: Path) -> None:
    text = VALID.read_text(encoding="utf-8")
    (tmp_path / "one.toml").write_text(_with_id_and_version(text, "one", 1), "utf-8")
    (tmp_path / "two.toml").write_text(_with_id_and_version(text, "two", 3), "utf-8")
    catalog = Catalog.load([tmp_path])
    assert sorted(catalog.workflows) == ["one", "two"]
    assert catalog.get("two").version == 3
    assert catalog.sources["one"] == tmp_path / "one.toml"
