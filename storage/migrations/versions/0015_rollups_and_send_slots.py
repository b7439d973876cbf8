"""Roll-ups: active counts per unit, indicator and day, filled from the entries; and the
send slots booked by every delivery worker (limits shared across processes).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "entry_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["indicator"], ["indicator.code"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("day", "unit_id", "indicator"),
        sqlite_with_rowid=False,
    )
    # Backfill in one statement: the roll-up is what the active entries sum to.
    op.execute(
        "INSERT INTO entry_daily (day, unit_id, indicator, n) "
        "SELECT day, unit_id, indicator, SUM(count) FROM entry "
        "WHERE cancelled_at IS NULL GROUP BY day, unit_id, indicator"
    )
    op.create_table(
        "send_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("send_slot", schema=None) as batch_op:
        batch_op.create_index("ix_send_slot_platform_at", ["platform", "at"], unique=False)
        batch_op.create_index("ix_send_slot_chat_at", ["platform", "chat_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("send_slot", schema=None) as batch_op:
        batch_op.drop_index("ix_send_slot_chat_at")
        batch_op.drop_index("ix_send_slot_platform_at")
    op.drop_table("send_slot")
    op.drop_table("entry_daily")
