"""Output failures: a missing or unwritable folder and a full disk, for every file command.

Each gives one clear line naming the file and what to do, and leaves nothing behind: no
partial file, no temporary `.part` file, nothing in the temporary folder.
"""

from __future__ import annotations

import io
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from app.catalog.loader import Catalog
from app.cli import run
from tests.reliability.helpers import ROOT, assert_one_line_error, child_env, make_database
from tests.support import WORKFLOW_ID

# The file commands, as argument lists ending just before the output path.
FILE_COMMANDS = {
    "summary pdf": ("export", "{encounter}", "--out"),
    "blank sheet": ("sheet", WORKFLOW_ID, "--out"),
    "json document": ("encounters", "export", "{encounter}", "--out"),
}
OUT_NAMES = {"summary pdf": "summary.pdf", "blank sheet": "sheet.pdf", "json document": "doc.json"}
# Below every output (the smallest, the summary, is about 44 kB) and above SQLite's
# 32 kB shared-memory file, which opening the database in WAL mode creates.
FILE_SIZE_LIMIT = 40_000


@pytest.fixture
def database(tmp_path: Path, shipped_catalog: Catalog) -> tuple[str, int]:
    """A database URL and the id of its encounter."""
    path = tmp_path / "db" / "clinic.sqlite3"
    path.parent.mkdir()
    return f"sqlite:///{path}", make_database(path, shipped_catalog)


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """TMPDIR for this test (and this process's tempfile module), to check it stays empty."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _argv(command: str, encounter_id: int, out: Path) -> list[str]:
    words = [word.format(encounter=encounter_id) for word in FILE_COMMANDS[command]]
    return [*words, str(out)]


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def _everything_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def _missing_folder(base: Path) -> Path:
    return base / "not-there"


def _file_as_folder(base: Path) -> Path:
    blocker = base / "blocker"
    blocker.write_bytes(b"not a folder")
    return blocker


def _immutable_folder(base: Path) -> Path:
    folder = base / "frozen"
    folder.mkdir()
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not available to make a folder unwritable for root")
    result = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
    if result.returncode != 0:
        pytest.skip("chattr +i is not supported here, so root could write the folder")
    return folder


FOLDERS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "missing folder": (_missing_folder, "the folder does not exist"),
    "a file in place of the folder": (_file_as_folder, "part of the path is not a folder"),
    "unwritable folder": (_immutable_folder, "permission denied"),
}


@pytest.mark.parametrize("command", list(FILE_COMMANDS))
@pytest.mark.parametrize("folder_kind", list(FOLDERS))
def test_a_bad_destination_folder_gives_one_line_and_no_file(
    command: str,
    folder_kind: str,
    tmp_path: Path,
    database: tuple[str, int],
    temp_dir: Path,
) -> None:
    url, encounter_id = database
    base = tmp_path / "out"
    base.mkdir()
    make_folder, advice = FOLDERS[folder_kind]
    folder = make_folder(base)
    out = folder / OUT_NAMES[command]
    try:
        code, _out, err = _run("--database-url", url, *_argv(command, encounter_id, out))
        assert_one_line_error(code, err)
        assert str(out) in err, err
        assert advice in err, err
        assert not out.exists()
    finally:
        if folder_kind == "unwritable folder":
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    assert not [path for path in base.rglob("*") if path.is_file() and path.name != "blocker"]
    assert _everything_under(temp_dir) == []


def _limit_file_size() -> None:
    """In the child: files may not grow beyond the limit, and hitting it is not fatal."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


@pytest.mark.parametrize("command", list(FILE_COMMANDS))
def test_a_full_disk_gives_one_line_and_no_partial_file(
    command: str, tmp_path: Path, database: tuple[str, int], temp_dir: Path
) -> None:
    url, encounter_id = database
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / OUT_NAMES[command]
    result = subprocess.run(
        [sys.executable, "-m", "app", "--database-url", url, *_argv(command, encounter_id, out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(TMPDIR=str(temp_dir)),
        preexec_fn=_limit_file_size,
        timeout=60,
        check=False,
    )
    assert_one_line_error(result.returncode, result.stderr)
    assert str(out) in result.stderr, result.stderr
    assert "too large" in result.stderr, result.stderr
    assert _everything_under(folder) == []
    assert _everything_under(temp_dir) == []


@pytest.mark.parametrize("command", list(FILE_COMMANDS))
def test_a_good_export_leaves_only_its_file(
    command: str, tmp_path: Path, database: tuple[str, int], temp_dir: Path
) -> None:
    url, encounter_id = database
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / OUT_NAMES[command]
    code, printed, err = _run("--database-url", url, *_argv(command, encounter_id, out))
    assert code == 0, err
    assert printed.strip() == str(out)
    assert _everything_under(folder) == [out.name]
    assert _everything_under(temp_dir) == []
    assert os.stat(out).st_size > 1000
