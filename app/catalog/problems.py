"""Problems found in workflow files, and the exceptions of the catalog layer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class CatalogError(Exception):
    """Base of every error the catalog layer raises."""


@dataclass(frozen=True)
class Problem:
    """One mistake (or warning) at a place in a workflow file.

    `subject` names what is wrong: `item ID`, `section ID`, `list NAME`, `code KEY`,
    `instructions KEY` or `workflow`.
    """

    path: str
    line: int
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.subject}: {self.message}"


class WorkflowFileError(CatalogError):
    """A workflow file could not be loaded; `problems` lists every mistake found in it."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))
