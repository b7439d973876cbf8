"""The OA token row carries a refresh lease: one refresh at a time across processes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("oa_token") as batch:
        batch.add_column(
            sa.Column("refreshing_until", storage.models.UtcDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("oa_token") as batch:
        batch.drop_column("refreshing_until")
