"""Roles on a real PostgreSQL server: the owner upgrades, the runtime role keeps to its place.

The runtime role is what every workstation connects as. After `workup db grant ROLE` it owns
nothing, can create nothing, cannot touch a trigger and can only read and append to the
audit trail; the application still does all of its work as that role.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.catalog.loader import Catalog
from app.cli import run
from app.config import Settings
from app.domain.encounter import EncounterStatus, OrderState, OrderStatus
from app.services import WorkupService
from tests.postgres import APP_ROLE, PostgresCluster, raw_engine
from tests.support import WORKFLOW_ID, FixedClock

pytestmark = pytest.mark.postgres

INSUFFICIENT_PRIVILEGE = "42501"
_NAMES = itertools.count(1)


class Server:
    """One test database on the cluster: the owner's URL and the runtime role's."""

    def __init__(self, cluster: PostgresCluster, database: str, runtime: str) -> None:
        self.cluster = cluster
        self.database = database
        self.runtime = runtime
        self.owner_url = cluster.url(database)
        self.runtime_url = cluster.url(database, user=runtime)

    def superuser(self, *statements: str) -> None:
        """Run statements as the cluster's superuser in this database."""
        with self.cluster.connect(self.database) as connection:
            for statement in statements:
                connection.execute(statement.encode())


def _cli(*arguments: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(arguments), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def server(pg_cluster: PostgresCluster) -> Iterator[Server]:
    """A database owned by the application's owner role, with its schema, and a new
    runtime role that has been given nothing yet."""
    runtime = f"workup_runtime_{next(_NAMES)}"
    pg_cluster.execute([sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(runtime))])
    name = pg_cluster.create_database()
    made = Server(pg_cluster, name, runtime)
    code, _out, err = _cli("--database-url", made.owner_url, "db", "upgrade")
    assert code == 0, err
    yield made
    pg_cluster.drop_database(name)
    pg_cluster.execute([sql.SQL("DROP ROLE {}").format(sql.Identifier(runtime))])


@pytest.fixture
def granted(server: Server) -> Server:
    """The server after `workup db grant` for its runtime role."""
    code, out, err = _cli("--database-url", server.owner_url, "db", "grant", server.runtime)
    assert code == 0, err
    assert "audit_events: SELECT, INSERT\n" in out
    assert "audit_head: SELECT, UPDATE (last_id, last_hash, events)\n" in out
    return server


def _privileges(server: Server) -> list[tuple[str, str]]:
    """Every table, sequence and column privilege list in the schema (as PostgreSQL keeps it)."""
    with raw_engine(server.owner_url, superuser=True) as engine, engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT c.relname || coalesce('.' || a.attname, ''), "
                "coalesce(a.attacl::text, c.relacl::text, '') FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attacl IS NOT NULL "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S') ORDER BY 1, 2"
            )
        )
        return [(str(name), str(acl)) for name, acl in rows]


def test_grant_is_idempotent_and_covers_every_table(granted: Server) -> None:
    before = _privileges(granted)
    assert any(granted.runtime in acl for _name, acl in before)
    code, _out, err = _cli("--database-url", granted.owner_url, "db", "grant", granted.runtime)
    assert code == 0, err
    assert _privileges(granted) == before
    with raw_engine(granted.runtime_url) as engine, engine.connect() as connection:
        tables = connection.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND NOT has_table_privilege(format('%I.%I', schemaname, tablename), 'SELECT')"
            )
        ).all()
        owned = connection.execute(
            text("SELECT count(*) FROM pg_tables WHERE tableowner = current_user")
        ).scalar()
    assert tables == []
    assert owned == 0


ATTACKS = {
    "disable audit trigger": ("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"),
    "disable all answer triggers": "ALTER TABLE answers DISABLE TRIGGER ALL",
    "disable encounter trigger": "ALTER TABLE encounters DISABLE TRIGGER encounters_locked",
    "drop audit trigger": "DROP TRIGGER audit_events_append_only ON audit_events",
    "drop answers trigger": "DROP TRIGGER answers_locked ON answers",
    "drop audit table": "DROP TABLE audit_events",
    "drop encounters table": "DROP TABLE encounters CASCADE",
    "replace trigger function": (
        "CREATE OR REPLACE FUNCTION workup_refuse_audit_change() RETURNS trigger AS "
        "$$ BEGIN RETURN NULL; END $$ LANGUAGE plpgsql"
    ),
    "create table": "CREATE TABLE shadow (id integer)",
    "create trigger": (
        "CREATE TRIGGER quiet BEFORE UPDATE ON answers "
        "FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()"
    ),
    "update audit event": "UPDATE audit_events SET actor = 'someone else'",
    "delete audit event": "DELETE FROM audit_events",
    "truncate audit events": "TRUNCATE audit_events",
    "insert audit head": "INSERT INTO audit_head (id, last_id, last_hash) VALUES (2, 0, 'x')",
    "delete audit head": "DELETE FROM audit_head",
    "move audit head row": "UPDATE audit_head SET id = 2",
    "delete encounter": "DELETE FROM encounters",
    "change patient": "UPDATE patients SET family_name = 'someone else'",
    "change snapshot": "UPDATE workflow_snapshots SET source_text = ''",
    "reset schema revision": "UPDATE alembic_version SET version_num = '0001'",
}


