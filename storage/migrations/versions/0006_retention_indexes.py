"""Indexes for retention: update keys are pruned by age, public files once expired.

Also blanks the bot token out of errors stored before they were scrubbed (a Bot API URL,
`.../bot<TOKEN>/sendMessage`, quoted by an HTTP library's error).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


_BOT_URL_TOKEN = re.compile(r"(/bot)[^/\s'\"<>]+(?=/)")  # as bot.logsafe.scrub


def upgrade() -> None:
    op.create_index("ix_processed_update_at", "processed_update", ["at"])
    op.create_index("ix_public_file_expires_at", "public_file", ["expires_at"])
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, last_error FROM outbox WHERE last_error LIKE '%/bot%'")
    ).all()
    for row_id, error in rows:
        cleaned = _BOT_URL_TOKEN.sub(r"\g<1>***", error)
        if cleaned != error:
            bind.execute(
                sa.text("UPDATE outbox SET last_error = :error WHERE id = :id"),
                {"error": cleaned, "id": row_id},
            )


def downgrade() -> None:
    op.drop_index("ix_public_file_expires_at", table_name="public_file")
    op.drop_index("ix_processed_update_at", table_name="processed_update")
