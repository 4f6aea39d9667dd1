"""Every `workup` command with missing, extra and wrong arguments: one line, exit non-zero."""

from __future__ import annotations

import argparse
import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import CommandError, build_parser, run
from tests.reliability.helpers import ROOT, assert_one_line_error, child_env

EXTRA = "surplus-argument"
# For each command: argument lists that are missing something, and ones that are wrong.
CASES: dict[str, dict[str, list[list[str]]]] = {
    "gui": {"missing": [], "wrong": [["gui", "--lang", "en"]]},
    "workflows list": {"missing": [], "wrong": [["workflows", "list", "--all"]]},
    "workflows validate": {"missing": [["workflows", "validate"]], "wrong": []},
    "sheet": {
        "missing": [["sheet"], ["sheet", "retrograde_ejaculation"]],
        "wrong": [
            ["sheet", "no_such_workflow", "--out", "{tmp}/s.pdf"],
            ["sheet", "retrograde_ejaculation", "--out", "{tmp}/s.pdf", "--lang", "de"],
            ["sheet", "retrograde_ejaculation", "--out", "{tmp}/s.pdf", "--paper", "A3"],
        ],
    },
    "scan": {
        "missing": [["scan"], ["scan", "{tmp}/s.png", "--patient"]],
        "wrong": [
            ["scan", "{tmp}/missing.png"],
            ["scan", "{tmp}/s.png", "--encounter", "abc"],
            ["scan", "{tmp}/s.png", "--encounter", "1", "--patient", "C-1"],
            ["scan", "{tmp}/s.png", "--clinician", "Dr. Scan"],
            ["scan", "{tmp}/s.png", "--readings-out", "{tmp}/r.json"],
        ],
    },
    "export": {
        "missing": [["export"], ["export", "1"], ["export", "--out", "{tmp}/e.pdf"]],
        "wrong": [
            ["export", "abc", "--out", "{tmp}/e.pdf"],
            ["export", "0", "--out", "{tmp}/e.pdf"],
            ["export", "999", "--out", "{tmp}/e.pdf"],
            ["export", "1", "--all", "--out", "{tmp}"],
            ["export", "--all", "--since", "yesterday", "--out", "{tmp}"],
            ["export", "--all", "--out", "{tmp}/no-such-folder"],
        ],
    },
    "encounters list": {
        "missing": [["encounters", "list", "--search"]],
        "wrong": [["encounters", "list", "--limit", "-3"]],
    },
    "encounters import": {
        "missing": [["encounters", "import"]],
        "wrong": [["encounters", "import", "{tmp}/missing.json"]],
    },
    "encounters export": {
        "missing": [["encounters", "export", "1"], ["encounters", "export"]],
        "wrong": [["encounters", "export", "x", "--out", "{tmp}/e.json"]],
    },
    "db upgrade": {"missing": [], "wrong": [["db", "upgrade", "--force"]]},
    "db check": {"missing": [], "wrong": [["db", "check", "--fix"]]},
    "db grant": {
        "missing": [["db", "grant"]],
        "wrong": [["db", "grant", "workup"], ["db", "grant", "workup", "--all"]],
    },
    "db backup": {
        "missing": [["db", "backup", "--out"]],
        "wrong": [["db", "backup", "--out", "{tmp}"], ["db", "backup", "--all"]],
    },
    "db backups": {"missing": [], "wrong": [["db", "backups", "--all"]]},
    "db restore": {
        "missing": [["db", "restore"]],
        "wrong": [
            ["db", "restore", "{tmp}/missing.sqlite3"],
            ["db", "restore", "{tmp}"],
            ["db", "restore", "{tmp}/w.toml", "--force"],
        ],
    },
    "db copy": {
        "missing": [["db", "copy"], ["db", "copy", "--to"]],
        "wrong": [["db", "copy", "--to", "nonsense://"], ["db", "copy", "--to", "{tmp}/x.sqlite3"]],
    },
    "audit verify": {"missing": [], "wrong": [["audit", "verify", "--from", "3"]]},
    "audit head": {"missing": [], "wrong": [["audit", "head", "3"]]},
    "fhir export": {
        "missing": [["fhir", "export"], ["fhir", "export", "1"]],
        "wrong": [["fhir", "export", "one", "--out", "{tmp}/f.json"]],
    },
    "fhir questionnaire": {
        "missing": [["fhir", "questionnaire"], ["fhir", "questionnaire", "x"]],
        "wrong": [["fhir", "questionnaire", "--out"]],
    },
    "(top level)": {
        "missing": [["workflows"], ["encounters"], ["db"], ["audit"], ["fhir"], ["--database-url"]],
        "wrong": [["no-such-command"], ["--database-url", "nonsense://", "encounters", "list"]],
    },
}
# The valid arguments of each command, to which a surplus argument is added.
VALID = {
    "gui": ["gui"],
    "workflows list": ["workflows", "list"],
    "workflows validate": ["workflows", "validate", "{tmp}/w.toml"],
    "sheet": ["sheet", "retrograde_ejaculation", "--out", "{tmp}/s.pdf"],
    "scan": ["scan", "{tmp}/scan.png"],
    "export": ["export", "1", "--out", "{tmp}/e.pdf"],
    "encounters list": ["encounters", "list"],
    "encounters import": ["encounters", "import", "{tmp}/d.json"],
    "encounters export": ["encounters", "export", "1", "--out", "{tmp}/e.json"],
    "db upgrade": ["db", "upgrade"],
    "db check": ["db", "check"],
    "db copy": ["db", "copy", "--to", "sqlite:///{tmp}/copy.sqlite3"],
    "db grant": ["db", "grant", "workup"],
    "db backup": ["db", "backup"],
    "db backups": ["db", "backups"],
    "db restore": ["db", "restore", "{tmp}/backup.sqlite3"],
    "audit verify": ["audit", "verify"],
    "audit head": ["audit", "head"],
    "fhir export": ["fhir", "export", "1", "--out", "{tmp}/f.json"],
    "fhir questionnaire": ["fhir", "questionnaire", "retrograde_ejaculation", "--out", "{tmp}/q"],
}


