"""The workflow catalog: loading it, and checking workflow files before they are used."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from app.config import (
    Settings,
    data_dir,
    resolve_workflow_dirs,
)
from app.domain.workflow import Workflow
from app.storage import errors as storage_errors
from app.storage.urls import hide_secrets as hide_secrets
from app.storage.urls import shown_url as shown_url

if TYPE_CHECKING:
    from app.catalog import Catalog, ParsedCache
    from app.storage.backup import BackupInfo as BackupInfo


def parsed_workflows() -> ParsedCache:
    """Parsed workflow texts, kept in the data folder so that each is parsed once."""
    from app.catalog.cache import ParsedCache

    return ParsedCache(data_dir() / "cache" / "workflows")


def load_catalog(settings: Settings) -> Catalog:
    """The shipped workflows and the clinic's own, with every problem found in them."""
    from app.catalog.loader import Catalog

    return Catalog.load(resolve_workflow_dirs(settings), parsed_workflows().loads)


def _snapshot_workflow(catalog: Catalog | None, content_hash: str, source_text: str) -> Workflow:
    """The workflow of a stored snapshot: the catalog's own when it has that exact
    definition, else the snapshot's text parsed."""
    from app.catalog.problems import CatalogError
    from app.catalog.rules import parse_workflow

    if catalog is not None:
        for workflow in catalog.workflows.values():
            if workflow.content_hash == content_hash:
                return workflow
    try:
        return parse_workflow(
            source_text, f"snapshot {content_hash[:12]}", parsed_workflows().loads
        )
    except CatalogError as error:
        raise storage_errors.StorageError(
            f"the stored workflow snapshot {content_hash[:12]} cannot be read: {error}"
        ) from error


def workflow_file_warnings(paths: list[Path]) -> list[str]:
    """What a valid workflow file lacks (Russian texts shown in English, unused lists)."""
    from app.catalog import check_workflow_file

    return [str(warning) for path in paths for warning in check_workflow_file(path).warnings]


def workflow_file_problems(paths: list[Path], settings: Settings | None = None) -> list[str]:
    """Every problem of the given workflow files, one line each (empty when all are valid).

    With `settings`, a file that is valid on its own is also set beside the workflows the
    application would load (shipped and the clinic's folder): the same id and version as
    another file with different content is refused there, so it is reported here.
    """
    from app.catalog import WorkflowFileError, load_workflow_file

    problems: list[str] = []
    loaded: list[tuple[Path, Workflow]] = []
    for path in paths:
        try:
            loaded.append((path, load_workflow_file(path)))
        except WorkflowFileError as error:
            problems.extend(str(problem) for problem in error.problems)
    if settings is not None and loaded:
        catalog = load_catalog(settings)
        for path, workflow in loaded:
            if catalog.sources.get(workflow.id, Path()).resolve() == path.resolve():
                continue  # the file is the one the catalog loaded
            before = len(catalog.problems)
            catalog.add(workflow, path)
            problems.extend(str(problem) for problem in catalog.problems[before:])
    return problems
