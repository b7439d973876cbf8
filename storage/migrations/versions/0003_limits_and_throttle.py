"""Confirmations that wait for their asker (pending_action) and wrong-code throttling.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_action",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.Enum("report", "undo_day", name="pendingkind"), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.String(), nullable=False),
        sa.Column("created_at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("done_at", storage.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_pending_action_member_id_member")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_pending_action")),
    )
    with op.batch_alter_table("pending_action", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pending_action_member_id"), ["member_id"], unique=False
        )
    op.create_table(
        "throttle",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", storage.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("blocked_until", storage.models.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_throttle")),
    )


def downgrade() -> None:
    op.drop_table("throttle")
    with op.batch_alter_table("pending_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_action_member_id"))
    op.drop_table("pending_action")
    sa.Enum(name="pendingkind").drop(op.get_bind(), checkfirst=True)
