"""Indexes for retention: update keys are pruned by age, public files once expired.

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_processed_update_at", "processed_update", ["at"])
    op.create_index("ix_public_file_expires_at", "public_file", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_public_file_expires_at", table_name="public_file")
    op.drop_index("ix_processed_update_at", table_name="processed_update")
