"""Shared fixtures: isolated folders, a fixed clock, databases (SQLite or PostgreSQL), a service."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings as hypothesis_settings

from app.catalog.loader import Catalog
from app.config import Settings, shipped_workflows_dir
from app.domain.workflow import Workflow
from app.services import WorkupService
from app.storage.database import open_database
from tests.postgres import ClusterError, PostgresCluster, start_cluster, unavailable
from tests.support import WORKFLOW_ID, FixedClock

# CI draws the same examples every run (a failure there is repeatable), locally they vary.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "default")


@pytest.fixture(autouse=True)
def _isolated_folders(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests never read or write the real user's settings, data or logs."""
    base = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("WORKUP_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("WORKUP_DATA_DIR", str(base / "data"))
    monkeypatch.delenv("WORKUP_DATABASE_URL", raising=False)
    monkeypatch.delenv("WORKUP_WORKFLOWS_DIR", raising=False)
    monkeypatch.setenv("WORKUP_WORKSTATION", "test-station")


@pytest.fixture(scope="session")
def shipped_catalog() -> Catalog:
    """The shipped workflows, loaded once."""
    return Catalog.load([shipped_workflows_dir()])


@pytest.fixture(scope="session")
def workflow(shipped_catalog: Catalog) -> Workflow:
    """The shipped retrograde-ejaculation workflow."""
    return shipped_catalog.get(WORKFLOW_ID)


@pytest.fixture
def clock() -> FixedClock:
    """A clock fixed at midday UTC on 2026-11-21."""
    return FixedClock(datetime(2026, 11, 21, 12, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL server for the whole session, started on first use.

    When it cannot start, its tests fail on CI (CI=true) and are skipped elsewhere.
    """
    try:
        cluster = start_cluster()
    except (ClusterError, psycopg.Error) as error:
        unavailable(str(error))
    yield cluster
    try:
        cluster.stop("immediate")
    finally:
        cluster.remove()


@pytest.fixture
def db_backend() -> str:
    """The database kind `database_url` gives; modules override it to run on both."""
    return "sqlite"


@pytest.fixture
def database_url(db_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new database on the test cluster."""
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'workup.sqlite3'}"
        return
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    name = cluster.create_database()
    yield cluster.url(name)
    cluster.drop_database(name)


@pytest.fixture
def service(
    database_url: str, clock: FixedClock, shipped_catalog: Catalog
) -> Iterator[WorkupService]:
    """A service on a fresh database (schema created, on a server too) with the shipped catalog."""
    opened = WorkupService.open(
        Settings(clinic_name="Test clinic"),
        database_url,
        clock=clock,
        catalog=shipped_catalog,
        auto_upgrade=True,
    )
    yield opened
    opened.close()


@pytest.fixture
def other_station(
    service: WorkupService, database_url: str, clock: FixedClock, shipped_catalog: Catalog
) -> Iterator[WorkupService]:
    """A second workstation: its own engine and connections on the same database."""
    opened = WorkupService(
        open_database(database_url), shipped_catalog, service.settings, clock, "station-b"
    )
    yield opened
    opened.close()
