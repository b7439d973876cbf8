"""The outbox: notifications waiting to go out, and what became of them."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Broadcast,
    BroadcastStatus,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    PublicFile,
    utcnow,
)

_S = OutboxStatus
_B = BroadcastStatus
REPLY = OutboxKind.reply  # the kind of an answer to an update (the others are notifications)
_TABLE = OutboxMessage.__table__  # type: ignore[attr-defined]
# Built once (every update runs it): a Core insert of a whole row, its id returned.
_INSERT_REPLY = {
    name: dialect.insert(_TABLE)
    .values(
        {
            column.name: bindparam(column.name, type_=column.type)
            for column in _TABLE.columns
            if column.name != "id"
        }
    )
    .on_conflict_do_nothing()
    .returning(_TABLE.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}

# Built once (every reply sent runs it); a Core update: no ORM session to keep in step.
_MARK_SENT = (
    update(_TABLE)
    .where(_TABLE.c.id.in_(bindparam("ids", expanding=True)))
    .values(status=_S.sent, sent_at=bindparam("at", type_=_TABLE.c.sent_at.type), claimed_at=None)
)


class Outbox:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    def _dialect(self) -> str:
        return self.s.bind.dialect.name if self.s.bind else "sqlite"

    async def enqueue(
        self,
        key: str,
        *,
        kind: OutboxKind,
        platform: str,
        chat_id: str,
        html: str,
        is_group: bool = False,
        file_name: str | None = None,
        file_data: bytes | None = None,
        broadcast_id: int | None = None,
        recipient_id: int | None = None,
        not_before: datetime | None = None,
    ) -> bool:
        """Queue one message; False (and nothing written) when the key was queued before."""
        insert = postgresql.insert if self._dialect() == "postgresql" else sqlite.insert
        now = utcnow()
        stmt = (
            insert(OutboxMessage)
            .values(
                key=key[:200],
                kind=kind,
                platform=platform,
                chat_id=chat_id,
                is_group=is_group,
                html=html,
                file_name=file_name,
                file_data=file_data,
                broadcast_id=broadcast_id,
                recipient_id=recipient_id,
                status=_S.pending,
                attempts=0,
                not_before=not_before or now,
                created_at=now,
                last_error="",
            )
            .on_conflict_do_nothing()
        )
        result = await self.s.exec(stmt)
        return bool(result.rowcount)

    async def enqueue_reply(
        self,
        key: str,
        *,
        platform: str,
        chat_id: str,
        is_group: bool,
        html: str,
        buttons: list[dict[str, str]] | None = None,
        file: tuple[str, bytes, bool] | None = None,
    ) -> OutboxMessage | None:
        """Queue a reply to an update, already claimed (`sending`) for the process that
        handles the update: after the commit it sends it at once (the fast path), or, if
        that process dies, the lease returns it to the delivery workers. Returns the row
        (detached), or None when the key was queued before."""
        now = utcnow()
        name, data, photo = file if file is not None else (None, None, True)
        values: dict[str, Any] = dict(
            key=key[:200], kind=REPLY, platform=platform, chat_id=chat_id, is_group=is_group,
            html=html, buttons=buttons, file_name=name, file_data=data, file_photo=photo,
            status=_S.sending, attempts=0, not_before=now, claimed_at=now, created_at=now,
            last_error="", broadcast_id=None, recipient_id=None, sent_at=None,
        )  # fmt: skip
        stmt = _INSERT_REPLY["postgresql" if self._dialect() == "postgresql" else "sqlite"]
        new_id = (await self.s.exec(stmt, params=values)).scalar()
        return None if new_id is None else OutboxMessage(id=new_id, **values)

    async def claim_replies(self, key_prefix: str, now: datetime) -> list[OutboxMessage]:
        """The still pending replies whose key starts with `key_prefix` (one update's),
        marked sending for the caller. Sent or claimed ones are left alone."""
        # A range on the unique key's index (LIKE would not use it on SQLite).
        end = key_prefix[:-1] + chr(ord(key_prefix[-1]) + 1)
        stmt = (
            select(OutboxMessage)
            .where(col(OutboxMessage.key) >= key_prefix, col(OutboxMessage.key) < end)
            .where(OutboxMessage.status == _S.pending)
            .order_by(col(OutboxMessage.id))
        )
        if self._dialect() == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list((await self.s.exec(stmt)).all())
        for row in rows:
            row.status, row.claimed_at = _S.sending, now
        await self.s.flush()
        return rows

    async def claim(
        self, now: datetime, limit: int, platforms: Sequence[str]
    ) -> list[OutboxMessage]:
        """Take due pending messages for these platforms, marking them sending: replies
        first (someone is waiting for them, even behind a notice to thousands), then the
        others, each oldest first.

        On PostgreSQL, rows locked by another worker are skipped (FOR UPDATE SKIP LOCKED).
        """
        rows = await self._due(now, limit, platforms, replies=True)
        if len(rows) < limit:
            rows += await self._due(now, limit - len(rows), platforms, replies=False)
        for row in rows:
            row.status, row.claimed_at = _S.sending, now
        await self.s.flush()
        return rows

    async def _due(
        self, now: datetime, limit: int, platforms: Sequence[str], *, replies: bool
    ) -> list[OutboxMessage]:
        kind = col(OutboxMessage.kind)
        stmt = (
            select(OutboxMessage)
            .where(OutboxMessage.status == _S.pending, OutboxMessage.not_before <= now)
            .where(kind == REPLY if replies else kind != REPLY)
            .where(col(OutboxMessage.platform).in_(list(platforms)))
            .order_by(col(OutboxMessage.id))
            .limit(limit)
        )
        if self._dialect() == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        return list((await self.s.exec(stmt)).all())

    async def release_stale(self, now: datetime, lease: timedelta) -> int:
        """Messages claimed by a worker that died go back to pending (sent at most twice).

        PostgreSQL: rows another transaction holds are skipped (a worker recording their
        outcomes now; the next release finds them if they are still stale). Waiting for them
        instead deadlocked with a worker recording several rows in another order."""
        stale = (
            select(col(OutboxMessage.id))
            .where(col(OutboxMessage.status) == _S.sending)
            .where(col(OutboxMessage.claimed_at) < now - lease)
        )
        if self._dialect() == "postgresql":
            stale = stale.with_for_update(skip_locked=True)
        stmt = (
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(stale.scalar_subquery()))
            .values(status=_S.pending, claimed_at=None)
        )
        return int((await self.s.exec(stmt)).rowcount)

    async def _set(self, message_id: int, **values: object) -> None:
        stmt = update(OutboxMessage).where(col(OutboxMessage.id) == message_id).values(**values)
        await self.s.exec(stmt)

    async def mark_sent_many(self, message_ids: Sequence[int], at: datetime) -> None:
        """One statement for every send that went through since the last record."""
        params = {"ids": list(message_ids), "at": at}
        await self.s.exec(_MARK_SENT, params=params)

    async def mark_retry(
        self, message_id: int, attempts: int, not_before: datetime, error: str
    ) -> None:
        await self._set(
            message_id, status=_S.pending, attempts=attempts, not_before=not_before,
            last_error=error[:500], claimed_at=None,
        )  # fmt: skip

    async def mark_failed(
        self, message_id: int, status: OutboxStatus, attempts: int, error: str
    ) -> None:
        await self._set(
            message_id, status=status, attempts=attempts, last_error=error[:500], claimed_at=None
        )

    async def unreached(self, prefix: str) -> set[int]:
        """The members that messages whose key starts with `prefix` could not reach
        (undeliverable or dead)."""
        stmt = (
            select(OutboxMessage.recipient_id)
            .where(col(OutboxMessage.key).startswith(prefix))
            .where(col(OutboxMessage.status).in_([_S.undeliverable, _S.dead]))
            .where(col(OutboxMessage.recipient_id).is_not(None))
        )
        return {member for member in (await self.s.exec(stmt)).all() if member is not None}

    async def cancel_broadcast(self, broadcast_id: int) -> int:
        stmt = (
            update(OutboxMessage)
            .where(col(OutboxMessage.broadcast_id) == broadcast_id)
            .where(col(OutboxMessage.status) == _S.pending)
            .values(status=_S.cancelled)
        )
        return int((await self.s.exec(stmt)).rowcount)

    async def has_work(self, platforms: Sequence[str] | None = None) -> bool:
        """Anything pending or being sent, for these platforms or any (an index lookup)."""
        stmt = (
            select(col(OutboxMessage.id))
            .where(col(OutboxMessage.status).in_([_S.pending, _S.sending]))
            .limit(1)
        )
        if platforms is not None:
            stmt = stmt.where(col(OutboxMessage.platform).in_(list(platforms)))
        return (await self.s.exec(stmt)).first() is not None

    async def counts(self, broadcast_id: int | None = None) -> dict[str, int]:
        stmt = select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))
        if broadcast_id is not None:
            stmt = stmt.where(OutboxMessage.broadcast_id == broadcast_id)
        return {str(status): int(n) for status, n in (await self.s.exec(stmt)).all()}

    async def depth(self, now: datetime) -> tuple[dict[str, int], float]:
        """The queue a server team watches: how many wait, are being sent or were given up
        on (only those statuses: the index answers, not a scan of everything ever sent),
        and how long the oldest due message has waited, in seconds."""
        waiting = [OutboxStatus.pending, OutboxStatus.sending, OutboxStatus.dead]
        stmt = (
            select(OutboxMessage.status, func.count())
            .where(col(OutboxMessage.status).in_(waiting))
            .group_by(col(OutboxMessage.status))
        )
        counts = {str(status): 0 for status in waiting}
        counts.update({str(s): int(n) for s, n in (await self.s.exec(stmt)).all()})
        oldest = (
            await self.s.exec(
                select(func.min(OutboxMessage.not_before)).where(
                    OutboxMessage.status == OutboxStatus.pending,
                    col(OutboxMessage.not_before) <= now,
                )
            )
        ).first()
        if oldest is None:
            return counts, 0.0
        if oldest.tzinfo is None:  # SQLite hands back naive UTC
            oldest = oldest.replace(tzinfo=now.tzinfo)
        return counts, max(0.0, (now - oldest).total_seconds())

    async def with_status(self, status: OutboxStatus, limit: int = 100) -> Sequence[OutboxMessage]:
        stmt = (
            select(OutboxMessage)
            .where(OutboxMessage.status == status)
            .order_by(col(OutboxMessage.id))
            .limit(limit)
        )
        return (await self.s.exec(stmt)).all()

    async def retry_dead(self, now: datetime) -> int:
        """Give dead messages another round of attempts."""
        stmt = (
            update(OutboxMessage)
            .where(col(OutboxMessage.status) == _S.dead)
            .values(status=_S.pending, attempts=0, not_before=now)
        )
        return int((await self.s.exec(stmt)).rowcount)


class Broadcasts:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def draft(
        self, author_id: int, unit_id: int, text: str, chat: tuple[str, str]
    ) -> Broadcast:
        broadcast = Broadcast(
            author_id=author_id, unit_id=unit_id, text=text, platform=chat[0], chat_id=chat[1]
        )
        self.s.add(broadcast)
        await self.s.flush()
        return broadcast

    async def get(self, broadcast_id: int) -> Broadcast | None:
        return await self.s.get(Broadcast, broadcast_id)

    async def latest_sending(self, author_id: int) -> Broadcast | None:
        stmt = (
            select(Broadcast)
            .where(Broadcast.author_id == author_id, Broadcast.status == _B.sending)
            .order_by(col(Broadcast.id).desc())
        )
        return (await self.s.exec(stmt)).first()

    async def by_author(self, author_id: int, limit: int = 10) -> Sequence[Broadcast]:
        """A leader's latest notices (drafts left out), newest first."""
        stmt = (
            select(Broadcast)
            .where(Broadcast.author_id == author_id, Broadcast.status != _B.draft)
            .order_by(col(Broadcast.id).desc())
            .limit(limit)
        )
        return (await self.s.exec(stmt)).all()

    async def sending(self) -> Sequence[Broadcast]:
        return (await self.s.exec(select(Broadcast).where(Broadcast.status == _B.sending))).all()


class PublicFiles:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def put(self, data: bytes, name: str, expires_at: datetime) -> str:
        token = secrets.token_urlsafe(24)  # ~144 bits: the URL is the only key
        self.s.add(PublicFile(token=token, name=name, data=data, expires_at=expires_at))
        await self.s.flush()
        return token

    async def get(self, token: str, now: datetime) -> PublicFile | None:
        found = await self.s.get(PublicFile, token)
        return found if found is not None and found.expires_at > now else None
