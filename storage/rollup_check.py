"""The roll-ups recomputed from the raw entries: what `cnsbot db verify-rollups` compares,
what `--repair` sets, and the bulk fill of a database built without them (benchmarks).
The months' on-time counts are compared too, each at the cutoff it was taken for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Level, SubtreeDaily, Unit, UnitPeriod, ids_on_path
from storage.punctual import Punctuality
from storage.rollups import Key, PeriodKey, dialect, period_keys

_D = SubtreeDaily.__table__  # type: ignore[attr-defined]
_P = UnitPeriod.__table__  # type: ignore[attr-defined]
_U = Unit.__table__.c  # type: ignore[attr-defined]

# Every unit with itself and each of its ancestors (from parent_id: both dialects).
_ANCESTORS = (
    "WITH RECURSIVE anc(unit_id, ancestor_id) AS ("
    " SELECT id, id FROM unit"
    " UNION ALL SELECT anc.unit_id, u.parent_id FROM anc JOIN unit u ON u.id = anc.ancestor_id"
    " WHERE u.parent_id IS NOT NULL) "
)
_DAILY_FROM_ENTRIES = (
    _ANCESTORS + "SELECT anc.ancestor_id, e.day, e.indicator, SUM(e.n) FROM"
    " (SELECT unit_id, day, indicator, SUM(count) AS n FROM entry WHERE cancelled_at IS NULL"
    " GROUP BY unit_id, day, indicator) e JOIN anc ON anc.unit_id = e.unit_id"
    " GROUP BY anc.ancestor_id, e.day, e.indicator"
)
_MONTHS = (
    "WITH m AS (SELECT unit_id, substr(CAST(day AS TEXT), 1, 7) AS period, SUM(count) AS n"
    " FROM entry WHERE cancelled_at IS NULL GROUP BY unit_id, substr(CAST(day AS TEXT), 1, 7)) "
)
_QUARTER = (
    "substr(m.period, 1, 4) || '-Q' || CAST((CAST(substr(m.period, 6, 2) AS INTEGER) + 2) / 3"
    " AS TEXT)"
)
# The bulk fill (as migration 0016 does it): SQL only, for millions of entries.
FILL = (
    "DELETE FROM subtree_daily",
    "DELETE FROM unit_period",
    "INSERT INTO subtree_daily (unit_id, day, indicator, n) " + _DAILY_FROM_ENTRIES,
    "INSERT INTO unit_period (unit_id, period, n, villages_reported) " + _MONTHS
    + "SELECT m.unit_id, m.period, m.n, 0 FROM m"
    f" UNION ALL SELECT m.unit_id, {_QUARTER}, SUM(m.n), 0 FROM m GROUP BY m.unit_id, {_QUARTER}"
    " UNION ALL SELECT m.unit_id, substr(m.period, 1, 4), SUM(m.n), 0 FROM m"
    " GROUP BY m.unit_id, substr(m.period, 1, 4)",
    "INSERT INTO unit_period (unit_id, period, n, villages_reported) " + _ANCESTORS
    + "SELECT anc.ancestor_id, p.period, 0, COUNT(*) FROM unit_period p"
    " JOIN unit v ON v.id = p.unit_id JOIN anc ON anc.unit_id = p.unit_id"
    " WHERE v.level = 'village' AND p.n > 0 GROUP BY anc.ancestor_id, p.period"
    " ON CONFLICT (unit_id, period) DO UPDATE SET villages_reported = excluded.villages_reported",
)  # fmt: skip
_OWN_MONTHS = (
    "SELECT unit_id, substr(CAST(day AS TEXT), 1, 7), SUM(count) FROM entry"
    " WHERE cancelled_at IS NULL GROUP BY unit_id, substr(CAST(day AS TEXT), 1, 7)"
)
_HOLD_WRITERS = text(
    "LOCK TABLE entry, nothing_to_report, subtree_daily, unit_period, unit_ontime, ontime_month,"
    " unit IN SHARE ROW EXCLUSIVE MODE"
)


@dataclass(frozen=True)
class Difference:
    table: str  # "subtree_daily", "unit_period" or "unit_ontime"
    key: tuple[Any, ...]  # Key (subtree_daily), PeriodKey (unit_period), (unit, month)
    have: tuple[int, ...]  # n; n, villages_reported (unit_period); on_time (unit_ontime)
    want: tuple[int, ...]


async def fill(session: AsyncSession) -> None:
    """Rebuild both roll-ups from the entries, in bulk (SQL)."""
    for sql in FILL:
        await session.exec(text(sql))  # type: ignore[call-overload]


async def daily_from_entries(session: AsyncSession) -> dict[Key, int]:
    rows = (await session.exec(text(_DAILY_FROM_ENTRIES))).all()  # type: ignore[call-overload]
    return {(u, _day(d), i): int(n) for u, d, i, n in rows if n}


async def daily_stored(session: AsyncSession) -> dict[Key, int]:
    stmt = sa_select(_D.c.unit_id, _D.c.day, _D.c.indicator, _D.c.n).where(_D.c.n != 0)
    rows = (await session.exec(stmt)).all()  # type: ignore[call-overload]
    return {(u, _day(d), i): int(n) for u, d, i, n in rows}


async def periods_from_entries(session: AsyncSession) -> dict[PeriodKey, tuple[int, int]]:
    """(own total, villages reported) per unit and period, from the entries."""
    units = await session.exec(sa_select(_U.id, _U.path, _U.level))  # type: ignore[call-overload]
    tree = {u: (p, Level(lv)) for u, p, lv in units.all()}
    own: dict[PeriodKey, int] = {}
    for unit_id, month, n in (await session.exec(text(_OWN_MONTHS))).all():  # type: ignore[call-overload]
        for period in period_keys(date.fromisoformat(f"{month}-01")):
            own[(unit_id, period)] = own.get((unit_id, period), 0) + int(n)
    reported: dict[PeriodKey, int] = {}
    for (unit_id, period), n in own.items():
        path, level = tree[unit_id]
        if level is Level.village and n > 0:
            for upper in ids_on_path(path):
                reported[(upper, period)] = reported.get((upper, period), 0) + 1
    keys = set(own) | set(reported)
    wanted = {k: (own.get(k, 0), reported.get(k, 0)) for k in keys}
    return {k: v for k, v in wanted.items() if v != (0, 0)}


async def periods_stored(session: AsyncSession) -> dict[PeriodKey, tuple[int, int]]:
    stmt = sa_select(_P.c.unit_id, _P.c.period, _P.c.n, _P.c.villages_reported)
    rows = (await session.exec(stmt)).all()  # type: ignore[call-overload]
    return {(u, p): (int(n), int(v)) for u, p, n, v in rows if (n, v) != (0, 0)}


async def differences(session: AsyncSession) -> list[Difference]:
    """Every row where a roll-up and the raw entries disagree (every level, every period)."""
    found: list[Difference] = []
    have_d, want_d = await daily_stored(session), await daily_from_entries(session)
    for key in sorted(set(have_d) | set(want_d)):
        if have_d.get(key, 0) != want_d.get(key, 0):
            found.append(
                Difference("subtree_daily", key, (have_d.get(key, 0),), (want_d.get(key, 0),))
            )
    have_p, want_p = await periods_stored(session), await periods_from_entries(session)
    for pkey in sorted(set(have_p) | set(want_p)):
        if have_p.get(pkey, (0, 0)) != want_p.get(pkey, (0, 0)):
            found.append(
                Difference("unit_period", pkey, have_p.get(pkey, (0, 0)), want_p.get(pkey, (0, 0)))
            )
    punctual = Punctuality(session)
    for month, cutoff in sorted((await punctual.taken()).items()):
        have_o = await punctual.stored(month)
        want_o = await punctual.wanted(month, cutoff)
        for unit_id in sorted(set(have_o) | set(want_o)):
            if have_o.get(unit_id, 0) != want_o.get(unit_id, 0):
                have, want = (have_o.get(unit_id, 0),), (want_o.get(unit_id, 0),)
                found.append(Difference("unit_ontime", (unit_id, month), have, want))
    return found


def _setters(dialect: Any) -> tuple[Any, Any]:
    daily = dialect.insert(_D)
    daily = daily.on_conflict_do_update(
        index_elements=["unit_id", "day", "indicator"], set_={"n": daily.excluded.n}
    )
    period = dialect.insert(_P)
    period = period.on_conflict_do_update(
        index_elements=["unit_id", "period"],
        set_={"n": period.excluded.n, "villages_reported": period.excluded.villages_reported},
    )
    return daily, period


_SET = {"postgresql": _setters(postgresql), "sqlite": _setters(sqlite)}


async def repair(session: AsyncSession, wrong: list[Difference], taken_at: datetime) -> int:
    """Set these rows to what the entries say (a month's on-time counts: taken again, for
    the cutoff they were taken for); returns how many."""
    daily_stmt, period_stmt = _SET[dialect(session)]
    daily = [
        {"unit_id": d.key[0], "day": d.key[1], "indicator": d.key[2], "n": d.want[0]}
        for d in wrong
        if d.table == "subtree_daily"
    ]
    periods = [
        {"unit_id": d.key[0], "period": d.key[1], "n": d.want[0], "villages_reported": d.want[1]}
        for d in wrong
        if d.table == "unit_period"
    ]
    punctual = Punctuality(session)
    taken = await punctual.taken()
    for month in sorted({d.key[1] for d in wrong if d.table == "unit_ontime"}):
        await punctual.take(month, taken[month], taken_at)
    if daily:
        await session.exec(daily_stmt, params=daily)
    if periods:
        await session.exec(period_stmt, params=periods)
    return len(wrong)


async def hold_writers(session: AsyncSession) -> None:
    """PostgreSQL: hold off writers of entries, roll-ups and units until the transaction
    ends (reads go on), so a comparison and its repair see no report half-counted.
    (SQLite: a transaction that writes already excludes every other writer.)"""
    if dialect(session) == "postgresql":
        await session.exec(_HOLD_WRITERS)  # type: ignore[call-overload]


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
