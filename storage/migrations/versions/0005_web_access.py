"""Web app sign-in: one-time login tickets and browser sessions.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_ticket",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("used_at", UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_web_ticket_member_id_member")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_web_ticket")),
    )
    op.create_index(op.f("ix_web_ticket_member_id"), "web_ticket", ["member_id"])
    op.create_table(
        "web_session",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_web_session_member_id_member")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_web_session")),
    )
    op.create_index(op.f("ix_web_session_member_id"), "web_session", ["member_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_web_session_member_id"), table_name="web_session")
    op.drop_table("web_session")
    op.drop_index(op.f("ix_web_ticket_member_id"), table_name="web_ticket")
    op.drop_table("web_ticket")
