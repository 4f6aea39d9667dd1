"""One small invalid workflow file per rule, each with its exact message and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.catalog.loader import check_workflow_file, load_workflow_file
from app.catalog.problems import WorkflowFileError

INVALID = Path(__file__).parent / "fixtures" / "invalid"

ID_RULE = "use lower case letters, digits and _, starting with a letter"

# fixture name -> "LINE: SUBJECT: MESSAGE" (the path in front is added by the test)
RULES: dict[str, str] = {
    # the file as a whole
    "toml_syntax": "3: workflow: TOML syntax error: Invalid value (column 11)",
    "schema_missing": "1: workflow: missing schema_version",
    "schema_wrong": "1: workflow: schema_version must be 1, not 2",
    "id_missing": "1: workflow: missing id",
    "id_bad": f"2: workflow: bad id 'Retro-Ejac': {ID_RULE}",
    "version_bool": "3: workflow: version must be a whole number from 1 to 2147483647, not true",
    "version_zero": "3: workflow: version must be a whole number from 1 to 2147483647, not 0",
    "title_missing": "1: workflow: missing title",
    "title_no_english": "4: workflow: missing English title",
    "no_sections": "1: workflow: no sections",
    "unknown_top_key": "5: workflow: unknown key 'auther'",
    # sections
    "section_unknown_key": "10: section main: unknown key 'colapsed'",
    "section_missing_id": "6: section #1: missing id",
    "section_duplicate_id": "18: section main: duplicate id; first defined at line 7",
    "section_missing_code": "7: section main: missing code",
    "section_missing_title": "7: section main: missing title",
    "section_title_no_english": "9: section main: missing English title",
    "section_no_items": "7: section main: no items",
    "section_optional_not_bool": "10: section main: optional must be true or false, not 'yes'",
    # items
    "item_missing_id": "17: item #2 in section main: missing id",
    "item_bad_id": f"18: item Hx-1: bad id 'Hx-1': {ID_RULE}",
    "item_duplicate_id": "23: item a: duplicate id; first defined at line 12",
    "item_unknown_kind": "19: item b: unknown kind 'chek'",
    "item_missing_kind": "18: item b: missing kind",
    "item_unknown_role": "20: item b: unknown role 'observaton'",
    "item_missing_role": "18: item b: missing role",
    "item_unknown_key": "22: item b: unknown key 'requird'",
    "item_missing_label": "18: item b: missing label",
    "item_label_no_english": "21: item b: missing English label",
    "item_required_not_bool": "22: item b: required must be true or false, not 'yes'",
    "order_wrong_kind": "20: item b: an order item must be of kind check or text, not 'number'",
    "result_check": "20: item b: a result item cannot be of kind check",
    # choices
    "choice_without_options": "19: item b: choice without options",
    "unknown_option_list": "22: item b: unknown option list 'foo'",
    "options_on_non_choice": "22: item b: 'options' is only for single and multi items",
    # numbers and dates
    "unit_on_non_number": "22: item b: 'unit' is only for number items",
    "min_greater_than_max": "22: item b: min 10 is greater than max 5",
    "min_not_number": "22: item b: min must be a number, not 'ten'",
    "max_bool": "22: item b: max must be a number, not true",
    "decimals_negative": "22: item b: decimals must be a whole number, 0 or more, not -1",
    "partial_wrong_kind": "22: item b: 'partial' is only for date items",
    "allow_future_wrong_kind": "22: item b: 'allow_future' is only for date and datetime items",
    "lines_on_non_text": "22: item b: 'lines' is only for text items",
    "lines_out_of_range": "22: item b: lines must be a whole number from 1 to 10, not 0",
    # orders and their details
    "order_detail_without_parent": "20: item b: order_detail without parent",
    "parent_missing_item": "22: item b: parent 'zz' is not an item",
    "parent_not_order": "22: item b: parent 'a' is not an order item",
    "parent_on_non_detail": "28: item c: 'parent' is only for order_detail items",
    "instructions_on_non_order": "22: item b: 'instructions' is only for order items",
    "instructions_missing_key": (
        "22: item b: instructions 'howto' are not in the instructions list"
    ),
    # codes on items
    "code_not_in_list": "22: item b: code 'loinc_y' is not in the code list",
    "code_listed_twice": "24: item b: code 'loinc_x' is listed twice",
    "verified_without_codes": "22: item b: code_status 'verified' needs at least one code",
    "unknown_code_status": "23: item b: unknown code_status 'checked'",
    # conditions
    "show_when_not_table": (
        '22: item b: show_when must be a table like { item = "ID", equals = VALUE }'
    ),
    "show_when_without_item": "22: item b: show_when without item",
    "show_when_both": "22: item b: show_when needs exactly one of equals and any_of",
    "show_when_neither": "22: item b: show_when needs exactly one of equals and any_of",
    "show_when_unknown_key": "22: item b: unknown key 'equal' in show_when",
    "any_of_empty": "22: item b: any_of must be a non-empty list",
    "condition_missing_item": "22: item b: condition on missing item 'x'",
    "condition_on_itself": "22: item b: condition on itself",
    "condition_on_text": "28: item c: item 'b' of kind text cannot be a condition",
    "condition_ynu_value": "28: item c: condition value 'maybe' is impossible for item b",
    "condition_check_value": "22: item b: condition value 'true' is impossible for item a",
    "condition_option_value": "29: item c: condition value 'second' is impossible for item b",
    "condition_order_value": "29: item c: condition value true is impossible for item b",
    "condition_cycle": "22: item b: condition cycle: b -> c -> b",
    # option lists
    "list_empty": "25: list nothing: empty list",
    "list_bad_name": f"24: list Yes-No: bad list name: {ID_RULE}",
    "option_missing_value": "29: list yes_no: option #2 has no value",
    "option_missing_english": "29: list yes_no: option 'second' has no English label",
    "option_duplicate_value": "30: list yes_no: duplicate value 'first'; first defined at line 25",
    "option_bad_value": (
        "25: list yes_no: bad value 'First One': use lower case letters, digits and _"
    ),
    "option_unknown_key": "28: list yes_no: unknown key 'rus' in option 'first'",
    # the code list
    "code_missing_display": "24: code loinc_x: missing display",
    "code_system_not_uri": (
        "25: code loinc_x: system 'LOINC' is not a URI such as http://loinc.org"
    ),
    # instructions
    "instructions_no_english": "24: instructions how: missing English text",
    "instructions_unknown_placeholder": (
        "25: instructions how: placeholder {item:b_volume} names no item"
    ),
    # conditional instructions
    "instructions_text_and_blocks": (
        "24: instructions how: give either en and ru or blocks, not both"
    ),
    "instructions_no_blocks": "25: instructions how: no blocks",
    "instructions_block_unknown_key": "27: instructions how: unknown key 'wen' in block 1",
    "instructions_block_no_english": "28: instructions how: missing English text of block 2",
    "instructions_heading_no_english": "25: instructions how: missing English heading",
    "instructions_when_missing_item": "27: instructions how: condition on missing item 'x'",
    "instructions_when_impossible_value": (
        "27: instructions how: condition value true is impossible for item a"
    ),
    "show_when_answered": (
        "22: item b: answered is for instruction conditions; show_when takes equals or any_of"
    ),
    "instructions_when_answered_false": "27: instructions how: answered must be true",
    "instructions_when_answered_and_equals": (
        "27: instructions how: when needs one of equals, any_of and answered"
    ),
    "instructions_when_not_table": (
        '27: instructions how: when must be a table like { item = "ID", equals = VALUE }, '
        "or a list of such tables"
    ),
    "instructions_not_key_or_list": (
        "22: item b: instructions must name a key under [instructions] or list alternatives "
        'like { key = "KEY", when = CONDITION }'
    ),
    "instructions_choice_unknown_key": (
        "22: item b: unknown key 'wen' in instructions alternative 1"
    ),
    "instructions_choice_without_key": "22: item b: instructions alternative 1 has no key",
    "instructions_choice_unreachable": (
        "23: item b: instructions alternative 1 has no when, so the ones after it are never used"
    ),
    "instructions_choice_when_missing_item": "23: item b: condition on missing item 'zz'",
}


@pytest.mark.parametrize(("name", "expected"), sorted(RULES.items()))
def test_rule_reports_exactly_one_problem(name: str, expected: str) -> None:
    path = INVALID / f"{name}.toml"
    result = check_workflow_file(path)
    assert [str(problem) for problem in result.problems] == [f"{path}:{expected}"]
    assert result.workflow is None


@pytest.mark.parametrize("name", sorted(RULES))
def test_invalid_file_does_not_load(name: str) -> None:
    path = INVALID / f"{name}.toml"
    with pytest.raises(WorkflowFileError) as caught:
        load_workflow_file(path)
    assert str(caught.value) == f"{path}:{RULES[name]}"
    assert len(caught.value.problems) == 1


def test_every_invalid_fixture_has_a_rule() -> None:
    assert sorted(path.stem for path in INVALID.glob("*.toml")) == sorted(RULES)


def _chain(length: int, *, loop: bool = False) -> str:
    """A workflow whose items are each shown when the one before is ticked."""
    parts = [
        'schema_version = 1\nid = "chain"\nversion = 1\n[title]\nen = "Chain"\nru = "Цепь"\n',
        '[[sections]]\nid = "s"\ncode = "A"\ntitle = { en = "S", ru = "С" }\n',
    ]
    for index in range(length):
        before = index - 1 if index else (length - 1 if loop else None)
        condition = (
            f'show_when = {{ item = "i{before}", equals = true }}\n' if before is not None else ""
        )
        parts.append(
            f'[[sections.items]]\nid = "i{index}"\nkind = "check"\nrole = "observation"\n'
            f'label = {{ en = "I{index}", ru = "И{index}" }}\n{condition}'
        )
    return "".join(parts)


def test_a_long_chain_of_conditions_is_one_problem_and_a_short_one_is_valid() -> None:
    from app.catalog.rules import check_workflow
    from app.domain.limits import MAX_CONDITION_DEPTH

    assert check_workflow(_chain(MAX_CONDITION_DEPTH + 1), "ok.toml").problems == []
    long = check_workflow(_chain(3000), "long.toml")
    assert [problem.message for problem in long.problems] == [
        f"show_when conditions chained more than {MAX_CONDITION_DEPTH} deep"
    ]
    looped = check_workflow(_chain(3000, loop=True), "loop.toml")
    assert len(looped.problems) == 1
    assert looped.problems[0].message.startswith("condition cycle: i0 -> i2999 -> i2998")


def test_nesting_deeper_than_a_workflow_needs_is_one_problem_whoever_parses(
    tmp_path: Path,
) -> None:
    from app.catalog.cache import ParsedCache
    from app.catalog.rules import check_workflow, parse_toml
    from app.domain.limits import MAX_NESTING

    deep = "a = " + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1) + "\n"
    expected = f"arrays or tables nested deeper than {MAX_NESTING} levels"
    for parse in (parse_toml, ParsedCache(tmp_path / "cache").loads):
        result = check_workflow(deep, "deep.toml", parse)
        assert [(problem.line, problem.message) for problem in result.problems] == [(1, expected)]
    assert not (tmp_path / "cache").exists()
