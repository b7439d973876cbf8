"""Roll-ups at every level, kept with the entries in the same unit of work.

`subtree_daily`: per unit, day and indicator, the active count of the unit's whole subtree
(a row for the entry's unit and one for every ancestor). `unit_period`: per unit and
period (month, quarter, year), the unit's own total and how many villages of its subtree
have one above zero ("x/y thôn đã báo cáo" without reading villages).

Writes are deferred: `Entries` adds deltas (per entry's unit, day and indicator) to the
session; `flush` turns them into one upsert per table, rows in key order (no two
transactions wait on each other in a circle), just before the commit (`Store.commit()`,
and a `before_commit` hook for any other commit) and before any read of the roll-ups in
the same transaction. An ancestor's row is written by every report under it: writing it
last holds its lock for the commit only. A rolled-back savepoint drops the deltas added
inside it, a rolled-back transaction all of them.

Upserts add a delta (`n = n + excluded.n`): two transactions adding to the same row both
count (PostgreSQL locks the row for the second until the first ends; SQLite writes one
transaction at a time). The village's period row returns its new total: crossing zero
moves its ancestors' `villages_reported` by one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import bindparam, event, text
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.util import identity_key
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Level,
    OnTimeMonth,
    SubtreeDaily,
    Unit,
    UnitOnTime,
    UnitPeriod,
    ids_on_path,
)

OwnKey = tuple[int, date, str]  # the entry's unit id, day, indicator
Key = tuple[int, date, str]  # subtree_daily: unit id, day, indicator
PeriodKey = tuple[int, str]  # unit_period: unit id, period key

_D = SubtreeDaily.__table__  # type: ignore[attr-defined]
_P = UnitPeriod.__table__  # type: ignore[attr-defined]
_U = Unit.__table__.c  # type: ignore[attr-defined]
_O = UnitOnTime.__table__  # type: ignore[attr-defined]
_M = OnTimeMonth.__table__  # type: ignore[attr-defined]
_PENDING = "rollup_deltas"
_SNAPSHOTS = "rollup_snapshots"
_MOVED = "rollup_units_moved"
_HELD = "rollup_units_held"


def period_keys(day: date) -> tuple[str, str, str]:
    """The month, quarter and year a day belongs to, as reminders.calendar keys them."""
    return f"{day:%Y-%m}", f"{day.year}-Q{(day.month - 1) // 3 + 1}", str(day.year)


def _upserts(dialect: Any) -> tuple[Any, Any, Any]:
    daily = dialect.insert(_D).values(
        unit_id=bindparam("unit_id"), day=bindparam("day"), indicator=bindparam("indicator"),
        n=bindparam("n"),
    )  # fmt: skip
    daily = daily.on_conflict_do_update(
        index_elements=["unit_id", "day", "indicator"], set_={"n": _D.c.n + daily.excluded.n}
    )
    own = dialect.insert(_P).values(
        unit_id=bindparam("unit_id"), period=bindparam("period"), n=bindparam("n"),
        villages_reported=0,
    )  # fmt: skip
    own = own.on_conflict_do_update(
        index_elements=["unit_id", "period"], set_={"n": _P.c.n + own.excluded.n}
    ).returning(_P.c.unit_id, _P.c.period, _P.c.n)
    reported = dialect.insert(_P).values(
        unit_id=bindparam("unit_id"), period=bindparam("period"), n=0,
        villages_reported=bindparam("v"),
    )  # fmt: skip
    reported = reported.on_conflict_do_update(
        index_elements=["unit_id", "period"],
        set_={"villages_reported": _P.c.villages_reported + reported.excluded.villages_reported},
    )
    return daily, own, reported


# Built once: every report runs them.
_UPSERT = {"postgresql": _upserts(postgresql), "sqlite": _upserts(sqlite)}
_UNITS = sa_select(_U.id, _U.path, _U.level).where(_U.id.in_(bindparam("ids", expanding=True)))
# PostgreSQL: the units' rows locked FOR SHARE until the commit, read in id order: a move
# (an UPDATE of their paths) waits for the reports already writing roll-ups, and a report
# after it waits for the move and reads the new path.
_UNITS_LOCKED = _UNITS.order_by(_U.id).with_for_update(read=True)
# PostgreSQL: both tables in one round trip, rows in key order; the subtree rows first
# (the scalar subquery is evaluated before the first period row is inserted), as on SQLite.
_BOTH = text(
    "WITH d AS (INSERT INTO subtree_daily (unit_id, day, indicator, n)"
    " SELECT u, d, i, n FROM unnest(CAST(:du AS integer[]), CAST(:dd AS date[]),"
    " CAST(:di AS varchar[]), CAST(:dn AS integer[])) WITH ORDINALITY AS t(u, d, i, n, o)"
    " ORDER BY o"
    " ON CONFLICT (unit_id, day, indicator) DO UPDATE SET n = subtree_daily.n + excluded.n"
    " RETURNING 1) "
    "INSERT INTO unit_period (unit_id, period, n, villages_reported)"
    " SELECT u, p, n, 0 FROM unnest(CAST(:pu AS integer[]), CAST(:pp AS varchar[]),"
    " CAST(:pn AS integer[])) WITH ORDINALITY AS t(u, p, n, o)"
    " WHERE (SELECT count(*) FROM d) >= 0 ORDER BY o"
    " ON CONFLICT (unit_id, period) DO UPDATE SET n = unit_period.n + excluded.n"
    " RETURNING unit_id, period, n"
)


def dialect(session: Session | AsyncSession) -> str:
    bind = session.bind
    return "postgresql" if bind is not None and bind.dialect.name == "postgresql" else "sqlite"


# -- collecting deltas in the unit of work ---------------------------------------------


def add(session: AsyncSession, deltas: Iterable[tuple[OwnKey, int]]) -> None:
    """Add deltas of active counts (per entry's unit, day, indicator) to this unit of
    work; written by `flush`."""
    pending: dict[OwnKey, int] = session.info.setdefault(_PENDING, {})
    for key, delta in deltas:
        pending[key] = pending.get(key, 0) + delta


def held(session: AsyncSession, places: Iterable[tuple[int, str, str]]) -> None:
    """Units this transaction read under a share lock (PostgreSQL: a report's `hold` in
    storage/intake.py), as (id, path, level): no move can change their paths before it
    ends, so the flush takes them as read instead of locking and reading them again."""
    found: dict[int, tuple[str, Level]] = session.info.setdefault(_HELD, {})
    for unit_id, path, level in places:
        found[unit_id] = (path, Level(level))


def pending(session: AsyncSession) -> dict[OwnKey, int]:
    """The deltas not yet written (tests)."""
    return dict(session.info.get(_PENDING, {}))


async def flush(session: AsyncSession) -> None:
    """Write the deltas collected so far (before a read of the roll-ups, before commit)."""
    if session.info.get(_PENDING):
        await session.run_sync(_flush)


def _flush(session: Session) -> None:
    deltas: dict[OwnKey, int] = session.info.pop(_PENDING, {})
    deltas = {key: n for key, n in deltas.items() if n}
    if not deltas:
        return
    units = _places(session, sorted({unit_id for unit_id, _, _ in deltas}))
    daily: dict[Key, int] = {}
    own: dict[PeriodKey, int] = {}
    for (unit_id, day, indicator), n in deltas.items():
        for upper in ids_on_path(units[unit_id][0]):
            key = (upper, day, indicator)
            daily[key] = daily.get(key, 0) + n
        for period in period_keys(day):
            own[(unit_id, period)] = own.get((unit_id, period), 0) + n
    reported_stmt = _UPSERT[dialect(session)][2]
    reported: dict[PeriodKey, int] = {}
    for unit_id, period, after in _write_both(session, daily, own):
        path, level = units[unit_id]
        before = after - own[(unit_id, period)]
        change = (after > 0) - (before > 0)
        if level is Level.village and change:
            for upper in ids_on_path(path):
                reported[(upper, period)] = reported.get((upper, period), 0) + change
    _write_reported(session, reported_stmt, reported)


def _places(session: Session, ids: list[int]) -> dict[int, tuple[str, Level]]:
    """Path and level of these units, read after the moves of other transactions.

    PostgreSQL: read with a share lock on the units' rows (see `_UNITS_LOCKED`; a move
    updates the paths before it moves the roll-ups), unless already read under one
    (`held`). SQLite (one writing
    transaction at a time): from the session when loaded (a report's unit is, with its
    member), else one query; not after a move in this transaction (its Core UPDATE
    leaves loaded descendants with their old paths)."""
    found: dict[int, tuple[str, Level]] = {}
    postgres = dialect(session) == "postgresql"
    if postgres and not session.info.get(_MOVED):
        locked = session.info.get(_HELD, {})
        found.update((unit_id, locked[unit_id]) for unit_id in ids if unit_id in locked)
    if not postgres and not session.info.get(_MOVED):
        for unit_id in ids:
            unit = session.identity_map.get(identity_key(Unit, unit_id))
            if unit is not None and {"path", "level"} <= unit.__dict__.keys():
                found[unit_id] = (unit.path, Level(unit.level))
    rest = [unit_id for unit_id in ids if unit_id not in found]
    if rest:
        rows = session.execute(_UNITS_LOCKED if postgres else _UNITS, {"ids": rest}).all()
        found.update((u, (p, Level(lv))) for u, p, lv in rows)
    return found


def _write_both(
    session: Session, daily: dict[Key, int], own: dict[PeriodKey, int]
) -> Sequence[Any]:
    """Add the subtree rows, then the units' own period rows; returns (unit id, period,
    new n) of each period row."""
    daily_stmt, own_stmt, _ = _UPSERT[dialect(session)]
    days = [(key, n) for key, n in sorted(daily.items()) if n]
    periods = [(key, n) for key, n in sorted(own.items()) if n]
    if dialect(session) == "postgresql" and days and periods:
        params = {
            "du": [u for (u, _, _), _ in days], "dd": [d for (_, d, _), _ in days],
            "di": [i for (_, _, i), _ in days], "dn": [n for _, n in days],
            "pu": [u for (u, _), _ in periods], "pp": [p for (_, p), _ in periods],
            "pn": [n for _, n in periods],
        }  # fmt: skip
        return session.execute(_BOTH, params).all()
    _write_daily(session, daily_stmt, daily)
    rows = [{"unit_id": u, "period": p, "n": n} for (u, p), n in periods]
    return session.execute(own_stmt, rows).all() if rows else []


def _write_daily(session: Session, stmt: Any, daily: dict[Key, int]) -> None:
    rows = [
        {"unit_id": u, "day": d, "indicator": i, "n": n}
        for (u, d, i), n in sorted(daily.items())
        if n
    ]
    if rows:
        session.execute(stmt, rows)


def _write_reported(session: Session, stmt: Any, reported: dict[PeriodKey, int]) -> None:
    rows = [{"unit_id": u, "period": p, "v": v} for (u, p), v in sorted(reported.items()) if v]
    if rows:
        session.execute(stmt, rows)


# A commit the Store did not flush for (any other path) still writes the deltas; a
# rollback drops them: the whole transaction's, or a savepoint's own.
@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released (it fires for those too): keep collecting
    _flush(session)


@event.listens_for(Session, "after_transaction_create")
def _savepoint_started(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        snapshots = session.info.setdefault(_SNAPSHOTS, {})
        snapshots[id(transaction)] = dict(session.info.get(_PENDING, {}))


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous: SessionTransaction) -> None:
    # (Fires after `after_transaction_end` of the same savepoint.)
    snapshot = session.info.get(_SNAPSHOTS, {}).pop(id(previous), None)
    session.info.pop(_HELD, None)  # locks taken inside a rolled-back savepoint may be gone
    if previous.nested and snapshot is not None:
        session.info[_PENDING] = snapshot
    elif not previous.nested and previous.parent is None:
        session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    if not transaction.nested and transaction.parent is None:
        session.info.pop(_PENDING, None)  # committed (written) or rolled back (dropped)
        session.info.pop(_SNAPSHOTS, None)
        session.info.pop(_MOVED, None)
        session.info.pop(_HELD, None)


# -- unit moves and level changes -------------------------------------------------------

_SUBTREE_ROWS = sa_select(_D.c.day, _D.c.indicator, _D.c.n).where(
    _D.c.unit_id == bindparam("u"), _D.c.n != 0
)
_PERIOD_ROWS = sa_select(_P.c.period, _P.c.n, _P.c.villages_reported).where(
    _P.c.unit_id == bindparam("u")
)
_ON_TIME_ROWS = sa_select(_O.c.month, _O.c.on_time).where(
    _O.c.unit_id == bindparam("u"), _O.c.on_time != 0
)


def _on_time_adder(dialect: Any) -> Any:
    stmt = dialect.insert(_O).values(
        unit_id=bindparam("unit_id"), month=bindparam("month"), on_time=bindparam("n")
    )
    return stmt.on_conflict_do_update(
        index_elements=["unit_id", "month"], set_={"on_time": _O.c.on_time + stmt.excluded.on_time}
    )


_ADD_ON_TIME = {"postgresql": _on_time_adder(postgresql), "sqlite": _on_time_adder(sqlite)}


async def moved(session: AsyncSession, unit_id: int, old_path: str, new_path: str) -> None:
    """A unit (with its subtree) moved: its rows leave the old ancestors, join the new.
    Call it after the paths were updated (a report writing roll-ups under the unit holds
    a share lock on its unit's row: the update waits for it, and later reports for the
    update, see `_places`)."""
    await flush(session)
    await session.run_sync(_moved, unit_id, old_path, new_path)


def _moved(session: Session, unit_id: int, old_path: str, new_path: str) -> None:
    session.info[_MOVED] = True
    old, new = set(ids_on_path(old_path)) - {unit_id}, set(ids_on_path(new_path)) - {unit_id}
    signs = {u: -1 for u in old - new} | {u: 1 for u in new - old}
    if not signs:
        return
    daily: dict[Key, int] = {}
    for day, indicator, n in session.execute(_SUBTREE_ROWS, {"u": unit_id}).all():
        for upper, sign in signs.items():
            daily[(upper, _day(day), indicator)] = sign * n
    reported: dict[PeriodKey, int] = {}
    for period, _, villages in session.execute(_PERIOD_ROWS, {"u": unit_id}).all():
        for upper, sign in signs.items():
            reported[(upper, period)] = sign * villages
    on_time = [
        {"unit_id": upper, "month": month, "n": sign * n}
        for month, n in session.execute(_ON_TIME_ROWS, {"u": unit_id}).all()
        for upper, sign in sorted(signs.items())
    ]
    daily_stmt, _, reported_stmt = _UPSERT[dialect(session)]
    _write_daily(session, daily_stmt, daily)
    _write_reported(session, reported_stmt, reported)
    if on_time:  # a month's on-time counts (storage/punctual.py) move with the subtree
        session.execute(_ADD_ON_TIME[dialect(session)], on_time)


async def relevelled(session: AsyncSession, unit_id: int, path: str, village: bool) -> None:
    """A unit became a village (`village`) or stopped being one: its periods with reports
    count (or no longer count) as a reported village, for it and every ancestor. Call it
    after the unit's new level was written (as `moved`)."""
    await flush(session)
    await session.run_sync(_relevelled, unit_id, path, village)


def _relevelled(session: Session, unit_id: int, path: str, village: bool) -> None:
    sign = 1 if village else -1
    reported: dict[PeriodKey, int] = {}
    for period, n, _ in session.execute(_PERIOD_ROWS, {"u": unit_id}).all():
        if n > 0:
            for upper in ids_on_path(path):
                reported[(upper, period)] = sign
    _write_reported(session, _UPSERT[dialect(session)][2], reported)
    # Whether it was on time for a month is not kept per unit: the months' on-time counts
    # are dropped, and taken again from the entries (reminders/ontime.py).
    session.execute(_M.delete())


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
