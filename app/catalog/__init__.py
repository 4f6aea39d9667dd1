"""Finds, parses and validates workflow files.

The names below are loaded from their modules on first use, so that reading a stored
workflow snapshot (`parse_workflow` with a `ParsedCache`) does not load the folder loader
(see app.lazy: no module here may bear one of these names).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import lazy_names

if TYPE_CHECKING:
    from app.catalog.cache import ParsedCache
    from app.catalog.lines import LineIndex
    from app.catalog.loader import (
        Catalog,
        check_workflow_file,
        load_workflow_file,
        read_workflow_text,
    )
    from app.catalog.problems import CatalogError, Problem, WorkflowFileError
    from app.catalog.rules import (
        CheckResult,
        Parser,
        check_workflow,
        lint_workflow,
        parse_workflow,
    )

_MODULES = {
    "Catalog": "loader",
    "CatalogError": "problems",
    "CheckResult": "rules",
    "LineIndex": "lines",
    "ParsedCache": "cache",
    "Parser": "rules",
    "Problem": "problems",
    "WorkflowFileError": "problems",
    "check_workflow": "rules",
    "check_workflow_file": "loader",
    "lint_workflow": "rules",
    "load_workflow_file": "loader",
    "parse_workflow": "rules",
    "read_workflow_text": "loader",
}

__all__ = [
    "Catalog",
    "CatalogError",
    "CheckResult",
    "LineIndex",
    "ParsedCache",
    "Parser",
    "Problem",
    "WorkflowFileError",
    "check_workflow",
    "check_workflow_file",
    "lint_workflow",
    "load_workflow_file",
    "parse_workflow",
    "read_workflow_text",
]


__getattr__, __dir__ = lazy_names(__name__, globals(), _MODULES)
