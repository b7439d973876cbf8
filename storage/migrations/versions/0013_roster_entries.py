"""Roster entries: people put on a roster from the web, with their personal invites.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.models

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ROLES = ("member", "village_lead", "commune_leader", "district_admin", "province_admin")
# The "role" type exists since 0001: PostgreSQL must not be asked to create it again.
ROLE = sa.Enum(*ROLES, name="role").with_variant(
    postgresql.ENUM(*ROLES, name="role", create_type=False), "postgresql"
)


def upgrade() -> None:
    op.create_table(
        "roster_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("role", ROLE, nullable=False),
        sa.Column("invite_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", storage.models.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["member.id"], name=op.f("fk_roster_entry_created_by_member")
        ),
        sa.ForeignKeyConstraint(
            ["invite_id"], ["invite.id"], name=op.f("fk_roster_entry_invite_id_invite")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_roster_entry_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_roster_entry_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_entry")),
        sa.UniqueConstraint("invite_id", name=op.f("uq_roster_entry_invite_id")),
    )
    with op.batch_alter_table("roster_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roster_entry_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_roster_entry_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("roster_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_entry_unit_id"))
        batch_op.drop_index(batch_op.f("ix_roster_entry_member_id"))
    op.drop_table("roster_entry")
