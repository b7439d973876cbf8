"""The log of targeted nudges (`/nhacnho`): who was reminded on which day, by whom."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Nudge, OutboxMessage


class Nudges:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def nudged_on(self, member_ids: Sequence[int], day: date) -> set[int]:
        """The members among these already nudged on this day."""
        if not member_ids:
            return set()
        stmt = select(Nudge.member_id).where(
            col(Nudge.member_id).in_(list(member_ids)), Nudge.day == day
        )
        return set((await self.s.exec(stmt)).all())

    async def queued(self, keys: Sequence[str]) -> set[str]:
        """Which of these outbox keys were queued (a scheduled reminder of the day)."""
        found: set[str] = set()
        keys = list(keys)
        for start in range(0, len(keys), 500):  # under the database's parameter limit
            stmt = select(OutboxMessage.key).where(
                col(OutboxMessage.key).in_(keys[start : start + 500])
            )
            found |= set((await self.s.exec(stmt)).all())
        return found

    async def record(
        self, *, member_id: int, unit_id: int, day: date, by: int, at: datetime
    ) -> bool:
        """Log a nudge; False (nothing written) when the member was nudged that day already,
        also by a leader nudging at the same moment (the unique key decides)."""
        dialect = self.s.bind.dialect.name if self.s.bind else "sqlite"
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(Nudge)
            .values(member_id=member_id, unit_id=unit_id, day=day, by_member_id=by, created_at=at)
            .on_conflict_do_nothing()
        )
        result = await self.s.exec(stmt)
        return bool(result.rowcount)
