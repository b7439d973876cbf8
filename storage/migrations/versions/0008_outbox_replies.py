"""Replies go through the outbox: a reply's buttons, whether its file is a picture, and an
index for the workers to find due replies first.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("file_photo", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("buttons", sa.JSON(), nullable=True))
        batch_op.create_index("ix_outbox_status_kind", ["status", "kind"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_kind")
        batch_op.drop_column("buttons")
        batch_op.drop_column("file_photo")
