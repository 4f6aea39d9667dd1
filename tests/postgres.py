"""A throwaway PostgreSQL cluster for the tests: initdb, pg_ctl, one database per test."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

SUPERUSER = "postgres"
APP_ROLE = "workup_app"
"""The application's login role: owns the test databases, is not a superuser."""
APP_PASSWORD = "pw-never-shown"
"""Its password: the cluster trusts the loopback, but the URLs carry one like a clinic's."""

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]
"""Parameters for a `db_backend` fixture that runs a test on both databases."""


class ClusterError(Exception):
    """The throwaway cluster could not be set up, started or stopped."""


def _bindir() -> Path:
    """The folder of initdb and pg_ctl: WORKUP_PG_BINDIR, else Debian's newest version."""
    configured = os.environ.get("WORKUP_PG_BINDIR")
    if configured:
        return Path(configured)
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise ClusterError(
        "PostgreSQL server programs (initdb, pg_ctl) are not installed; "
        "run tools/install-system-deps.sh (Debian package 'postgresql')"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PostgresCluster:
    """A private PostgreSQL cluster in a temporary folder, listening on 127.0.0.1 only.

    As root the server programs run as the `postgres` user (PostgreSQL refuses root);
    otherwise as the current user. Durability is switched off: the data is thrown away.
    """

    SETTINGS: tuple[str, ...] = (
        "fsync=off",
        "synchronous_commit=off",
        "full_page_writes=off",
        "max_connections=60",
    )
    """Server settings: durability off, the data is thrown away."""

    def __init__(self) -> None:
        self.bindir = _bindir()
        self._as_root = os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="workup-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = free_port()
        self._names = itertools.count(1)
        if self._as_root:
            try:
                shutil.chown(self.base, user=SUPERUSER, group=SUPERUSER)
            except (LookupError, OSError) as error:
                raise ClusterError(
                    f"cannot hand {self.base} to the '{SUPERUSER}' user ({error}); "
                    "is the Debian package 'postgresql' installed?"
                ) from error

    def _run(self, program: str, *arguments: str) -> None:
        command: list[str] = [str(self.bindir / program), *arguments]
        if self._as_root:
            command = ["runuser", "-u", SUPERUSER, "--", *command]
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=60, check=False, cwd=self.base
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ClusterError(f"{program} could not run: {error}") from error
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise ClusterError(
                f"{program} failed ({result.returncode}): {result.stderr.strip()[-2000:]}\n{log}"
            )

    def initialise(self) -> None:
        """Create the cluster (superuser `postgres`, trust on the loopback only)."""
        self._run(
            "initdb",
            "--pgdata",
            str(self.data),
            "--username",
            SUPERUSER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C.UTF-8",
            "--no-sync",
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.base}",
                *(f"-c {setting}" for setting in self.SETTINGS),
            ]
        )
        self._run(
            "pg_ctl", "start", "--pgdata", str(self.data), "--log", str(self.log), "--wait",
            "--timeout", "30", "--options", options,
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast` rolls back open transactions and closes connections)."""
        self._run("pg_ctl", "stop", "--pgdata", str(self.data), "--mode", mode, "--wait")

    def running(self) -> bool:
        """Whether the server answers."""
        try:
            with self.connect():
                return True
        except psycopg.OperationalError:
            return False

    def remove(self) -> None:
        """Delete the cluster's folder."""
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, database: str, user: str = APP_ROLE) -> str:
        """The SQLAlchemy URL of `database` as `user`."""
        password = f":{APP_PASSWORD}" if user == APP_ROLE else ""
        return f"postgresql+psycopg://{user}{password}@127.0.0.1:{self.port}/{database}"

    @contextmanager
    def connect(
        self, database: str = "postgres", user: str = SUPERUSER
    ) -> Iterator[psycopg.Connection[Any]]:
        """An autocommit psycopg connection (superuser by default)."""
        connection = psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=user,
            dbname=database,
            autocommit=True,
            connect_timeout=10,
        )
        try:
            yield connection
        finally:
            connection.close()

    def execute(
        self, statements: Sequence[sql.Composed | sql.SQL], database: str = "postgres"
    ) -> None:
        """Run statements as the superuser, each in its own transaction."""
        with self.connect(database) as connection:
            for statement in statements:
                connection.execute(statement)

    def create_role(self) -> None:
        """The application's role, as docs/clinic-server.md tells clinic IT to create it."""
        self.execute(
            [
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(APP_ROLE), sql.Literal(APP_PASSWORD)
                )
            ]
        )

    def create_database(self, template: str = "template0") -> str:
        """A new database owned by the application's role; returns its name."""
        name = f"workup_test_{next(self._names)}"
        self.execute(
            [
                sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE {} STRATEGY FILE_COPY").format(
                    sql.Identifier(name), sql.Identifier(APP_ROLE), sql.Identifier(template)
                )
            ]
        )
        return name

    def drop_database(self, name: str) -> None:
        """Drop a test database, closing whatever is still connected to it."""
        self.execute(
            [sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))]
        )


def start_cluster() -> PostgresCluster:
    """Initialise and start a new cluster with the application's role."""
    cluster = PostgresCluster()
    try:
        cluster.initialise()
        cluster.start()
        cluster.create_role()
    except (ClusterError, psycopg.Error):
        if cluster.running():
            cluster.stop("immediate")
        cluster.remove()
        raise
    return cluster


def unavailable(reason: str) -> NoReturn:
    """Fail (on CI) or skip (locally) a test that needs the PostgreSQL cluster."""
    message = f"PostgreSQL test cluster unavailable: {reason}"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def superuser_url(database_url: str) -> str:
    """The same PostgreSQL database as the cluster's superuser (for tampering in tests)."""
    return (
        make_url(database_url)
        .set(username=SUPERUSER, password=None)
        .render_as_string(hide_password=False)
    )


@contextmanager
def raw_engine(database_url: str, *, superuser: bool = False) -> Iterator[Engine]:
    """A plain engine on a test database, bypassing the application (for tampering).

    With `superuser` a PostgreSQL database is reached as the cluster's superuser.
    """
    url = database_url
    if superuser and make_url(url).get_backend_name() == "postgresql":
        url = superuser_url(url)
    engine = create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def allow_audit_tampering(engine: Engine) -> None:
    """Switch off the database's refusal to change audit events, as an attacker with
    owner or superuser rights could; the chain check must still find the change."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER audit_events_no_update")
            connection.exec_driver_sql("DROP TRIGGER audit_events_no_delete")
        else:
            connection.exec_driver_sql(
                "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"
            )
