"""The read-only API's storage: tokens (hash only) and the entries' keyset pages.

A token is 32 random bytes (256 bits), given once; only its SHA-256 is stored. A fast hash
is enough for a random secret of that size (no one can try 2^256 candidates; slow hashes
like bcrypt exist for low-entropy passwords), and it lets a request find its token by an
indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ApiToken, Entry, Unit

TOKEN_PREFIX = "cns_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class ApiTokens:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def create(
        self, unit_id: int, name: str, by: int | None, now: datetime
    ) -> tuple[str, ApiToken]:
        """A new token: (the token itself, shown once; its row)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = ApiToken(
            token_hash=token_hash(token), prefix=token[:10], name=name[:80], unit_id=unit_id,
            created_by=by, created_at=now,
        )  # fmt: skip
        self.s.add(row)
        await self.s.flush()
        return token, row

    async def active(self, token: str) -> ApiToken | None:
        stmt = select(ApiToken).where(ApiToken.token_hash == token_hash(token))
        found = (await self.s.exec(stmt)).first()
        return found if found is not None and found.revoked_at is None else None

    async def get(self, token_id: int) -> ApiToken | None:
        return await self.s.get(ApiToken, token_id)

    async def in_subtree(self, scope: Unit | None) -> list[tuple[ApiToken, Unit]]:
        """Tokens (revoked ones too) of units in the scope's subtree; every one for None."""
        stmt = (
            select(ApiToken, Unit)
            .join(Unit, col(Unit.id) == col(ApiToken.unit_id))
            .order_by(col(ApiToken.id))
        )
        if scope is not None:
            stmt = stmt.where(col(Unit.path).startswith(scope.path))
        return [(t, u) for t, u in (await self.s.exec(stmt)).all()]

    async def revoke(self, token_id: int, by: int | None, now: datetime) -> bool:
        """False when there is no such active token."""
        stmt = (
            update(ApiToken)
            .where(col(ApiToken.id) == token_id, col(ApiToken.revoked_at).is_(None))
            .values(revoked_at=now, revoked_by=by)
        )
        return bool((await self.s.exec(stmt)).rowcount)


async def entries_page(
    session: AsyncSession,
    scope: Unit,
    *,
    start: date | None,
    end: date | None,
    indicator: str | None,
    after_id: int,
    limit: int,
) -> Sequence[tuple[Entry, Unit]]:
    """Entries of the scope's subtree in id order, after `after_id` (a keyset cursor: a new
    entry always gets a higher id, so a page never shifts, skips or repeats under inserts).
    Cancelled entries are included (with `cancelled_at`): a correction is visible as one."""
    stmt = (
        select(Entry, Unit)
        .join(Unit, col(Unit.id) == col(Entry.unit_id))
        .where(col(Unit.path).startswith(scope.path), col(Entry.id) > after_id)
        .order_by(col(Entry.id))
        .limit(limit)
    )
    if start is not None:
        stmt = stmt.where(col(Entry.day) >= start)
    if end is not None:
        stmt = stmt.where(col(Entry.day) <= end)
    if indicator:
        stmt = stmt.where(col(Entry.indicator) == indicator)
    return [(e, u) for e, u in (await session.exec(stmt)).all()]
