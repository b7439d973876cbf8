"""The month's sign-off chain: a commune's status per month and the figures signed off.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

STATUS = sa.Enum("open", "signed", "approved", "returned", name="monthstatus")


def upgrade() -> None:
    op.create_table(
        "month_signoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=8), nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("signed_by", sa.Integer(), nullable=True),
        sa.Column("signed_at", storage.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", storage.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_month_signoff_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["signed_by"], ["member.id"], name=op.f("fk_month_signoff_signed_by_member")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["member.id"], name=op.f("fk_month_signoff_decided_by_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_month_signoff")),
        sa.UniqueConstraint("unit_id", "month", name=op.f("uq_month_signoff_unit_id_month")),
    )
    op.create_table(
        "signoff_figure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signoff_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["signoff_id"],
            ["month_signoff.id"],
            name=op.f("fk_signoff_figure_signoff_id_month_signoff"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_signoff_figure_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signoff_figure")),
    )
    with op.batch_alter_table("signoff_figure", schema=None) as batch_op:
        batch_op.create_index("ix_signoff_figure_round", ["signoff_id", "round"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("signoff_figure", schema=None) as batch_op:
        batch_op.drop_index("ix_signoff_figure_round")
    op.drop_table("signoff_figure")
    op.drop_table("month_signoff")
    STATUS.drop(op.get_bind(), checkfirst=True)
