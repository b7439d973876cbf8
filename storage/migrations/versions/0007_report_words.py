"""The lexicon of report words without a count (politeness, framing, courtesy): data beside
the aliases. Rows are added by the seed at start-up when the table is empty.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_word",
        sa.Column("word", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_report_word")),
    )


def downgrade() -> None:
    op.drop_table("report_word")
