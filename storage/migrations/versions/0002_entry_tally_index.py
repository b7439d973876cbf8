"""A covering index for the tallies (sums per unit and indicator over a range of days).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_entry_tally", "entry", ["day", "unit_id", "indicator", "count", "cancelled_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_entry_tally", table_name="entry")