@pytest.mark.parametrize("statement", ATTACKS.values(), ids=ATTACKS.keys())
def test_the_runtime_role_is_refused_every_change_of_schema_and_audit_trail(
    granted: Server, statement: str
) -> None:
    with (
        raw_engine(granted.runtime_url) as engine,
        pytest.raises(DBAPIError) as caught,
        engine.begin() as connection,
    ):
        connection.exec_driver_sql(statement)
    assert getattr(caught.value.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE, str(
        caught.value.orig
    )


def test_the_owner_can_switch_off_the_triggers_which_is_why_workstations_must_not_use_it(
    granted: Server,
) -> None:
    """Not only a superuser: the owner of a table may disable or drop its triggers."""
    with raw_engine(granted.owner_url) as engine, engine.connect() as connection:
        transaction = connection.begin()
        connection.exec_driver_sql(ATTACKS["disable audit trigger"])
        connection.exec_driver_sql(ATTACKS["drop answers trigger"])
        transaction.rollback()


def test_the_application_does_all_its_work_as_the_runtime_role(
    granted: Server, shipped_catalog: Catalog, clock: FixedClock, tmp_path: Path
) -> None:
    service = WorkupService.open(
        Settings(clinic_name="Test"), granted.runtime_url, clock=clock, catalog=shipped_catalog
    )
    try:
        patient = service.create_patient("Ivanov", "Ivan", date(1980, 5, 17), "R-1")
        encounter = service.start_encounter(patient.id or 0, WORKFLOW_ID, "Dr. A")
        encounter_id = encounter.id or 0
        # What autosave does: each change with the value last shown as its base.
        service.set_answer(encounter_id, "hx_sx_fever", "yes", "Dr. A", base=None)
        service.set_answer(encounter_id, "hx_sx_fever", None, "Dr. A", base="yes")
        service.set_answer(encounter_id, "visit_main_complaint", "dry orgasm", "Dr. A", base=None)
        ordered = OrderState(OrderStatus.ORDERED, date(2026, 11, 21))
        service.set_order(encounter_id, "lab_cbc", ordered, "Dr. A", base=None)
        service.set_order(encounter_id, "lab_urinalysis", ordered, "Dr. A", base=None)
        service.set_order(encounter_id, "lab_urinalysis", None, "Dr. A", base=ordered)
        service.set_language(encounter_id, "ru", "Dr. A")
        assert service.finalize(encounter_id, "Dr. A").status is EncounterStatus.FINALIZED
        service.amend(encounter_id, "late result", "Dr. A")
        service.set_answer(encounter_id, "hx_sx_fever", "no", "Dr. A", base=None)
        assert service.finalize(encounter_id, "Dr. A").status is EncounterStatus.AMENDED
        assert service.summary_pdf(encounter_id).startswith(b"%PDF")
        assert service.export_document(encounter_id)
        assert service.export_fhir_bundle(encounter_id)
        assert [row.id for row in service.list_encounters("Ivanov")] == [encounter_id]
        verification = service.verify_audit()
        assert verification.ok, verification.first_problem
    finally:
        service.close()
    url = granted.runtime_url
    pdf = tmp_path / "summary.pdf"
    for arguments in (
        ["export", str(encounter_id), "--out", str(pdf)],
        ["encounters", "export", str(encounter_id), "--out", str(tmp_path / "e.json")],
        ["audit", "verify"],
        ["encounters", "list"],
    ):
        code, _out, err = _cli("--database-url", url, *arguments)
        assert code == 0, err
    code, out, err = _cli("--database-url", url, "db", "check")
    assert (code, err) == (0, "")
    assert out.endswith("ok\n")


def test_db_check_warns_while_the_workstations_use_the_owner(server: Server) -> None:
    code, out, err = _cli("--database-url", server.owner_url, "db", "check")
    assert code == 0
    assert out.endswith("ok\n")
    assert err == (
        f"workup: warning: role '{APP_ROLE}' owns the tables and no other role may use them, "
        "so the workstations connect as the owner: they could alter, disable or drop the "
        "triggers that protect signed records and the audit trail. Create a role for the "
        "workstations and run 'workup db grant ROLE' (see docs/clinic-server.md)\n"
    )


def test_db_check_is_quiet_once_the_runtime_role_is_granted(granted: Server) -> None:
    for url in (granted.owner_url, granted.runtime_url):
        code, out, err = _cli("--database-url", url, "db", "check")
        assert (code, err) == (0, "")
        assert out.endswith("ok\n")


@pytest.mark.parametrize(
    ("statements", "warning"),
    [
        (["ALTER TABLE addenda OWNER TO {runtime}"], "owns the tables"),
        (["GRANT {owner} TO {runtime}"], f"belongs to their owner '{APP_ROLE}'"),
        (["GRANT TRIGGER ON answers TO {runtime}"], "has TRIGGER on answers"),
        (
            ["GRANT UPDATE, DELETE ON audit_events TO {runtime}"],
            "has UPDATE, DELETE on audit_events",
        ),
        (["GRANT TRUNCATE ON encounters TO {runtime}"], "has TRUNCATE on encounters"),
        (["GRANT UPDATE ON audit_head TO {runtime}"], "has UPDATE of its id on audit_head"),
        (["GRANT CREATE ON SCHEMA public TO {runtime}"], "may create tables and functions"),
        (["ALTER ROLE {runtime} SUPERUSER"], "is a superuser"),
    ],
    ids=["owner", "member", "trigger", "audit", "truncate", "head", "schema", "superuser"],
)
def test_db_check_names_what_lets_the_runtime_role_get_round_the_protections(
    granted: Server, statements: list[str], warning: str
) -> None:
    granted.superuser(*(s.format(runtime=granted.runtime, owner=APP_ROLE) for s in statements))
    try:
        for url in (granted.runtime_url, granted.owner_url):
            code, out, err = _cli("--database-url", url, "db", "check")
            assert code == 0
            assert out.endswith("ok\n")
            assert f"workup: warning: role '{granted.runtime}' " in err, (url, err)
            assert warning in err, (url, err)
    finally:
        granted.superuser(f"ALTER ROLE {granted.runtime} NOSUPERUSER")


def test_an_upgrade_as_the_runtime_role_is_refused_in_one_line(granted: Server) -> None:
    with raw_engine(granted.owner_url) as engine, engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
    code, out, err = _cli("--database-url", granted.runtime_url, "db", "upgrade")
    assert (code, out) == (1, "")
    assert err.startswith("workup: upgrade failed: ")
    assert err.endswith("; run it with the URL of the role that owns the tables\n")
    assert err.count("\n") == 1


def test_upgrade_gives_the_runtime_role_its_privileges_on_new_tables(granted: Server) -> None:
    """A table a later migration adds is covered as soon as `db upgrade` has run."""
    with raw_engine(granted.owner_url) as engine, engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE later_table (id serial PRIMARY KEY, note text)")
    code, out, err = _cli("--database-url", granted.owner_url, "db", "upgrade")
    assert code == 0, err
    assert out.endswith(f"privileges of role {granted.runtime} given again on every table\n")
    with raw_engine(granted.runtime_url) as engine:
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO later_table (note) VALUES ('a')")
            assert connection.exec_driver_sql("SELECT count(*) FROM later_table").scalar() == 1
        for statement in ("UPDATE later_table SET note = 'b'", "DELETE FROM later_table"):
            with pytest.raises(DBAPIError) as caught, engine.begin() as connection:
                connection.exec_driver_sql(statement)
            assert getattr(caught.value.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE


def test_grant_refuses_roles_that_would_keep_the_owner_s_power(
    server: Server, tmp_path: Path
) -> None:
    cases = [
        (server.owner_url, "nobody_here", "there is no role 'nobody_here'"),
        (server.owner_url, "postgres", "role 'postgres' is a superuser"),
        (server.owner_url, APP_ROLE, f"role '{APP_ROLE}' is the role this command runs as"),
        (server.runtime_url, server.runtime, "is the role this command runs as"),
        (
            f"sqlite:///{tmp_path / 'local.sqlite3'}",
            server.runtime,
            "roles exist only on a PostgreSQL server",
        ),
    ]
    assert _cli("--database-url", cases[-1][0], "db", "upgrade")[0] == 0
    for url, role, message in cases:
        code, out, err = _cli("--database-url", url, "db", "grant", role)
        assert code == 1, (role, out)
        assert message in err
        assert err.count("\n") == 1
    other = f"{server.runtime}_other"
    server.superuser(f"CREATE ROLE {other} LOGIN")
    try:
        code, _out, err = _cli("--database-url", server.runtime_url, "db", "grant", other)
        assert code == 1
        assert "run 'workup db grant' as the role that owns the tables" in err
    finally:
        server.superuser(f"DROP ROLE {other}")
