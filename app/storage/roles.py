"""PostgreSQL roles: the owner that upgrades the schema, and the runtime role workstations use.

The owner role owns the tables and runs `workup db upgrade`; only an owner (or a superuser)
may alter, disable or drop a table's triggers. The runtime role owns nothing, may not
create anything, and holds only the privileges the application needs on each table: on
the audit tables no more than reading and appending (see RUNTIME_PRIVILEGES).

Grants are given per table over every table of the schema, so that tables added by later
migrations are covered: a table this version does not know gets SELECT and INSERT only.
`workup db upgrade` gives them again to every role that held any, after the migrations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, NamedTuple

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from app.storage.database import Database, check_schema, describe_error
from app.storage.errors import DatabaseUnavailableError, StorageError

RUNTIME_PRIVILEGES: Final[dict[str, tuple[str, ...]]] = {
    "alembic_version": ("SELECT",),
    "patients": ("SELECT", "INSERT"),
    "workflow_snapshots": ("SELECT", "INSERT"),
    "encounters": ("SELECT", "INSERT", "UPDATE"),
    "answers": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    "order_states": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    "addenda": ("SELECT", "INSERT", "UPDATE"),
    "audit_events": ("SELECT", "INSERT"),
    # The one head row holds the newest event's id and hash; every writer of the chain
    # locks it (SELECT ... FOR UPDATE, which PostgreSQL allows only with UPDATE) and moves
    # it on. So the runtime role may update these two columns of it and nothing else: no
    # new rows, no deletion, no other column. Moving the head can only make `audit verify`
    # report a problem; it cannot hide one, since events themselves cannot be changed.
    "audit_head": ("SELECT", "UPDATE (last_id, last_hash, events)"),
}
"""What the runtime role may do on each table the application knows."""
UNKNOWN_TABLE_PRIVILEGES: Final = ("SELECT", "INSERT")
"""What it may do on a table of the schema that this version does not know."""
AUDIT_TABLES: Final = ("audit_events", "audit_head")
_TABLE_PRIVILEGES: Final = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


class RoleError(StorageError):
    """A role cannot be given the runtime privileges (unknown, superuser, owner, ...)."""


class Grant(NamedTuple):
    """The privileges one table grants the runtime role."""

    table: str
    privileges: tuple[str, ...]


class _Table(NamedTuple):
    name: str
    owner: str


def privileges_for(table: str) -> tuple[str, ...]:
    """The runtime role's privileges on `table`."""
    return RUNTIME_PRIVILEGES.get(table, UNKNOWN_TABLE_PRIVILEGES)


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)


def _tables(connection: Connection) -> list[_Table]:
    rows = connection.execute(
        text(
            "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname"
        )
    )
    return [_Table(str(name), str(owner)) for name, owner in rows]


def _runtime_grantees(connection: Connection) -> list[str]:
    """Roles other than a table's owner that hold any privilege on a table of the schema."""
    rows = connection.execute(
        text(
            "SELECT DISTINCT pg_get_userbyid(a.grantee) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "CROSS JOIN LATERAL aclexplode(c.relacl) a "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
            "AND a.grantee <> 0 AND a.grantee <> c.relowner ORDER BY 1"
        )
    )
    return [str(row[0]) for row in rows]


