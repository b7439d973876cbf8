"""Declarations of a month with nothing to report ("không phát sinh")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.codes import random_code
from storage.entries import RECEIPT_LENGTH
from storage.models import Entry, NothingToReport, Unit

# Built once: every declaration and every report that ends one runs it.
_ACTIVE = (
    select(NothingToReport)
    .where(col(NothingToReport.unit_id) == bindparam("unit"))
    .where(col(NothingToReport.month) == bindparam("month"))
    .where(col(NothingToReport.cancelled_at).is_(None))
    .limit(1)
)


class Declarations:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def _new_receipt(self) -> str:
        """A code unused by reports and declarations alike: `/huy CODE` takes either."""
        while True:
            code = random_code(RECEIPT_LENGTH)
            taken = select(Entry.id).where(Entry.receipt == code).limit(1)
            declared = select(NothingToReport.id).where(NothingToReport.receipt == code)
            if (await self.s.exec(taken)).first() is None and (
                await self.s.exec(declared.limit(1))
            ).first() is None:
                return code

    async def declare(self, *, unit_id: int, month: str, member_id: int, at: datetime) -> str:
        receipt = await self._new_receipt()
        self.s.add(
            NothingToReport(
                receipt=receipt, unit_id=unit_id, month=month, member_id=member_id, created_at=at
            )
        )
        await self.s.flush()
        return receipt

    async def active(self, unit_id: int, month: str) -> NothingToReport | None:
        params = {"unit": unit_id, "month": month}
        return (await self.s.exec(_ACTIVE, params=params)).first()

    async def by_receipt(self, receipt: str) -> NothingToReport | None:
        stmt = select(NothingToReport).where(NothingToReport.receipt == receipt)
        return (await self.s.exec(stmt.limit(1))).first()

    async def cancel(self, row: NothingToReport, *, by: int, at: datetime) -> None:
        row.cancelled_at, row.cancelled_by = at, by
        self.s.add(row)
        await self.s.flush()

    async def clear(self, unit_id: int, month: str, *, by: int, at: datetime) -> str | None:
        """A report for the month ends the declaration; returns its receipt if there was one."""
        row = await self.active(unit_id, month)
        if row is None:
            return None
        await self.cancel(row, by=by, at=at)
        return row.receipt

    async def in_subtree(self, scope: Unit, months: Sequence[str]) -> set[int]:
        """The units of a subtree with an active declaration for one of the months: one
        query for a whole tally, not one per unit."""
        stmt = (
            select(NothingToReport.unit_id)
            .join(Unit, col(Unit.id) == col(NothingToReport.unit_id))
            .where(col(Unit.path).startswith(scope.path))
            .where(col(NothingToReport.month).in_(list(months)))
            .where(col(NothingToReport.cancelled_at).is_(None))
        )
        return set((await self.s.exec(stmt)).all())
