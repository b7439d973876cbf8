"""Alembic's environment: run on a connection that `storage.migrate` hands over."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying tables
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
