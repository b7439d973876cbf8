"""Per-person limits: confirmations that wait for their asker, and wrong-code throttling."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.codes import random_code
from storage.models import PendingAction, PendingKind, Throttle

PENDING_CODE_LENGTH = 6


class Pendings:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def create(
        self,
        kind: PendingKind,
        member_id: int,
        payload: dict[str, Any],
        *,
        now: datetime,
        lifetime: timedelta,
    ) -> str:
        """A new confirmation code. Never all digits: `/xacnhan 12` is a notice's number."""
        while True:
            code = random_code(PENDING_CODE_LENGTH)
            if code.isdigit() or await self.s.get(PendingAction, code) is not None:
                continue
            break
        self.s.add(
            PendingAction(
                code=code, kind=kind, member_id=member_id, payload=json.dumps(payload),
                created_at=now, expires_at=now + lifetime,
            )
        )  # fmt: skip
        await self.s.flush()
        return code

    async def get(self, code: str) -> PendingAction | None:
        return await self.s.get(PendingAction, code)

    async def take(self, code: str, member_id: int, now: datetime, result: str = "") -> bool:
        """Mark an open confirmation as done; True for the one caller that did it (a second
        press, even a concurrent one, gets False)."""
        stmt = (
            update(PendingAction)
            .where(col(PendingAction.code) == code, col(PendingAction.member_id) == member_id)
            .where(col(PendingAction.done_at).is_(None), col(PendingAction.expires_at) > now)
            .values(done_at=now, result=result)
        )
        return bool((await self.s.exec(stmt)).rowcount)

    async def count_since(self, member_id: int, kind: PendingKind, since: datetime) -> int:
        params = {"m": member_id, "k": kind.name, "t": since}
        result = await self.s.exec(_COUNT_SINCE, params=params)  # type: ignore[call-overload]
        return int(result.scalar_one())


_P = PendingAction.__table__.c  # type: ignore[attr-defined]
_COUNT_SINCE = sa_select(func.count()).where(
    _P.member_id == bindparam("m"), _P.kind == bindparam("k"), _P.created_at > bindparam("t")
)


# Built once; a Core insert that does nothing when the key exists (both dialects).
_NEW_ROW = {
    name: dialect.insert(Throttle.__table__).on_conflict_do_nothing()  # type: ignore[attr-defined]
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


class Throttles:
    """Failures per key; the caller decides how long a key waits after how many."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def get(self, key: str) -> Throttle | None:
        return await self.s.get(Throttle, key)

    async def fail(self, key: str, now: datetime, *, forget_after: timedelta) -> Throttle:
        """One more wrong try for `key` (counting from zero again after `forget_after`
        without one). The row is locked for this transaction (PostgreSQL): two concurrent
        wrong tries of one person both count."""
        dialect = self.s.bind.dialect.name if self.s.bind else "sqlite"
        stmt = _NEW_ROW["postgresql" if dialect == "postgresql" else "sqlite"]
        await self.s.exec(stmt, params={"key": key, "failures": 0})
        query = select(Throttle).where(Throttle.key == key).with_for_update()
        row = (await self.s.exec(query.execution_options(populate_existing=True))).one()
        if row.last_failure_at is not None and now - row.last_failure_at > forget_after:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        await self.s.flush()
        return row

    async def block(self, row: Throttle, until: datetime) -> None:
        row.blocked_until = until
        await self.s.flush()

    async def clear(self, key: str) -> None:
        row = await self.s.get(Throttle, key)
        if row is not None:
            await self.s.delete(row)
            await self.s.flush()
