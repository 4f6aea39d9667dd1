"""Initial schema: patients, workflow snapshots, encounters, answers, orders, addenda, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64
LOCKED = "('finalized', 'amended')"

SQLITE_TRIGGERS = [
    # The storage itself refuses changes to a finalized or amended encounter.
    *[
        f"""
        CREATE TRIGGER {table}_locked_{verb.lower()} BEFORE {verb} ON {table}
        WHEN (SELECT status FROM encounters WHERE id = {row}.encounter_id) IN {LOCKED}
        BEGIN SELECT RAISE(ABORT, 'encounter is finalized'); END
        """
        for table in ("answers", "order_states")
        for verb, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD"))
    ],
    f"""
    CREATE TRIGGER encounters_locked_update BEFORE UPDATE ON encounters
    WHEN OLD.status IN {LOCKED} AND NEW.status <> 'amending'
    BEGIN SELECT RAISE(ABORT, 'encounter is finalized'); END
    """,
    f"""
    CREATE TRIGGER encounters_locked_delete BEFORE DELETE ON encounters
    WHEN OLD.status IN {LOCKED}
    BEGIN SELECT RAISE(ABORT, 'encounter is finalized'); END
    """,
    """
    CREATE TRIGGER addenda_signed_update BEFORE UPDATE ON addenda
    WHEN OLD.signed_at IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'addendum is signed'); END
    """,
    """
    CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
    """,
    """
    CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
    """,
]

POSTGRESQL_TRIGGERS = [
    f"""
    CREATE FUNCTION workup_refuse_locked_child() RETURNS trigger AS $$
    DECLARE
        target integer;
    BEGIN
        IF TG_OP = 'INSERT' THEN
            target := NEW.encounter_id;
        ELSE
            target := OLD.encounter_id;
        END IF;
        IF (SELECT status FROM encounters WHERE id = target) IN {LOCKED} THEN
            RAISE EXCEPTION 'encounter is finalized';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    *[
        f"""
        CREATE TRIGGER {table}_locked BEFORE INSERT OR UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION workup_refuse_locked_child()
        """
        for table in ("answers", "order_states")
    ],
    f"""
    CREATE FUNCTION workup_refuse_locked_encounter() RETURNS trigger AS $$
    BEGIN
        IF OLD.status IN {LOCKED} AND (TG_OP = 'DELETE' OR NEW.status <> 'amending') THEN
            RAISE EXCEPTION 'encounter is finalized';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER encounters_locked BEFORE UPDATE OR DELETE ON encounters
    FOR EACH ROW EXECUTE FUNCTION workup_refuse_locked_encounter()
    """,
    """
    CREATE FUNCTION workup_refuse_signed_addendum() RETURNS trigger AS $$
    BEGIN
        IF OLD.signed_at IS NOT NULL THEN RAISE EXCEPTION 'addendum is signed'; END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER addenda_signed BEFORE UPDATE ON addenda
    FOR EACH ROW EXECUTE FUNCTION workup_refuse_signed_addendum()
    """,
    """
    CREATE FUNCTION workup_refuse_audit_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'audit events are append-only';
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION workup_refuse_audit_change()
    """,
]


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create every table, index and protective trigger."""
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("family_name", sa.String(200), nullable=False),
        sa.Column("given_name", sa.String(200), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("chart_number", sa.String(64), unique=True),
        sa.Column("name_key", sa.String(401), nullable=False),
        sa.Column("given_key", sa.String(200), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
    )
    op.create_index("ix_patients_name_key", "patients", ["name_key"])
    op.create_index("ix_patients_given_key", "patients", ["given_key"])
    op.create_table(
        "workflow_snapshots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("workflow_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("source_text", sa.Text, nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
    )
    op.create_table(
        "encounters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uid", sa.String(36), nullable=False, unique=True),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patients.id"), nullable=False),
        sa.Column(
            "snapshot_id", sa.Integer, sa.ForeignKey("workflow_snapshots.id"), nullable=False
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("clinician", sa.String(200), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("finalized_by", sa.String(200)),
        sa.Column("finalized_at", _timestamp()),
    )
    op.create_index("ix_encounters_patient_id", "encounters", ["patient_id"])
    op.create_index("ix_encounters_updated_at", "encounters", ["updated_at"])
    op.create_table(
        "answers",
        sa.Column(
            "encounter_id",
            sa.Integer,
            sa.ForeignKey("encounters.id", ondelete="RESTRICT"),
            primary_key=True,
        ),
        sa.Column("item_id", sa.String(100), primary_key=True),
        sa.Column("value_json", sa.Text, nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "order_states",
        sa.Column(
            "encounter_id",
            sa.Integer,
            sa.ForeignKey("encounters.id", ondelete="RESTRICT"),
            primary_key=True,
        ),
        sa.Column("item_id", sa.String(100), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("on_date", sa.Date),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "addenda",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("encounter_id", sa.Integer, sa.ForeignKey("encounters.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("opened_by", sa.String(200), nullable=False),
        sa.Column("opened_at", _timestamp(), nullable=False),
        sa.Column("signed_by", sa.String(200)),
        sa.Column("signed_at", _timestamp()),
        sa.UniqueConstraint("encounter_id", "seq"),
    )
    op.create_index("ix_addenda_encounter_id", "addenda", ["encounter_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("encounter_id", sa.Integer),
        sa.Column("at", _timestamp(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("workstation", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("item_id", sa.String(100)),
        sa.Column("old_json", sa.Text),
        sa.Column("new_json", sa.Text),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_audit_events_encounter_id", "audit_events", ["encounter_id"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_id", sa.Integer, nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
    )
    op.execute(
        sa.text(
            "INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, :genesis)"
        ).bindparams(genesis=GENESIS_HASH)
    )
    dialect = op.get_bind().dialect.name
    triggers = {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRESQL_TRIGGERS}.get(dialect, [])
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    """Drop everything (used only on empty test databases)."""
    dialect = op.get_bind().dialect.name
    for table in (
        "audit_head",
        "audit_events",
        "addenda",
        "order_states",
        "answers",
        "encounters",
        "workflow_snapshots",
        "patients",
    ):
        op.drop_table(table)
    if dialect == "postgresql":
        for function in (
            "workup_refuse_locked_child",
            "workup_refuse_locked_encounter",
            "workup_refuse_signed_addendum",
            "workup_refuse_audit_change",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
