"""Roll-ups at every level: the daily counts of each unit's whole subtree (`subtree_daily`,
replacing the per-unit `entry_daily`) and, per unit and period, its own total and how many
villages of its subtree reported (`unit_period`); both filled from the raw entries. On
PostgreSQL the unit path index becomes text_pattern_ops (LIKE 'prefix%' uses it).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# Every unit with itself and each of its ancestors (from parent_id: works on both dialects).
_ANCESTORS = (
    "WITH RECURSIVE anc(unit_id, ancestor_id) AS ("
    " SELECT id, id FROM unit"
    " UNION ALL SELECT anc.unit_id, u.parent_id FROM anc JOIN unit u ON u.id = anc.ancestor_id"
    " WHERE u.parent_id IS NOT NULL) "
)
_FILL_DAILY = (
    "INSERT INTO subtree_daily (unit_id, day, indicator, n) " + _ANCESTORS
    + "SELECT anc.ancestor_id, e.day, e.indicator, SUM(e.n) FROM"
    " (SELECT unit_id, day, indicator, SUM(count) AS n FROM entry WHERE cancelled_at IS NULL"
    " GROUP BY unit_id, day, indicator) e JOIN anc ON anc.unit_id = e.unit_id"
    " GROUP BY anc.ancestor_id, e.day, e.indicator"
)  # fmt: skip
# Month keys from the day's ISO text ("2026-11-19"), quarters and years from the months.
_MONTHS = (
    "WITH m AS (SELECT unit_id, substr(CAST(day AS TEXT), 1, 7) AS period, SUM(count) AS n"
    " FROM entry WHERE cancelled_at IS NULL GROUP BY unit_id, substr(CAST(day AS TEXT), 1, 7)) "
)
_FILL_PERIODS = (
    "INSERT INTO unit_period (unit_id, period, n, villages_reported) " + _MONTHS
    + "SELECT m.unit_id, m.period, m.n, 0 FROM m"
    " UNION ALL SELECT m.unit_id, substr(m.period, 1, 4) || '-Q'"
    " || CAST((CAST(substr(m.period, 6, 2) AS INTEGER) + 2) / 3 AS TEXT), SUM(m.n), 0 FROM m"
    " GROUP BY m.unit_id, substr(m.period, 1, 4) || '-Q'"
    " || CAST((CAST(substr(m.period, 6, 2) AS INTEGER) + 2) / 3 AS TEXT)"
    " UNION ALL SELECT m.unit_id, substr(m.period, 1, 4), SUM(m.n), 0 FROM m"
    " GROUP BY m.unit_id, substr(m.period, 1, 4)"
)  # fmt: skip
_FILL_REPORTED = (
    "INSERT INTO unit_period (unit_id, period, n, villages_reported) " + _ANCESTORS
    + "SELECT anc.ancestor_id, p.period, 0, COUNT(*) FROM unit_period p"
    " JOIN unit v ON v.id = p.unit_id JOIN anc ON anc.unit_id = p.unit_id"
    " WHERE v.level = 'village' AND p.n > 0 GROUP BY anc.ancestor_id, p.period"
    " ON CONFLICT (unit_id, period) DO UPDATE SET villages_reported = excluded.villages_reported"
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "subtree_daily",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("indicator", sa.String(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["indicator"], ["indicator.code"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("unit_id", "day", "indicator"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "unit_period",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("villages_reported", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("unit_id", "period"),
        sqlite_with_rowid=False,
    )
    op.execute(_FILL_DAILY)
    op.execute(_FILL_PERIODS)
    op.execute(_FILL_REPORTED)
    op.drop_table("entry_daily")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_unit_path", table_name="unit")
        op.create_index(
            "ix_unit_path", "unit", ["path"], postgresql_ops={"path": "text_pattern_ops"}
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_unit_path", table_name="unit")
        op.create_index("ix_unit_path", "unit", ["path"])
    op.create_table(
        "entry_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["indicator"], ["indicator.code"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("day", "unit_id", "indicator"),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO entry_daily (day, unit_id, indicator, n) "
        "SELECT day, unit_id, indicator, SUM(count) FROM entry "
        "WHERE cancelled_at IS NULL GROUP BY day, unit_id, indicator"
    )
    op.drop_table("unit_period")
    op.drop_table("subtree_daily")
