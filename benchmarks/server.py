"""The benchmark's own PostgreSQL server: a durable private cluster loaded with the data.

The cluster is the tests' throwaway cluster (tests/postgres.py: initdb and pg_ctl in a
temporary folder, as the `postgres` user when run as root, a free port on 127.0.0.1), but
started durable (fsync, synchronous_commit and full-page writes on, as a clinic's server
runs), so an autosave's commit waits for the server's disk as the SQLite figure waits for
the file's. The generated SQLite database is loaded with `workup db copy`, timed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.postgres import APP_ROLE, PostgresCluster

DATABASE = "workup_bench"


class DurableCluster(PostgresCluster):
    """The tests' cluster, started with the durability a clinic's server has."""

    SETTINGS = (
        "fsync=on",
        "synchronous_commit=on",
        "full_page_writes=on",
        "max_connections=60",
        "shared_buffers=256MB",
    )


@dataclass(frozen=True)
class Server:
    """A running benchmark server and what loading it took."""

    cluster: PostgresCluster
    url: str
    """The application's URL (its own login role, the owner of the database)."""
    load_seconds: float


def _start() -> PostgresCluster:
    cluster = DurableCluster()
    try:
        cluster.initialise()
        cluster.start()
        cluster.create_role()
    except Exception:
        if cluster.running():
            cluster.stop("immediate")
        cluster.remove()
        raise
    return cluster


def load(source: Path, url: str) -> float:
    """Seconds `workup db copy` takes to copy the SQLite file `source` into `url`."""
    workup = str(Path(sys.executable).with_name("workup"))
    started = time.perf_counter()
    copied = subprocess.run(
        [workup, "--database-url", f"sqlite:///{source.resolve()}", "db", "copy", "--to", url],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=1800,
    )
    seconds = time.perf_counter() - started
    if copied.returncode != 0:
        raise RuntimeError(f"workup db copy failed: {copied.stderr.strip()[-500:]}")
    with psql(url) as connection:
        connection.execute("VACUUM ANALYZE")
    return seconds


@contextmanager
def psql(url: str) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit psycopg connection to a SQLAlchemy PostgreSQL URL."""
    parsed = make_url(url)
    connection = psycopg.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.username,
        password=parsed.password,
        dbname=parsed.database,
        autocommit=True,
    )
    try:
        yield connection
    finally:
        connection.close()


@contextmanager
def server(source: Path) -> Iterator[Server]:
    """A durable cluster with the data of `source` loaded; stopped and removed at the end."""
    cluster = _start()
    try:
        cluster.execute(
            [
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(DATABASE), sql.Identifier(APP_ROLE)
                )
            ]
        )
        url = cluster.url(DATABASE)
        seconds = load(source, url)
        yield Server(cluster, url, seconds)
    finally:
        if cluster.running():
            cluster.stop("fast")
        cluster.remove()
