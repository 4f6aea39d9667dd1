"""Finds workflow files in folders and loads them into a catalog."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.catalog.problems import Problem, WorkflowFileError
from app.catalog.rules import CheckResult, Parser, check_workflow, parse_toml
from app.domain.workflow import Workflow


def read_workflow_text(path: Path) -> str:
    """The text of a workflow file (UTF-8, an initial byte-order mark dropped).

    WorkflowFileError with one problem at line 1 when the file cannot be read or decoded.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        raise WorkflowFileError(
            [Problem(str(path), 1, "workflow", f"cannot read: {reason}")]
        ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        message = f"not UTF-8 text (byte {error.start + 1} cannot be decoded)"
        raise WorkflowFileError([Problem(str(path), 1, "workflow", message)]) from None


def check_workflow_file(path: Path, parse: Parser = parse_toml) -> CheckResult:
    """Read and check one workflow file; never raises for a bad or unreadable file."""
    try:
        text = read_workflow_text(path)
    except WorkflowFileError as error:
        return CheckResult(None, error.problems, [])
    return check_workflow(text, str(path), parse)


def load_workflow_file(path: Path) -> Workflow:
    """The workflow in file `path`; WorkflowFileError listing every problem it has."""
    result = check_workflow_file(path)
    if result.workflow is None:
        raise WorkflowFileError(result.problems)
    return result.workflow


@dataclass
class Catalog:
    """The workflows found in a list of folders, and what was wrong with the others.

    Folders are read in order; when two files define the same workflow id the higher
    version wins, so a clinic's folder given after the shipped one can replace a shipped
    workflow by raising its version.
    """

    workflows: dict[str, Workflow] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    broken_files: list[Path] = field(default_factory=list)
    parse: Parser = field(default=parse_toml, repr=False, compare=False)

    def get(self, workflow_id: str) -> Workflow:
        """The workflow `workflow_id`; KeyError when the catalog has none."""
        return self.workflows[workflow_id]

    @classmethod
    def load(cls, dirs: Sequence[Path], parse: Parser = parse_toml) -> Catalog:
        """Load every `*.toml` file of each folder; a broken file never stops the others.

        `parse` turns each file's text into its TOML document (a `ParsedCache` may stand
        in front of `parse_toml`).
        """
        catalog = cls(parse=parse)
        for folder in dirs:
            if not folder.is_dir():
                catalog.problems.append(
                    Problem(str(folder), 1, "workflow", "workflow folder not found")
                )
                continue
            for path in sorted(folder.glob("*.toml")):
                catalog.add_file(path)
        return catalog

    def add_file(self, path: Path) -> None:
        """Check one file and add its workflow, or record its problems."""
        result = check_workflow_file(path, self.parse)
        if result.workflow is None:
            self.problems.extend(result.problems)
            self.broken_files.append(path)
            return
        self.warnings.extend(result.warnings)  # a broken file's warnings wait until it loads
        self.add(result.workflow, path)

    def add(self, workflow: Workflow, path: Path) -> None:
        """Add a loaded workflow unless one with the same id and a higher version is there."""
        known = self.workflows.get(workflow.id)
        if known is None or workflow.version > known.version:
            self.workflows[workflow.id] = workflow
            self.sources[workflow.id] = path
            return
        other = self.sources[workflow.id]
        if workflow.version < known.version:
            self.warnings.append(
                Problem(
                    str(path),
                    1,
                    "workflow",
                    f"not used: {other} has the newer version {known.version} of '{workflow.id}'",
                )
            )
        elif workflow.content_hash != known.content_hash:
            self.problems.append(
                Problem(
                    str(path),
                    1,
                    "workflow",
                    f"'{workflow.id}' version {workflow.version} is also in {other} "
                    "with different content; raise the version of the changed file",
                )
            )
            self.broken_files.append(path)