def _leaf_commands(parser: argparse.ArgumentParser, prefix: str = "") -> list[str]:
    leaves: list[str] = []
    for action in parser._actions:  # argparse offers no public way to list subcommands
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                leaves += _leaf_commands(child, f"{prefix} {name}".strip())
    return leaves or [prefix]


def _all_cases() -> list[tuple[str, list[str]]]:
    cases = []
    for command, kinds in CASES.items():
        for kind, lists in kinds.items():
            cases += [(f"{command}: {kind}", argv) for argv in lists]
    cases += [(f"{command}: extra", [*argv, EXTRA]) for command, argv in VALID.items()]
    return cases


def test_the_cases_cover_every_command() -> None:
    assert sorted(_leaf_commands(build_parser())) == sorted(VALID)
    assert set(CASES) - {"(top level)"} == set(VALID)


@pytest.mark.parametrize(("label", "argv"), _all_cases(), ids=[label for label, _ in _all_cases()])
def test_bad_arguments_give_one_line_and_a_non_zero_exit(
    label: str, argv: list[str], tmp_path: Path
) -> None:
    filled = [word.format(tmp=tmp_path) for word in argv]
    out, err = io.StringIO(), io.StringIO()
    database = ["--database-url", f"sqlite:///{tmp_path / 'db.sqlite3'}"]
    code = run(filled if "--database-url" in filled else [*database, *filled], out, err)
    if filled[:2] == ["workflows", "validate"] and len(filled) > 2:
        # by contract, validation problems go to stdout, one line per problem, exit 2
        assert (code, err.getvalue()) == (2, "")
        assert out.getvalue().splitlines()
        return
    assert_one_line_error(code, err.getvalue())
    assert not [path for path in tmp_path.iterdir() if path.suffix in (".pdf", ".json", ".part")]


HELP_CASES = [
    ["--help"],
    ["export", "--help"],
    ["db", "--help"],
    ["encounters", "export", "--help"],
    ["--database-url", "db", "export", "--help"],
]


def _parsed(argv: list[str], parser: argparse.ArgumentParser) -> object:
    """What `parser` makes of `argv`: the arguments, the one-line error, or the help text."""
    shown = io.StringIO()
    try:
        with contextlib.redirect_stdout(shown):
            return vars(parser.parse_args(argv))
    except CommandError as error:
        return (error.code, str(error))
    except SystemExit as stop:
        return (stop.code, shown.getvalue())


@pytest.mark.parametrize(
    "argv",
    [argv for _label, argv in _all_cases()]
    + [["--database-url", "db", "export", "1"], *HELP_CASES],
)
def test_a_parser_built_for_the_arguments_reads_them_as_the_whole_one(argv: list[str]) -> None:
    assert _parsed(argv, build_parser(argv)) == _parsed(argv, build_parser())


def test_a_parser_built_for_one_command_lists_the_others_unbuilt() -> None:
    argv = ["export", "1", "--out", "e.pdf"]
    assert sorted(_leaf_commands(build_parser(argv))) == sorted(
        ["gui", "workflows", "sheet", "scan", "export", "encounters", "db", "audit", "fhir"]
    )


SUBPROCESS_CASES = [
    ["no-such-command"],
    ["export"],
    ["export", "abc", "--out", "x.pdf"],
    ["sheet", "retrograde_ejaculation", "--out", "{tmp}/s.pdf", EXTRA],
    ["encounters", "import", "{tmp}/missing.json"],
    ["--database-url", "nonsense://", "encounters", "list"],
]


def test_bad_arguments_through_a_real_process(tmp_path: Path) -> None:
    """A representative subset through `python -m app`, started side by side."""
    processes = []
    for argv in SUBPROCESS_CASES:
        filled = [word.format(tmp=tmp_path) for word in argv]
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "app", *filled],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=tmp_path,
                env=child_env(WORKUP_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"),
            )
        )
    for argv, process in zip(SUBPROCESS_CASES, processes, strict=True):
        _out, err = process.communicate(timeout=60)
        assert process.returncode != 0, argv
        assert_one_line_error(process.returncode, err)
    assert ROOT.is_dir()