def _require_postgresql(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        raise RoleError(
            f"{database.label}: roles exist only on a PostgreSQL server; a SQLite file is "
            "protected by the permissions of its folder"
        )


def _refuse_role(connection: Connection, role: str, tables: Sequence[_Table]) -> None:
    found = connection.execute(
        text("SELECT rolsuper FROM pg_roles WHERE rolname = :role"), {"role": role}
    ).first()
    if found is None:
        raise RoleError(f"there is no role '{role}'; create it first (CREATE ROLE ... LOGIN)")
    if found[0]:
        raise RoleError(
            f"role '{role}' is a superuser: it could switch off every protection; give the "
            "workstations a role without superuser rights"
        )
    current = str(connection.execute(text("SELECT current_user")).scalar_one())
    if role == current:
        raise RoleError(
            f"role '{role}' is the role this command runs as, the owner of the tables; give "
            "the workstations another role"
        )
    for table in tables:
        if not connection.execute(
            text("SELECT pg_has_role(current_user, :owner, 'USAGE')"), {"owner": table.owner}
        ).scalar_one():
            raise RoleError(
                f"table {table.name} belongs to role '{table.owner}'; run 'workup db grant' "
                "as the role that owns the tables (the one that runs 'workup db upgrade')"
            )
        if connection.execute(
            text("SELECT pg_has_role(:role, :owner, 'MEMBER')"),
            {"role": role, "owner": table.owner},
        ).scalar_one():
            raise RoleError(
                f"role '{role}' is or belongs to '{table.owner}', the owner of the tables, so it "
                "could alter or drop their triggers; give the workstations a role of their own"
            )


def grant_runtime_role(database: Database, role: str) -> list[Grant]:
    """Give `role` exactly the runtime privileges on every table of the schema.

    Run as the owner of the tables. Whatever `role` held before on these tables, their
    sequences and the schema is taken away first, so running it again changes nothing.
    """
    _require_postgresql(database)
    try:
        with database.engine.begin() as connection:
            tables = _tables(connection)
            _refuse_role(connection, role, tables)
            check_schema(database)
            return _grant(connection, role, tables)
    except DBAPIError as error:
        raise DatabaseUnavailableError(describe_error(database.label, error)) from error


def _grant(connection: Connection, role: str, tables: Sequence[_Table]) -> list[Grant]:
    grantee = _quote(connection, role)
    names = connection.execute(text("SELECT current_schema(), current_database()")).one()
    schema, database = _quote(connection, str(names[0])), _quote(connection, str(names[1]))
    owns_schema = _is(
        connection,
        "pg_has_role(current_user, nspowner, 'USAGE') FROM pg_namespace "
        "WHERE nspname = current_schema()",
    )
    statements = [
        # Before PostgreSQL 15 every role may create tables in the public schema.
        *([f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC"] if owns_schema else []),
        f"GRANT CONNECT ON DATABASE {database} TO {grantee}",
        f"REVOKE CREATE, TEMPORARY ON DATABASE {database} FROM {grantee}",
        f"GRANT USAGE ON SCHEMA {schema} TO {grantee}",
        f"REVOKE CREATE ON SCHEMA {schema} FROM {grantee}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {grantee}",
        # New rows take their ids from the tables' sequences.
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {grantee}",
    ]
    grants: list[Grant] = []
    for table in tables:
        privileges = privileges_for(table.name)
        name = _quote(connection, table.name)
        statements.append(f"REVOKE ALL ON TABLE {name} FROM {grantee}")
        statements.append(f"GRANT {', '.join(privileges)} ON TABLE {name} TO {grantee}")
        grants.append(Grant(table.name, privileges))
    for statement in statements:
        connection.exec_driver_sql(statement)
    return grants


def regrant_runtime_roles(database: Database) -> list[str]:
    """Give every role that holds privileges on the tables exactly the runtime ones again
    (after an upgrade, so that tables it added are covered); return those roles."""
    if database.engine.dialect.name != "postgresql":
        return []
    try:
        with database.engine.begin() as connection:
            tables = _tables(connection)
            roles = _runtime_grantees(connection)
            renewed = []
            for role in roles:
                try:
                    _refuse_role(connection, role, tables)
                except RoleError:
                    continue  # a superuser needs no grants; `db check` names it
                _grant(connection, role, tables)
                renewed.append(role)
    except DBAPIError as error:
        raise DatabaseUnavailableError(describe_error(database.label, error)) from error
    return renewed


def role_warnings(database: Database) -> list[str]:
    """What lets a workstation's role change the schema or get round the protections.

    Checked as the runtime role, it checks itself; checked as the owner of the tables, it
    checks every other role that holds privileges on them, and warns when there is none
    (the workstations then use the owner).
    """
    if database.engine.dialect.name != "postgresql":
        return []
    try:
        with database.engine.connect() as connection:
            return _warnings(connection)
    except SQLAlchemyError as error:
        raise DatabaseUnavailableError(describe_error(database.label, error)) from error


def _is(connection: Connection, query: str, **values: str) -> bool:
    return bool(connection.execute(text(f"SELECT {query}"), values).scalar())


def _warnings(connection: Connection) -> list[str]:
    tables = _tables(connection)
    if not tables:
        return []
    current = str(connection.execute(text("SELECT current_user")).scalar_one())
    owners = sorted({table.owner for table in tables})
    is_owner = any(
        _is(connection, "pg_has_role(:role, :owner, 'MEMBER')", role=current, owner=owner)
        for owner in owners
    )
    if not is_owner:
        return _role_warnings(connection, current, tables)
    grantees = _runtime_grantees(connection)
    if not grantees:
        return [
            f"role '{current}' owns the tables and no other role may use them, so the "
            "workstations connect as the owner: they could alter, disable or drop the "
            "triggers that protect signed records and the audit trail. Create a role for "
            "the workstations and run 'workup db grant ROLE' (see docs/clinic-server.md)"
        ]
    return [line for role in grantees for line in _role_warnings(connection, role, tables)]


def _role_warnings(connection: Connection, role: str, tables: Sequence[_Table]) -> list[str]:
    found: list[str] = []
    if _is(connection, "rolsuper FROM pg_roles WHERE rolname = :role", role=role):
        found.append("is a superuser: it can switch off every protection")
    owned = sorted(
        {
            table.owner
            for table in tables
            if _is(connection, "pg_has_role(:role, :owner, 'MEMBER')", role=role, owner=table.owner)
        }
    )
    if owned:
        found.append(
            f"owns the tables (or belongs to their owner '{owned[0]}'): it can alter, disable "
            "or drop their triggers"
        )
    if _is(connection, "has_schema_privilege(:role, current_schema(), 'CREATE')", role=role):
        found.append("may create tables and functions in the schema")
    if _is(connection, "has_database_privilege(:role, current_database(), 'CREATE')", role=role):
        found.append("may create schemas in the database")
    for table in tables:
        allowed = {privilege.split()[0] for privilege in privileges_for(table.name)}
        extra = [
            privilege
            for privilege in _TABLE_PRIVILEGES
            if privilege not in allowed
            and _is(
                connection,
                "has_table_privilege(:role, :table, :privilege)",
                role=role,
                table=table.name,
                privilege=privilege,
            )
        ]
        if table.name == "audit_head" and _is(
            connection, "has_column_privilege(:role, 'audit_head', 'id', 'UPDATE')", role=role
        ):
            extra.append("UPDATE of its id")
        if extra:
            found.append(f"has {', '.join(extra)} on {table.name}, which it does not need")
    return [f"role '{role}' {problem}" for problem in found]
