"""Alembic migrations: every schema change after the first is a revision here."""
