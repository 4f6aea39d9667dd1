"""The garbage collector is held back while the `workup` command loads its modules."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.startup import pause_collector, resume_collector

ROOT = Path(__file__).resolve().parent.parent

# Runs the console script's entry point with a spy in place of `workflows list`: it
# records whether the collector was on while the command ran, and what start-up froze.
SPY = """
import gc, json, sys
import app.cli

def spy(context):
    print(json.dumps({"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}))
    return 0

app.cli.COMMANDS["workflows"] = spy
sys.argv = ["workup", "workflows", "list"]
from app.__main__ import main
main()
"""


@pytest.fixture
def collector() -> Iterator[None]:
    """Leaves the collector on and nothing frozen, whatever the test did."""
    yield
    gc.enable()
    gc.unfreeze()


def test_pause_and_resume(collector: None) -> None:
    frozen = gc.get_freeze_count()
    pause_collector()
    assert not gc.isenabled()
    pause_collector()  # a second pause changes nothing
    resume_collector()
    assert gc.isenabled()
    assert gc.get_freeze_count() > frozen


def test_resume_without_pause_changes_nothing(collector: None) -> None:
    gc.disable()  # turned off by someone else: not ours to turn on
    resume_collector()
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_command_runs_with_the_collector_on_and_start_up_frozen() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SPY], capture_output=True, text=True, check=True, cwd=ROOT
    )
    report = json.loads(result.stdout)
    assert report["enabled"] is True
    assert report["frozen"] > 10_000  # the objects of the modules loaded before it
