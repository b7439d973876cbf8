"""Queries of the operations pages: an outbox's troubles, and unbinding a group."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Broadcast, Chat, OutboxMessage, OutboxStatus


async def troubled(session: AsyncSession, limit: int = 500) -> Sequence[OutboxMessage]:
    """Dead letters, and pending messages that already failed at least once, newest first."""
    stmt = (
        select(OutboxMessage)
        .where(
            (col(OutboxMessage.status) == OutboxStatus.dead)
            | (
                (col(OutboxMessage.status) == OutboxStatus.pending)
                & (col(OutboxMessage.attempts) > 0)
            )
        )
        .order_by(col(OutboxMessage.id).desc())
        .limit(limit)
    )
    return (await session.exec(stmt)).all()


async def retry_one(session: AsyncSession, message_id: int, now: datetime) -> bool:
    """One dead letter gets a new round of attempts; False when it is not dead."""
    stmt = (
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.status) == OutboxStatus.dead)
        .values(status=OutboxStatus.pending, attempts=0, not_before=now)
    )
    return bool((await session.exec(stmt)).rowcount)


async def unbind(session: AsyncSession, chat: Chat) -> None:
    chat.unit_id = None
    session.add(chat)
    await session.flush()


async def latest_draft(session: AsyncSession, author_id: int) -> Broadcast | None:
    stmt = (
        select(Broadcast)
        .where(Broadcast.author_id == author_id, Broadcast.status == "draft")
        .order_by(col(Broadcast.id).desc())
    )
    return (await session.exec(stmt)).first()
