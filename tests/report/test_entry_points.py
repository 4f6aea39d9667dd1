"""A summary is made through one entry point: outside app/report, `app.report.summary_pdf`
(the services call it in one place); its parts stay internal to the package."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
INTERNAL = {"SummaryData", "build_summary_data", "render_summary"}
INTERNAL_MODULES = {"app.report.summary_data", "app.report.summary_render"}


def _report_imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) of every name `path` imports from app.report or its modules."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("app.report"):
            found += [(node.module or "", alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [
                (alias.name, "") for alias in node.names if alias.name.startswith("app.report")
            ]
    return found


def _outside_report() -> list[Path]:
    return [path for path in APP.rglob("*.py") if "report" not in path.relative_to(APP).parts[:1]]


def test_only_the_entry_point_makes_a_summary_outside_the_report_package() -> None:
    used = {
        (str(path.relative_to(APP)), module, name)
        for path in _outside_report()
        for module, name in _report_imports(path)
    }
    assert {(where, module, name) for where, module, name in used if name in INTERNAL} == set()
    assert {entry for entry in used if entry[1] in INTERNAL_MODULES} == set()
    summary_callers = {where for where, _module, name in used if name == "summary_pdf"}
    assert summary_callers == {"services/workups.py"}


def test_the_guard_sees_an_import_of_an_internal_part(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text(
        "from app.report import render_summary\nimport app.report.summary_data\n",
        encoding="utf-8",
    )
    assert _report_imports(module) == [
        ("app.report", "render_summary"),
        ("app.report.summary_data", ""),
    ]
