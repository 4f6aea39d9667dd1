"""Helpers: reading a child's output with deadlines, file snapshots, a sample database."""

from __future__ import annotations

import os
import queue
import subprocess
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.catalog.loader import Catalog
from app.config import Settings
from app.services import WorkupService
from tests.support import WORKFLOW_ID

ROOT = Path(__file__).resolve().parents[2]


class LineReader:
    """Collects the lines a child writes to stdout on a thread, so reads can time out."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(process,), daemon=True)
        self._thread.start()

    def _pump(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def next(self, timeout: float) -> str:
        """The next line; AssertionError when the child ended or said nothing in time."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"the child said nothing for {timeout} s") from None
        if line is None:
            raise AssertionError("the child ended unexpectedly")
        return line

    def until(self, prefix: str, timeout: float) -> list[str]:
        """Every line up to and including the first one starting with `prefix`."""
        seen: list[str] = []
        while True:
            line = self.next(timeout)
            seen.append(line)
            if line.startswith(prefix):
                return seen


@dataclass(frozen=True)
class FileState:
    """A file's bytes and modification time, to show it was left untouched."""

    data: bytes
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileState:
        """The current state of `path`."""
        return cls(path.read_bytes(), path.stat().st_mtime_ns)


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a child: this one, with the source tree importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def assert_one_line_error(code: int, err: str) -> None:
    """A failed command: non-zero exit, exactly one line on stderr, no traceback."""
    assert code != 0, err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def make_database(path: Path, catalog: Catalog) -> int:
    """A workup database with one patient and one encounter; the encounter id."""
    service = WorkupService.open(Settings(), f"sqlite:///{path}", catalog=catalog)
    try:
        patient = service.create_patient("Reliable", "Rita", date(1975, 3, 4), "REL-1")
        encounter = service.start_encounter(patient.id or 0, WORKFLOW_ID, "Dr. Keep")
        service.set_answer(encounter.id or 0, "sx_notes", "kept note", "Dr. Keep")
        return encounter.id or 0
    finally:
        service.close()
