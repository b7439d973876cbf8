"""The month's sign-off chain: a commune's status per month, the figures it signed off,
and the lock that keeps a signed-off or approved month's figures still.

Concurrency: a sign-off takes the commune's unit row FOR UPDATE before it reads the
figures; a change to a month's figures (a report, a correction, a "không phát sinh") takes
the rows of the units above its village FOR SHARE before it checks the status. So on
PostgreSQL a report either commits before the sign-off reads (and is in its snapshot) or
waits for the sign-off to commit and then sees the lock. A "không phát sinh" takes its
village's row FOR UPDATE before it looks for counts, so it and a report of the village
(which holds that row FOR SHARE before it reads the declaration) also go one after the
other. SQLite writes one transaction at a time (BEGIN IMMEDIATE), which gives the same
order without row locks.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import bindparam, or_
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    MonthSignoff,
    MonthStatus,
    SignoffFigure,
    Unit,
    ids_on_path,
    pk,
)

LOCKED = (MonthStatus.signed, MonthStatus.approved)


def path_ids(unit: Unit) -> list[int]:
    return ids_on_path(unit.path)


_U = Unit.__table__.c  # type: ignore[attr-defined]
# Built once: every report, correction and declaration runs them.
_LOCK_UNIT = sa_select(_U.id).where(_U.id == bindparam("id")).with_for_update()
_HOLD_UNITS = (
    sa_select(_U.id).where(_U.id.in_(bindparam("ids", expanding=True))).with_for_update(read=True)
)
_LOCKING_ROW = (
    select(MonthSignoff)
    .where(col(MonthSignoff.unit_id).in_(bindparam("ids", expanding=True)))
    .where(col(MonthSignoff.month) == bindparam("month"))
    .where(or_(*(col(MonthSignoff.status) == status for status in LOCKED)))
    .limit(1)
)


class Signoffs:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    @property
    def _on_postgres(self) -> bool:
        return self.s.bind is not None and self.s.bind.dialect.name == "postgresql"

    async def lock_unit(self, unit_id: int) -> None:
        """Hold a unit's row until this transaction ends: a commune's before a sign-off
        reads its figures, a village's before it declares nothing to report."""
        if self._on_postgres:
            await self.s.exec(_LOCK_UNIT, params={"id": unit_id})  # type: ignore[call-overload]

    async def guard(self, unit: Unit, month: str) -> MonthSignoff | None:
        """The locking status row (signed off or approved) of the month for a unit or one
        above it; the units above are held FOR SHARE until this transaction ends, so no
        sign-off can read the month's figures in between."""
        params = {"ids": path_ids(unit), "month": month}
        if self._on_postgres:
            await self.s.exec(_HOLD_UNITS, params=params)  # type: ignore[call-overload]
        return (await self.s.exec(_LOCKING_ROW, params=params)).first()

    async def get(self, unit_id: int, month: str) -> MonthSignoff | None:
        stmt = select(MonthSignoff).where(
            MonthSignoff.unit_id == unit_id, MonthSignoff.month == month
        )
        return (await self.s.exec(stmt)).first()

    async def latest(self, unit_id: int, status: MonthStatus) -> MonthSignoff | None:
        """The latest month of a unit in a status (what /duyet or /mochot act on)."""
        stmt = (
            select(MonthSignoff)
            .where(MonthSignoff.unit_id == unit_id, MonthSignoff.status == status)
            .order_by(col(MonthSignoff.month).desc())
        )
        return (await self.s.exec(stmt.limit(1))).first()

    async def sign(
        self,
        unit_id: int,
        month: str,
        *,
        by: int,
        at: datetime,
        figures: Mapping[int, Mapping[str, int]],
    ) -> MonthSignoff:
        """Sign a month off: the status row (made or moved to signed, next round) and
        the figures of that round."""
        row = await self.get(unit_id, month) or MonthSignoff(unit_id=unit_id, month=month)
        row.status, row.round = MonthStatus.signed, row.round + 1
        row.signed_by, row.signed_at = by, at
        row.decided_by, row.decided_at, row.reason = None, None, ""
        self.s.add(row)
        await self.s.flush()
        self.s.add_all(
            SignoffFigure(
                signoff_id=pk(row), round=row.round, unit_id=unit, indicator=code, count=n
            )
            for unit, counts in figures.items()
            for code, n in counts.items()
        )
        await self.s.flush()
        return row

    async def decide(
        self, row: MonthSignoff, status: MonthStatus, *, by: int, at: datetime, reason: str = ""
    ) -> None:
        row.status, row.decided_by, row.decided_at, row.reason = status, by, at, reason
        self.s.add(row)
        await self.s.flush()

    async def figures(self, row: MonthSignoff) -> dict[int, dict[str, int]]:
        """The snapshot of the row's current round: unit id -> indicator -> count."""
        stmt = select(SignoffFigure).where(
            SignoffFigure.signoff_id == row.id, SignoffFigure.round == row.round
        )
        result: dict[int, dict[str, int]] = {}
        for f in (await self.s.exec(stmt)).all():
            result.setdefault(f.unit_id, {})[f.indicator] = f.count
        return result

    async def in_subtree(self, scope: Unit, month: str) -> dict[int, MonthSignoff]:
        """Unit id -> its status row for the month, for every unit of a subtree that has one."""
        stmt = (
            select(MonthSignoff)
            .join(Unit, col(Unit.id) == col(MonthSignoff.unit_id))
            .where(col(Unit.path).startswith(scope.path), MonthSignoff.month == month)
        )
        return {row.unit_id: row for row in (await self.s.exec(stmt)).all()}
