"""On-time counts per month (`ontime_month`, `unit_ontime`), and the indexes that tell
whether anything was made or cancelled after a moment (entries and declarations). The
counts are not filled here: the schedule takes every settled month of the last year at
its first tick (it knows the deadline settings; reminders/ontime.py).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UtcDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_CANCELLED = sa.text("cancelled_at IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "ontime_month",
        sa.Column("month", sa.String(length=8), nullable=False),
        sa.Column("cutoff", UtcDateTime(), nullable=False),
        sa.Column("taken_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("month"),
    )
    op.create_table(
        "unit_ontime",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=8), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("unit_id", "month"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_entry_created_at", "entry", ["created_at"])
    op.create_index(
        "ix_entry_cancelled_at", "entry", ["cancelled_at"],
        sqlite_where=_CANCELLED, postgresql_where=_CANCELLED,
    )  # fmt: skip
    op.create_index("ix_nothing_created_at", "nothing_to_report", ["created_at"])
    op.create_index(
        "ix_nothing_cancelled_at", "nothing_to_report", ["cancelled_at"],
        sqlite_where=_CANCELLED, postgresql_where=_CANCELLED,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_nothing_cancelled_at", table_name="nothing_to_report")
    op.drop_index("ix_nothing_created_at", table_name="nothing_to_report")
    op.drop_index("ix_entry_cancelled_at", table_name="entry")
    op.drop_index("ix_entry_created_at", table_name="entry")
    op.drop_table("unit_ontime")
    op.drop_table("ontime_month")
