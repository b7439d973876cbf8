"""Which villages had reported by a month's deadline ("Đúng hạn"), three ways.

- `reported_by`: from the raw entries and declarations, for any cutoff: an entry or a
  "không phát sinh" counts if it was made by then and not cancelled by then. It reads every
  entry of the month in the subtree: the reference, and the fallback.
- After the cutoff that answer never changes (later reports do not count; later
  cancellations do not undo it), so it is taken once per month (`take`) and kept as a count
  per unit of its on-time villages, with the cutoff it is for (`counts`).
- Before the cutoff, when nothing was made or cancelled after the moment asked about
  (`changed_after`), the answer is the present one, which the period counters already keep
  (`Tallies.periods`, `Tallies.declared_villages`).
"""

from __future__ import annotations

from calendar import monthrange
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, text, union
from sqlalchemy import select as sa_select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import rollups
from storage.models import (
    Entry,
    Level,
    NothingToReport,
    OnTimeMonth,
    Unit,
    UnitOnTime,
    ids_on_path,
)
from storage.tally import under

_E = Entry.__table__.c  # type: ignore[attr-defined]
_N = NothingToReport.__table__.c  # type: ignore[attr-defined]
_U = Unit.__table__.c  # type: ignore[attr-defined]
_M = OnTimeMonth.__table__  # type: ignore[attr-defined]
_O = UnitOnTime.__table__  # type: ignore[attr-defined]
_IDS: Any = bindparam("ids", expanding=True)


def _latest(column: Any) -> Any:
    # max() of an indexed column is one step down its index; no parameter, so no generic
    # plan of a prepared statement can turn it into a scan (PostgreSQL guesses a third of
    # the rows for `created_at > $1` and would scan the table for the first one).
    return sa_select(func.max(column)).where(column.is_not(None)).scalar_subquery()


# The latest moment anything was made or cancelled (entries, declarations).
_LATEST = sa_select(
    _latest(_E.created_at),
    _latest(_E.cancelled_at),
    _latest(_N.created_at),
    _latest(_N.cancelled_at),
)
_MARKER = sa_select(_M.c.cutoff).where(_M.c.month == bindparam("month"))
_COUNTS = sa_select(_O.c.unit_id, _O.c.on_time).where(
    _O.c.month == bindparam("month"), _O.c.unit_id.in_(_IDS)
)
_MARKERS = sa_select(_M.c.month, _M.c.cutoff)
# Units move (and are added) after the counts are read, or wait: a move shifts the counts
# of its subtree (storage/rollups.py), and could not shift counts not yet written. Reports
# go on (their row locks do not conflict with it).
_NO_MOVES = text("LOCK TABLE unit IN SHARE MODE")
_ROWS_OF = sa_select(_O.c.unit_id, _O.c.on_time).where(
    _O.c.month == bindparam("month"), _O.c.on_time != 0
)


class Punctuality:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def reported_by(
        self,
        scope: Unit | None,
        start: date,
        end: date,
        months: Sequence[str],
        cutoff: datetime,
    ) -> dict[int, str]:
        """Villages of a subtree (every village: `scope` None) that had, at the instant
        `cutoff`, an entry of [start, end] or a declaration of one of `months` in force
        (made by then, not cancelled by then) -> their path."""
        entries = (
            sa_select(_U.id, _U.path)
            .join(Entry.__table__, _E.unit_id == _U.id)  # type: ignore[attr-defined]
            .where(_U.level == Level.village, _E.day.between(start, end))
            .where(_E.created_at <= cutoff)
            .where(or_(_E.cancelled_at.is_(None), _E.cancelled_at > cutoff))
        )
        declared = (
            sa_select(_U.id, _U.path)
            .join(NothingToReport.__table__, _N.unit_id == _U.id)  # type: ignore[attr-defined]
            .where(_U.level == Level.village, _N.month.in_(list(months)))
            .where(_N.created_at <= cutoff)
            .where(or_(_N.cancelled_at.is_(None), _N.cancelled_at > cutoff))
        )
        if scope is not None:
            entries, declared = entries.where(under(scope)), declared.where(under(scope))
        rows = (await self.s.exec(union(entries, declared))).all()  # type: ignore[call-overload]
        return {int(u): p for u, p in rows}

    async def changed_after(self, at: datetime) -> bool:
        """Whether any entry or declaration was made or cancelled after `at` (then the
        present counts are not the counts at `at`)."""
        found = (await self.s.exec(_LATEST)).one()  # type: ignore[call-overload]
        return any(moment is not None and moment > at for moment in found)

    async def counts(
        self, month: str, cutoff: datetime, ids: Sequence[int]
    ) -> dict[int, int] | None:
        """On-time villages per unit (no key: none), from the month's taken counts; None
        when they were not taken, or taken for another cutoff."""
        taken = (await self.s.exec(_MARKER, params={"month": month})).first()  # type: ignore[call-overload]
        if taken is None or taken[0] != cutoff:
            return None
        rows = await self.s.exec(_COUNTS, params={"month": month, "ids": list(ids)})  # type: ignore[call-overload]
        return {int(u): int(n) for u, n in rows.all()}

    async def taken(self) -> dict[str, datetime]:
        """Month -> the cutoff its counts were taken for."""
        return {m: c for m, c in (await self.s.exec(_MARKERS)).all()}  # type: ignore[call-overload]

    async def stored(self, month: str) -> dict[int, int]:
        rows = await self.s.exec(_ROWS_OF, params={"month": month})  # type: ignore[call-overload]
        return {int(u): int(n) for u, n in rows.all()}

    async def wanted(self, month: str, cutoff: datetime) -> dict[int, int]:
        """What the month's counts should be, from the raw entries: per unit, its on-time
        villages (every ancestor of an on-time village counts it)."""
        villages = await self.reported_by(None, *month_span(month), [month], cutoff)
        return dict(Counter(u for path in villages.values() for u in ids_on_path(path)))

    async def take(self, month: str, cutoff: datetime, at: datetime) -> None:
        """Take (or take again) the month's counts for `cutoff`. Take them only once no
        unit of work begun before the cutoff can still be open (the caller waits a
        margin)."""
        await rollups.flush(self.s)
        if rollups.dialect(self.s) == "postgresql":
            await self.s.exec(_NO_MOVES)  # type: ignore[call-overload]
        found = await self.wanted(month, cutoff)
        await self.s.exec(delete(_O).where(_O.c.month == month))
        await self.s.exec(delete(_M).where(_M.c.month == month))
        rows = [{"unit_id": u, "month": month, "on_time": n} for u, n in sorted(found.items())]
        if rows:
            await self.s.exec(insert(_O), params=rows)
        await self.s.exec(insert(_M).values(month=month, cutoff=cutoff, taken_at=at))


def month_span(month: str) -> tuple[date, date]:
    """The first and last day of a month key ("2026-11"), as reminders.calendar has them
    (storage cannot import it: a test keeps the two equal)."""
    year, number = int(month[:4]), int(month[5:7])
    return date(year, number, 1), date(year, number, monthrange(year, number)[1])
