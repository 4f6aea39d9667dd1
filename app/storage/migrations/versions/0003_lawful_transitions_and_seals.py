"""Sealed digests, an event count in the audit head, and triggers that allow only lawful changes.

The database itself refuses every status change but these: draft -> finalized (with
signer and time); finalized or amended -> amending, made by inserting the
next addendum (the insert sets the status, every other column untouched); amending ->
amended, made by signing that addendum. A signed encounter's identity and signature never
change; addenda are never deleted and a signed one never changes; answers and orders
cannot be moved into a signed encounter; a workflow snapshot never changes, and neither
does a patient of a signed encounter.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SIGNED = "('finalized', 'amending', 'amended')"
LOCKED = "('finalized', 'amended')"
OPEN_ADDENDUM = (
    "EXISTS (SELECT 1 FROM addenda WHERE addenda.encounter_id = NEW.id "
    "AND addenda.signed_at IS NULL)"
)
NEWEST_SIGNED = (
    "EXISTS (SELECT 1 FROM addenda WHERE addenda.encounter_id = NEW.id "
    "AND addenda.signed_at IS NOT NULL AND addenda.seq = "
    "(SELECT MAX(seq) FROM addenda WHERE addenda.encounter_id = NEW.id))"
)
FROZEN_WHEN_SIGNED = (
    "uid",
    "patient_id",
    "snapshot_id",
    "clinician",
    "created_at",
    "finalized_by",
    "finalized_at",
    "sealed_digest",
)
ADDENDUM_FIXED = ("encounter_id", "seq", "reason", "opened_by", "opened_at")

# The lawful status changes of one encounter row (NEW and OLD as in a row trigger).
LAWFUL_TRANSITION = f"""(
    (OLD.status = 'draft' AND NEW.status = 'draft')
    OR (OLD.status = 'draft' AND NEW.status = 'finalized' AND NEW.finalized_by IS NOT NULL
        AND NEW.finalized_at IS NOT NULL)
    OR (OLD.status IN {LOCKED} AND NEW.status = 'amending' AND {OPEN_ADDENDUM}
        AND NEW.revision = OLD.revision AND NEW.updated_at = OLD.updated_at
        AND NEW.language = OLD.language)
    OR (OLD.status = 'amending' AND NEW.status = 'amending' AND {OPEN_ADDENDUM})
    OR (OLD.status = 'amending' AND NEW.status = 'amended' AND NOT {OPEN_ADDENDUM}
        AND {NEWEST_SIGNED})
)"""


ADDENDUM_OPENED = "an addendum is opened unsigned, next in number, on a signed encounter"


def _changed(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"NEW.{column} IS DISTINCT FROM OLD.{column}" for column in columns)


def _sqlite_changed(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in columns)


OLD_SQLITE_TRIGGERS = (
    "encounters_locked_update",
    "encounters_locked_delete",
    "addenda_signed_update",
)
NEW_SQLITE_TRIGGERS = (
    "encounters_new_is_draft",
    "encounters_signed_fixed",
    "encounters_lawful_transition",
    "encounters_signed_delete",
    "addenda_insert",
    "addenda_insert_opens",
    "addenda_signed_update",
    "addenda_sign_only",
    "addenda_signing_closes",
    "addenda_no_delete",
    "answers_locked_move",
    "order_states_locked_move",
    "patients_signed_update",
    "patients_signed_delete",
    "workflow_snapshots_no_update",
    "workflow_snapshots_used_delete",
)


def _raise(message: str) -> str:
    return f"BEGIN SELECT RAISE(ABORT, 'refused: {message}'); END"


SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER encounters_new_is_draft BEFORE INSERT ON encounters
    WHEN NEW.status <> 'draft' OR NEW.finalized_by IS NOT NULL OR NEW.finalized_at IS NOT NULL
        OR NEW.sealed_digest IS NOT NULL
    {_raise("a new encounter is an unsigned draft")}
    """,
    f"""
    CREATE TRIGGER encounters_signed_fixed BEFORE UPDATE ON encounters
    WHEN OLD.status IN {SIGNED} AND ({_sqlite_changed(FROZEN_WHEN_SIGNED)})
    {_raise("a signed encounter keeps its patient, workflow, clinician and signature")}
    """,
    f"""
    CREATE TRIGGER encounters_lawful_transition BEFORE UPDATE ON encounters
    WHEN NOT {LAWFUL_TRANSITION}
    BEGIN SELECT RAISE(ABORT, 'refused: unlawful encounter status change'); END
    """,
    f"""
    CREATE TRIGGER encounters_signed_delete BEFORE DELETE ON encounters
    WHEN OLD.status <> 'draft'
    {_raise("a signed encounter is never deleted")}
    """,
    f"""
    CREATE TRIGGER addenda_insert BEFORE INSERT ON addenda
    WHEN (SELECT status FROM encounters WHERE id = NEW.encounter_id) IS NOT 'finalized'
        AND (SELECT status FROM encounters WHERE id = NEW.encounter_id) IS NOT 'amended'
        OR NEW.signed_by IS NOT NULL OR NEW.signed_at IS NOT NULL
        OR NEW.sealed_digest IS NOT NULL
        OR NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM addenda
                           WHERE encounter_id = NEW.encounter_id)
    {_raise(ADDENDUM_OPENED)}
    """,
    """
    CREATE TRIGGER addenda_insert_opens AFTER INSERT ON addenda
    BEGIN UPDATE encounters SET status = 'amending' WHERE id = NEW.encounter_id; END
    """,
    """
    CREATE TRIGGER addenda_signed_update BEFORE UPDATE ON addenda
    WHEN OLD.signed_at IS NOT NULL OR OLD.signed_by IS NOT NULL OR OLD.sealed_digest IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'addendum is signed'); END
    """,
    f"""
    CREATE TRIGGER addenda_sign_only BEFORE UPDATE ON addenda
    WHEN ({_sqlite_changed(ADDENDUM_FIXED)})
        OR NEW.signed_by IS NULL OR NEW.signed_at IS NULL
        OR (SELECT status FROM encounters WHERE id = OLD.encounter_id) IS NOT 'amending'
    {_raise("an open addendum is only signed (with signer and time)")}
    """,
    """
    CREATE TRIGGER addenda_signing_closes AFTER UPDATE ON addenda
    BEGIN UPDATE encounters SET status = 'amended' WHERE id = NEW.encounter_id; END
    """,
    f"""
    CREATE TRIGGER addenda_no_delete BEFORE DELETE ON addenda
    {_raise("addenda are never deleted")}
    """,
    *[
        f"""
        CREATE TRIGGER {table}_locked_move BEFORE UPDATE ON {table}
        WHEN (SELECT status FROM encounters WHERE id = NEW.encounter_id) IN {LOCKED}
        BEGIN SELECT RAISE(ABORT, 'encounter is finalized'); END
        """
        for table in ("answers", "order_states")
    ],
    f"""
    CREATE TRIGGER patients_signed_update BEFORE UPDATE ON patients
    WHEN EXISTS (SELECT 1 FROM encounters WHERE patient_id = OLD.id AND status IN {SIGNED})
    {_raise("the patient of a signed encounter does not change")}
    """,
    f"""
    CREATE TRIGGER patients_signed_delete BEFORE DELETE ON patients
    WHEN EXISTS (SELECT 1 FROM encounters WHERE patient_id = OLD.id)
    {_raise("a patient with encounters is not deleted")}
    """,
    f"""
    CREATE TRIGGER workflow_snapshots_no_update BEFORE UPDATE ON workflow_snapshots
    {_raise("a workflow snapshot never changes")}
    """,
    f"""
    CREATE TRIGGER workflow_snapshots_used_delete BEFORE DELETE ON workflow_snapshots
    WHEN EXISTS (SELECT 1 FROM encounters WHERE snapshot_id = OLD.id)
    {_raise("a workflow snapshot in use is not deleted")}
    """,
]

