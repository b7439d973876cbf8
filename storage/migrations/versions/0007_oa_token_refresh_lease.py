"""The OA token row carries a refresh lease: one refresh at a time across processes.

Revision ID: 0007
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0007"
down_revision = "0002"
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
