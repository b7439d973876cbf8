"""Reads of the roll-ups driven by the units shown: a tally of a scope reads the rows of
the scope and its children (`unit_id IN (...)`), never a row per village above the
commune. Each read writes the unit of work's pending roll-up deltas first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import String, bindparam, case, cast, func, literal
from sqlalchemy import select as sa_select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import rollups
from storage.models import Level, NothingToReport, SubtreeDaily, Unit, UnitPeriod

_D = SubtreeDaily.__table__.c  # type: ignore[attr-defined]
_P = UnitPeriod.__table__.c  # type: ignore[attr-defined]
_U = Unit.__table__.c  # type: ignore[attr-defined]
_N = NothingToReport.__table__.c  # type: ignore[attr-defined]
_IDS: Any = bindparam("ids", expanding=True)
PerUnit = dict[int, dict[str, int]]

_PERIOD_ROWS = sa_select(_P.unit_id, _P.n, _P.villages_reported).where(
    _P.unit_id.in_(_IDS), _P.period == bindparam("period")
)
_PATHS = sa_select(_U.id, _U.path).where(_U.id.in_(_IDS))
_ANY_OUTSIDE = (
    sa_select(_D.day)
    .where(_D.unit_id == bindparam("u"), _D.n != 0)
    .where(_D.day.between(bindparam("low"), bindparam("high")))
    .limit(1)
)


def under(scope: Unit) -> Any:
    """`unit.path LIKE 'prefix%'` with the prefix written into the SQL: a prepared
    statement's generic plan cannot use the path index for a parameter pattern
    (PostgreSQL switches to it after five runs: a seq scan of every unit)."""
    return _U.path.startswith(literal(scope.path, literal_execute=True))


class Tallies:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def _rows(self, stmt: Any, params: dict[str, Any] | None = None) -> Sequence[Any]:
        await rollups.flush(self.s)
        return (await self.s.exec(stmt, params=params or {})).all()

    async def counts(
        self, ids: Sequence[int], span: tuple[date, date], inner: tuple[date, date]
    ) -> tuple[PerUnit, PerUnit, dict[int, date]]:
        """For these units' subtrees: counts per indicator in `span` and in `inner` (a
        week), and the latest day with a count in `span`; one pass over their rows."""
        low, high = min(span[0], inner[0]), max(span[1], inner[1])
        in_span = _D.day.between(span[0], span[1])
        stmt = (
            sa_select(
                _D.unit_id,
                _D.indicator,
                func.sum(case((in_span, _D.n), else_=0)),
                func.sum(case((_D.day.between(inner[0], inner[1]), _D.n), else_=0)),
                # A row emptied by cancellations (n = 0) is no report that day.
                func.max(case((in_span & (_D.n > 0), _D.day), else_=None)),
            )
            .where(_D.unit_id.in_(list(ids)), _D.day.between(low, high))
            .group_by(_D.unit_id, _D.indicator)
        )
        outer: PerUnit = {}
        week: PerUnit = {}
        latest: dict[int, date] = {}
        for unit_id, indicator, total, inner_total, last in await self._rows(stmt):
            if total:
                outer.setdefault(unit_id, {})[indicator] = int(total)
            if inner_total:
                week.setdefault(unit_id, {})[indicator] = int(inner_total)
            if last is not None:
                latest[unit_id] = max(latest.get(unit_id, _day(last)), _day(last))
        return outer, week, latest

    async def villages_per_child(self, scope: Unit) -> dict[int, int]:
        """How many villages each direct child's subtree holds (a village child: 1),
        counted in SQL from the unit table."""
        skip = len(scope.path)
        rest = func.substr(_U.path, skip + 1)
        dialect = self.s.bind.dialect.name if self.s.bind is not None else "sqlite"
        if dialect == "postgresql":
            child = func.split_part(rest, literal("/"), 1)
        else:
            child = func.substr(rest, 1, func.instr(rest, literal("/")) - 1)
        stmt = (
            sa_select(cast(child, String), func.count())
            .where(under(scope), _U.path != scope.path)
            .where(_U.level == Level.village)
            .group_by(child)
        )
        rows = (await self.s.exec(stmt)).all()  # type: ignore[call-overload]
        return {int(c): int(n) for c, n in rows}

    async def periods(self, ids: Sequence[int], period: str) -> dict[int, tuple[int, int]]:
        """(own total, villages reported) of these units in one period (month, quarter,
        year key)."""
        rows = await self._rows(_PERIOD_ROWS, {"ids": list(ids), "period": period})
        return {u: (int(n), int(v)) for u, n, v in rows}

    async def active_between(self, unit_id: int, low: date, high: date) -> bool:
        """Whether the unit's subtree has any count on a day in [low, high]."""
        if low > high:
            return False
        params = {"u": unit_id, "low": low, "high": high}
        return bool(await self._rows(_ANY_OUTSIDE, params))

    async def villages_reporting(self, scope: Unit, start: date, end: date) -> dict[int, str]:
        """Villages of the subtree with a count in [start, end] -> their path (village
        rows: a village's subtree is itself)."""
        stmt = (
            sa_select(_D.unit_id, _U.path)
            .join(Unit.__table__, _U.id == _D.unit_id)  # type: ignore[attr-defined]
            .where(under(scope), _U.level == Level.village)
            .where(_D.day.between(start, end))
            .group_by(_D.unit_id, _U.path)
            .having(func.sum(_D.n) > 0)
        )
        return {u: p for u, p in await self._rows(stmt)}

    async def declared_villages(self, scope: Unit, months: Sequence[str]) -> dict[int, str]:
        """Villages of the subtree that declared "không phát sinh" for one of the months
        (few) -> their path."""
        stmt = (
            sa_select(_N.unit_id, _U.path)
            .join(Unit.__table__, _U.id == _N.unit_id)  # type: ignore[attr-defined]
            .where(under(scope), _U.level == Level.village)
            .where(_N.month.in_(list(months)), _N.cancelled_at.is_(None))
        )
        rows = (await self.s.exec(stmt)).all()  # type: ignore[call-overload]
        return {u: p for u, p in rows}

    async def villages_with_reports(self, period: str) -> set[int]:
        """Every village with a count in the period (a month, quarter or year key): one
        row per reporting village, from the period counters."""
        stmt = (
            sa_select(_P.unit_id)
            .join(Unit.__table__, _U.id == _P.unit_id)  # type: ignore[attr-defined]
            .where(_P.period == period, _P.n > 0, _U.level == Level.village)
        )
        return {u for (u,) in await self._rows(stmt)}

    async def villages(self, scope: Unit) -> list[int]:
        """The villages of a (small) subtree: ids only."""
        stmt = sa_select(_U.id).where(under(scope), _U.level == Level.village)
        return [u for (u,) in (await self.s.exec(stmt)).all()]  # type: ignore[call-overload]

    async def paths(self, ids: Sequence[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        wanted = list(ids)
        for start in range(0, len(wanted), 500):
            params = {"ids": wanted[start : start + 500]}
            rows = (await self.s.exec(_PATHS, params=params)).all()  # type: ignore[call-overload]
            found.update((u, p) for u, p in rows)
        return found


def _day(value: date | str) -> date:
    """MAX(day) comes back as text from SQLite (an aggregate loses the column's type)."""
    return value if isinstance(value, date) else date.fromisoformat(value)