OLD_POSTGRESQL = (
    ("encounters_locked", "encounters", "workup_refuse_locked_encounter"),
    ("addenda_signed", "addenda", "workup_refuse_signed_addendum"),
)
NEW_POSTGRESQL = (
    ("encounters_lawful", "encounters", "workup_encounter_lawful"),
    ("encounters_new_is_draft", "encounters", "workup_encounter_new_is_draft"),
    ("addenda_lawful", "addenda", "workup_addendum_lawful"),
    ("addenda_status", "addenda", "workup_addendum_status"),
    ("answers_locked_move", "answers", "workup_refuse_locked_move"),
    ("order_states_locked_move", "order_states", "workup_refuse_locked_move"),
    ("patients_signed", "patients", "workup_patient_signed"),
    ("workflow_snapshots_fixed", "workflow_snapshots", "workup_snapshot_fixed"),
)


def _pg_raise(message: str) -> str:
    return f"RAISE EXCEPTION 'refused: {message}'"


POSTGRESQL_TRIGGERS = [
    f"""
    CREATE FUNCTION workup_encounter_new_is_draft() RETURNS trigger AS $$
    BEGIN
        IF NEW.status <> 'draft' OR NEW.finalized_by IS NOT NULL
                OR NEW.finalized_at IS NOT NULL OR NEW.sealed_digest IS NOT NULL THEN
            {_pg_raise("a new encounter is an unsigned draft")};
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER encounters_new_is_draft BEFORE INSERT ON encounters
    FOR EACH ROW EXECUTE FUNCTION workup_encounter_new_is_draft()
    """,
    f"""
    CREATE FUNCTION workup_encounter_lawful() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            IF OLD.status <> 'draft' THEN
                {_pg_raise("a signed encounter is never deleted")};
            END IF;
            RETURN OLD;
        END IF;
        IF OLD.status IN {SIGNED} AND ({_changed(FROZEN_WHEN_SIGNED)}) THEN
            {_pg_raise("a signed encounter keeps its patient, workflow, clinician and signature")};
        END IF;
        IF NOT {LAWFUL_TRANSITION} THEN
            {_pg_raise("unlawful encounter status change")};
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER encounters_lawful BEFORE UPDATE OR DELETE ON encounters
    FOR EACH ROW EXECUTE FUNCTION workup_encounter_lawful()
    """,
    f"""
    CREATE FUNCTION workup_addendum_lawful() RETURNS trigger AS $$
    DECLARE
        state text;
    BEGIN
        IF TG_OP = 'DELETE' THEN
            {_pg_raise("addenda are never deleted")};
        END IF;
        IF TG_OP = 'INSERT' THEN
            SELECT status INTO state FROM encounters WHERE id = NEW.encounter_id FOR UPDATE;
            IF state IS NULL OR state NOT IN {LOCKED}
                    OR NEW.signed_by IS NOT NULL OR NEW.signed_at IS NOT NULL
                    OR NEW.sealed_digest IS NOT NULL
                    OR NEW.seq IS DISTINCT FROM (SELECT COALESCE(MAX(seq), 0) + 1 FROM addenda
                                                 WHERE encounter_id = NEW.encounter_id) THEN
                {_pg_raise(ADDENDUM_OPENED)};
            END IF;
            RETURN NEW;
        END IF;
        IF OLD.signed_at IS NOT NULL OR OLD.signed_by IS NOT NULL
                OR OLD.sealed_digest IS NOT NULL THEN
            RAISE EXCEPTION 'addendum is signed';
        END IF;
        SELECT status INTO state FROM encounters WHERE id = OLD.encounter_id;
        IF ({_changed(ADDENDUM_FIXED)})
                OR NEW.signed_by IS NULL OR NEW.signed_at IS NULL
                OR state IS DISTINCT FROM 'amending' THEN
            {_pg_raise("an open addendum is only signed (with signer and time)")};
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER addenda_lawful BEFORE INSERT OR UPDATE OR DELETE ON addenda
    FOR EACH ROW EXECUTE FUNCTION workup_addendum_lawful()
    """,
    """
    CREATE FUNCTION workup_addendum_status() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            UPDATE encounters SET status = 'amending' WHERE id = NEW.encounter_id;
        ELSE
            UPDATE encounters SET status = 'amended' WHERE id = NEW.encounter_id;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER addenda_status AFTER INSERT OR UPDATE ON addenda
    FOR EACH ROW EXECUTE FUNCTION workup_addendum_status()
    """,
    f"""
    CREATE FUNCTION workup_refuse_locked_move() RETURNS trigger AS $$
    BEGIN
        IF (SELECT status FROM encounters WHERE id = NEW.encounter_id) IN {LOCKED} THEN
            RAISE EXCEPTION 'encounter is finalized';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    *[
        f"""
        CREATE TRIGGER {table}_locked_move BEFORE UPDATE ON {table}
        FOR EACH ROW EXECUTE FUNCTION workup_refuse_locked_move()
        """
        for table in ("answers", "order_states")
    ],
    f"""
    CREATE FUNCTION workup_patient_signed() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM encounters WHERE patient_id = OLD.id) THEN
            {_pg_raise("a patient with encounters is not deleted")};
        END IF;
        IF EXISTS (SELECT 1 FROM encounters WHERE patient_id = OLD.id AND status IN {SIGNED}) THEN
            {_pg_raise("the patient of a signed encounter does not change")};
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER patients_signed BEFORE UPDATE OR DELETE ON patients
    FOR EACH ROW EXECUTE FUNCTION workup_patient_signed()
    """,
    f"""
    CREATE FUNCTION workup_snapshot_fixed() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            {_pg_raise("a workflow snapshot never changes")};
        END IF;
        IF EXISTS (SELECT 1 FROM encounters WHERE snapshot_id = OLD.id) THEN
            {_pg_raise("a workflow snapshot in use is not deleted")};
        END IF;
        RETURN OLD;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER workflow_snapshots_fixed BEFORE UPDATE OR DELETE ON workflow_snapshots
    FOR EACH ROW EXECUTE FUNCTION workup_snapshot_fixed()
    """,
]


def upgrade() -> None:
    """Add the sealed digests and the event count; replace the encounter and addendum triggers."""
    op.add_column("encounters", sa.Column("sealed_digest", sa.String(64)))
    op.add_column("addenda", sa.Column("sealed_digest", sa.String(64)))
    op.add_column("audit_head", sa.Column("events", sa.Integer, nullable=False, server_default="0"))
    op.add_column(
        "audit_head", sa.Column("sealed_from", sa.Integer, nullable=False, server_default="1")
    )
    op.execute(
        "UPDATE audit_head SET events = (SELECT COUNT(*) FROM audit_events), "
        "sealed_from = (SELECT COALESCE(MAX(id), 0) + 1 FROM audit_events)"
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in OLD_SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    elif dialect == "postgresql":
        for trigger, table, function in OLD_POSTGRESQL:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
        for statement in POSTGRESQL_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    """Back to the triggers and columns of 0002 (the sealed digests are lost)."""
    initial = importlib.import_module("app.storage.migrations.versions.0001_initial")
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in NEW_SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in initial.SQLITE_TRIGGERS:
            if any(f"TRIGGER {name} " in statement for name in OLD_SQLITE_TRIGGERS):
                op.execute(statement)
    elif dialect == "postgresql":
        functions = {function for _trigger, _table, function in NEW_POSTGRESQL}
        for trigger, table, _function in NEW_POSTGRESQL:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        for function in sorted(functions):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
        old_functions = {function for _trigger, _table, function in OLD_POSTGRESQL}
        old_triggers = {trigger for trigger, _table, _function in OLD_POSTGRESQL}
        for statement in initial.POSTGRESQL_TRIGGERS:
            if any(
                f"FUNCTION {name}()" in statement.split("RETURNS")[0] for name in old_functions
            ) or any(f"TRIGGER {name} " in statement for name in old_triggers):
                op.execute(statement)
    op.drop_column("audit_head", "sealed_from")
    op.drop_column("audit_head", "events")
    op.drop_column("addenda", "sealed_digest")
    op.drop_column("encounters", "sealed_digest")
