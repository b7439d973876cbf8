"""The member a notification is for is a column of its outbox row (it was only the last
part of the row's key, parsed back): added, and filled in from the keys of the rows that
name a member (reminder, escalation, deadline summary, OA token alert).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Keys whose last part is the recipient's member id.
_PREFIXES = ("reminder:", "escalation:", "deadline:", "oa-token:")
_BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipient_id", sa.Integer(), nullable=True))
    outbox = sa.table("outbox", sa.column("id", sa.Integer), sa.column("key", sa.String),
                      sa.column("recipient_id", sa.Integer))  # fmt: skip
    bind = op.get_bind()
    named = sa.or_(*(outbox.c.key.startswith(p) for p in _PREFIXES))
    rows = bind.execute(sa.select(outbox.c.id, outbox.c.key).where(named)).all()
    found = [
        {"row": row_id, "member": int(tail)}
        for row_id, key in rows
        if (tail := key.rpartition(":")[2]).isdigit()
    ]
    change = (
        sa.update(outbox)
        .where(outbox.c.id == sa.bindparam("row"))
        .values(recipient_id=sa.bindparam("member"))
    )
    for start in range(0, len(found), _BATCH):
        bind.execute(change, found[start : start + _BATCH])


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("recipient_id")
