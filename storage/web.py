"""Web app sign-in: one-time login tickets and browser sessions.

Tokens are random and given to the browser once; only their SHA-256 is stored, so a copy
of the database (a backup) opens no session.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import WebSession, WebTicket


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class WebAccess:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def issue_ticket(self, member_id: int, expires_at: datetime) -> str:
        token = secrets.token_urlsafe(24)
        self.s.add(
            WebTicket(token_hash=token_hash(token), member_id=member_id, expires_at=expires_at)
        )
        await self.s.flush()
        return token

    async def redeem_ticket(self, token: str, now: datetime) -> int | None:
        """The member of an unused, unexpired ticket (now used), else None: a link works once."""
        digest = token_hash(token)
        stmt = (
            update(WebTicket)
            .where(col(WebTicket.token_hash) == digest, col(WebTicket.used_at).is_(None))
            .where(col(WebTicket.expires_at) > now)
            .values(used_at=now)
        )
        if not (await self.s.exec(stmt)).rowcount:
            return None
        ticket = await self.s.get(WebTicket, digest)
        return ticket.member_id if ticket else None

    async def open_session(self, member_id: int, expires_at: datetime) -> tuple[str, str]:
        """A new session: (cookie token, CSRF token)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        row = WebSession(
            token_hash=token_hash(token), member_id=member_id, csrf=csrf, expires_at=expires_at
        )
        self.s.add(row)
        await self.s.flush()
        return token, csrf

    async def session(self, token: str, now: datetime) -> WebSession | None:
        found = await self.s.get(WebSession, token_hash(token))
        if found is None or found.expires_at <= now:
            return None
        return found

    async def close_session(self, token: str) -> None:
        await self.s.exec(delete(WebSession).where(col(WebSession.token_hash) == token_hash(token)))

    async def prune(self, now: datetime) -> int:
        """Expired tickets and sessions (run by the schedule with the other retention)."""
        gone = 0
        for model in (WebTicket, WebSession):
            result = await self.s.exec(delete(model).where(col(model.expires_at) <= now))
            gone += result.rowcount or 0
        return gone
