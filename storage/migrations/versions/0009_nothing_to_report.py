"""Declarations of a month with nothing to report ("không phát sinh").

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nothing_to_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt", sa.String(length=12), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=8), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", storage.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["cancelled_by"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("nothing_to_report", schema=None) as batch_op:
        batch_op.create_index("ix_nothing_month_unit", ["month", "unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_nothing_to_report_receipt"), ["receipt"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("nothing_to_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nothing_to_report_receipt"))
        batch_op.drop_index("ix_nothing_month_unit")
    op.drop_table("nothing_to_report")
