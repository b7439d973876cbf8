"""The log of targeted nudges (`/nhacnho`): one per member and day.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nudge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("by_member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_member_id"], ["member.id"], name=op.f("fk_nudge_by_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_nudge_member_id_member")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_nudge_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudge")),
        sa.UniqueConstraint("member_id", "day", name=op.f("uq_nudge_member_id_day")),
    )


def downgrade() -> None:
    op.drop_table("nudge")
