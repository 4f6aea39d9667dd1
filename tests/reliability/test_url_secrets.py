"""A database URL's password is never shown: stderr, stdout, the log file, start-up dialogs.

Every spelling clinic IT might type is tried: the `postgres://` alias, the full driver
name, an unknown driver, a URL SQLAlchemy cannot parse, the password in the query string,
special characters raw and %-encoded, and text that is no URL at all.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from app.cli import run
from app.config import Settings
from app.services import UnavailableError, WorkupService, check_database
from app.storage.urls import HIDDEN, NOT_A_URL, hide_secrets, shown_url
from tests.postgres import free_port

SECRET = "Kn0wn-S3cret"
SPECIAL = "p@ss:w/rd%Kn0wn?S3cret#"
PORT = free_port()
ROOT = Path(__file__).resolve().parents[2]

SPELLINGS = {
    "postgres alias": (f"postgres://workup:{SECRET}@127.0.0.1:{PORT}/workup", SECRET),
    "psycopg driver": (f"postgresql+psycopg://workup:{SECRET}@127.0.0.1:{PORT}/workup", SECRET),
    "unknown driver": (f"nosuchdb+driver://workup:{SECRET}@127.0.0.1:{PORT}/workup", SECRET),
    "unparsable port": (f"postgresql+psycopg://workup:{SECRET}@127.0.0.1:port/workup", SECRET),
    "unparsable host": (f"postgresql+psycopg://workup:{SECRET}@[127.0.0.1/workup", SECRET),
    "query password": (
        f"postgresql+psycopg://workup@127.0.0.1:{PORT}/workup?password={SECRET}",
        SECRET,
    ),
    "query key encoded": (
        f"postgresql+psycopg://workup@127.0.0.1:{PORT}/workup?sslmode=disable&Pass%77ord={SECRET}",
        SECRET,
    ),
    "special encoded": (
        f"postgresql+psycopg://workup:{quote(SPECIAL, safe='')}@127.0.0.1:{PORT}/workup",
        SPECIAL,
    ),
    "special raw": (f"postgresql+psycopg://workup:{SPECIAL}@127.0.0.1:{PORT}/workup", SPECIAL),
    "not a url": (f"workup {SECRET} at the clinic server", SECRET),
}
"""Each URL and the password it carries."""


def _spellings(password: str) -> set[str]:
    """The password as written, %-encoded both ways, and its pieces around `@`, `:` and `/`
    (a parser may split a raw password there and quote a piece as a host or a port)."""
    found = {password, quote(password), quote(password, safe=""), quote(password, safe="@:")}
    for separator in "@:/?#%":
        found.update(piece for piece in password.split(separator) if len(piece) >= 4)
    return found


def assert_hidden(text: str, password: str) -> None:
    """Fail when any spelling of `password` occurs in `text`."""
    shown = sorted(spelling for spelling in _spellings(password) if spelling in text)
    assert shown == [], f"password shown as {shown} in: {text!r}"


@pytest.mark.parametrize(("url", "password"), SPELLINGS.values(), ids=SPELLINGS.keys())
def test_a_shown_url_hides_the_password(url: str, password: str) -> None:
    shown = shown_url(url)
    assert_hidden(shown, password)
    assert HIDDEN in shown or shown == NOT_A_URL
    assert_hidden(hide_secrets(f"could not reach {url}", [url]), password)


def test_a_shown_url_keeps_what_identifies_the_server() -> None:
    assert shown_url(SPELLINGS["psycopg driver"][0]) == (
        f"postgresql+psycopg://workup:***@127.0.0.1:{PORT}/workup"
    )
    assert shown_url(f"postgresql://u@h/db?sslmode=require&password={SECRET}&x=1") == (
        "postgresql://u@h/db?sslmode=require&password=***&x=1"
    )
    assert shown_url("postgresql+psycopg://workup@h/db") == "postgresql+psycopg://workup@h/db"
    assert shown_url("sqlite:////home/doctor/workup.sqlite3") == (
        "sqlite:////home/doctor/workup.sqlite3"
    )


@pytest.mark.parametrize(("url", "password"), SPELLINGS.values(), ids=SPELLINGS.keys())
def test_the_service_errors_hide_the_password(url: str, password: str) -> None:
    """What every caller (command, window) shows: the service's own message."""
    with pytest.raises(UnavailableError) as caught:
        WorkupService.open(Settings(), url)
    assert_hidden(str(caught.value), password)
    with pytest.raises(UnavailableError) as caught:
        check_database(url)
    assert_hidden(str(caught.value), password)


@pytest.mark.parametrize(("url", "password"), SPELLINGS.values(), ids=SPELLINGS.keys())
@pytest.mark.parametrize(
    "command",
    [["db", "check"], ["db", "upgrade"], ["encounters", "list"], ["audit", "verify"]],
    ids=" ".join,
)
def test_commands_never_print_the_password(
    url: str, password: str, command: list[str], tmp_path: Path
) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run(["--database-url", url, *command], out, err) != 0
    assert err.getvalue().startswith("workup: ")
    assert err.getvalue().count("\n") == 1, "one line"
    assert_hidden(out.getvalue() + err.getvalue(), password)
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    out, err = io.StringIO(), io.StringIO()
    assert run(["--database-url", source, "db", "copy", "--to", url], out, err) != 0
    assert_hidden(out.getvalue() + err.getvalue(), password)
    out, err = io.StringIO(), io.StringIO()
    assert run(["--database-url", source, "db", "check", "--to", url], out, err) == 2
    assert "unrecognized arguments" in err.getvalue()
    assert_hidden(out.getvalue() + err.getvalue(), password)


@pytest.mark.parametrize(("url", "password"), SPELLINGS.values(), ids=SPELLINGS.keys())
def test_the_workup_process_never_shows_the_password(
    url: str, password: str, tmp_path: Path
) -> None:
    """The real console script, given the URL by option and by environment variable:
    its standard output and error and its log file."""
    environment = {
        **os.environ,
        "WORKUP_DATA_DIR": str(tmp_path / "data"),
        "WORKUP_CONFIG_DIR": str(tmp_path / "config"),
        "PYTHONPATH": str(ROOT),
    }
    runs = [
        (["--database-url", url, "db", "check"], environment),
        (["encounters", "list"], {**environment, "WORKUP_DATABASE_URL": url}),
    ]
    for arguments, env in runs:
        result = subprocess.run(
            [sys.executable, "-m", "app", *arguments],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
            check=False,
        )
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert_hidden(result.stdout + result.stderr, password)
    log = tmp_path / "data" / "logs" / "workup.log"
    assert_hidden(log.read_text(encoding="utf-8") if log.exists() else "", password)
