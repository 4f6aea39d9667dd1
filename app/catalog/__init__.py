"""Finds, parses and validates workflow files."""

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
