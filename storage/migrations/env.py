"""Alembic's environment: run on a connection that `storage.migrate` hands over."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

from storage import models  # noqa: F401  (registers the tables)


def render_item(kind: str, item: Any, autogen: AutogenContext) -> str | Literal[False]:
    """Revisions say `sa.String`, not SQLModel's subclass of it: they outlive the models."""
    if kind == "type" and isinstance(item, AutoString):
        return f"sa.String({item.length})" if item.length else "sa.String()"
    return False


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying tables
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
