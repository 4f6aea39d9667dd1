"""The parsed-workflow cache: same documents as parsing, and never in the way."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from app.catalog import lines
from app.catalog.cache import ParsedCache
from app.catalog.loader import Catalog
from app.catalog.rules import check_workflow, parse_workflow

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "workflows" / "retrograde_ejaculation.toml"
FIXTURES = Path(__file__).parent / "fixtures"


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str) -> dict[str, Any]:
        raise AssertionError("the text was parsed again")

    monkeypatch.setattr(tomllib, "loads", refuse)


def test_a_text_seen_before_is_read_back_not_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    cache = ParsedCache(tmp_path / "cache")
    first = cache.loads(text)
    assert first == tomllib.loads(text)
    assert cache.entry(text).is_file()
    parsed = parse_workflow(text, "shipped")
    _no_parsing(monkeypatch)
    assert cache.loads(text) == first
    assert parse_workflow(text, "shipped", cache.loads) == parsed


def test_another_text_is_another_entry(tmp_path: Path) -> None:
    cache = ParsedCache(tmp_path)
    text = SHIPPED.read_text(encoding="utf-8")
    changed = text.replace("\nversion = 2", "\nversion = 3", 1)
    assert cache.loads(changed)["version"] == 3
    assert cache.loads(text)["version"] == 2
    assert len(list(tmp_path.iterdir())) == 2


def test_an_unreadable_entry_is_parsed_and_written_again(tmp_path: Path) -> None:
    cache = ParsedCache(tmp_path)
    text = 'id = "x"\nversion = 3\n'
    cache.entry(text).write_bytes(b'{"id": "x", "vers')
    assert cache.loads(text) == {"id": "x", "version": 3}
    assert cache.entry(text).read_bytes() == b'{"id": "x", "version": 3}'
    cache.entry(text).write_bytes(b"[1, 2]")  # JSON, but not a document
    assert cache.loads(text) == {"id": "x", "version": 3}


def test_dates_and_times_are_not_stored(tmp_path: Path) -> None:
    cache = ParsedCache(tmp_path)
    text = 'id = "x"\nreviewed = 2026-11-21\n'
    assert cache.loads(text) == tomllib.loads(text)
    assert not cache.entry(text).exists()


def test_a_folder_that_cannot_be_written_is_no_obstacle(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder would be")
    cache = ParsedCache(blocker)
    assert cache.loads('id = "x"\n') == {"id": "x"}


def test_syntax_errors_are_reported_as_without_a_cache(tmp_path: Path) -> None:
    cache = ParsedCache(tmp_path)
    text = 'id = "x"\nversion = \n'
    with pytest.raises(tomllib.TOMLDecodeError):
        cache.loads(text)
    assert not any(tmp_path.iterdir())
    assert check_workflow(text, "broken.toml", cache.loads) == check_workflow(text, "broken.toml")


def test_a_catalog_loaded_through_the_cache_is_the_same(tmp_path: Path) -> None:
    folder = tmp_path / "workflows"
    folder.mkdir()
    shutil.copy(SHIPPED, folder)
    for name in ("valid_minimal.toml", "missing_russian.toml", "several_mistakes.toml"):
        shutil.copy(FIXTURES / name, folder)
    plain = Catalog.load([folder])
    cache = ParsedCache(tmp_path / "cache")
    for _ in range(2):  # written, then read back
        cached = Catalog.load([folder], cache.loads)
        assert cached.workflows == plain.workflows
        assert cached.problems == plain.problems
        assert cached.warnings == plain.warnings
        assert cached.broken_files == plain.broken_files


def test_parsing_for_the_workflow_alone_finds_no_line_numbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Placing a warning needs the lines of the whole text; a snapshot read needs no warning."""
    text = SHIPPED.read_text(encoding="utf-8").replace(', ru = "Дата повторного приёма"', "", 1)
    checked = check_workflow(text, "shipped")
    assert [problem.message for problem in checked.warnings] == [
        "no Russian label; English is shown"
    ]

    def refuse(text: str) -> None:
        raise AssertionError("line numbers were looked for")

    monkeypatch.setattr(lines, "LineIndex", refuse)
    assert parse_workflow(text, "shipped") == checked.workflow
