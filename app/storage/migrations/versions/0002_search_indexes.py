"""Indexes for the encounter list: by patient in date order, by creation day, by birth date.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Replace the patient index of encounters by one that also orders them; add two more."""
    op.create_index("ix_encounters_patient_updated", "encounters", ["patient_id", "updated_at"])
    op.drop_index("ix_encounters_patient_id", table_name="encounters")
    op.create_index("ix_encounters_created_at", "encounters", ["created_at"])
    op.create_index("ix_patients_birth_date", "patients", ["birth_date"])


def downgrade() -> None:
    """Back to the indexes of 0001."""
    op.drop_index("ix_patients_birth_date", table_name="patients")
    op.drop_index("ix_encounters_created_at", table_name="encounters")
    op.create_index("ix_encounters_patient_id", "encounters", ["patient_id"])
    op.drop_index("ix_encounters_patient_updated", table_name="encounters")
