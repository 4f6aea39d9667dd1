"""Alembic migrations of the workup database."""
