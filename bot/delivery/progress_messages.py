"""One progress message per notice being sent ("đã gửi 120/450"), updated as it goes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from handlers import texts_notices
from storage.db import Database
from storage.models import BroadcastStatus

log = logging.getLogger(__name__)


@runtime_checkable
class ProgressBoard(Protocol):
    """Shows a message and later changes it in place (Telegram edits; others re-send)."""

    async def show(self, chat_id: str, html: str, message_id: str) -> str: ...


class BroadcastProgress:
    def __init__(self, db: Database, boards: Mapping[str, ProgressBoard]) -> None:
        self.db, self.boards = db, boards
        self._shown: dict[int, str] = {}

    async def run(self, stop: asyncio.Event, every: float = 3.0) -> None:
        while not stop.is_set():
            try:
                await self.update_once()
            except Exception:
                log.exception("updating notice progress failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)

    async def update_once(self) -> None:
        """Read what each notice being sent should show, show it with no transaction open
        (a platform call must not hold the database), then record the message id and the
        end in a short transaction of their own."""
        shows: list[_Show] = []
        async with self.db.reading() as store:
            for notice in await store.broadcasts.sending():
                if notice.platform not in self.boards or notice.id is None:
                    continue
                counts = await store.outbox.counts(notice.id)
                done = sum(counts.get(s, 0) for s in ("sent", "dead", "undeliverable", "cancelled"))
                shows.append(
                    _Show(
                        notice.id, notice.platform, notice.chat_id, notice.progress_message_id,
                        texts_notices.notice_progress(counts.get("sent", 0), notice.total),
                        finished=done >= notice.total,
                    )
                )  # fmt: skip
        changed: list[tuple[_Show, str]] = []
        for show in shows:
            message_id = show.message_id
            if self._shown.get(show.notice_id) != show.html:
                board = self.boards[show.platform]
                message_id = await board.show(show.chat_id, show.html, message_id)
                self._shown[show.notice_id] = show.html
            if message_id != show.message_id or show.finished:
                changed.append((show, message_id))
        if not changed:
            return
        async with self.db.transaction() as store:
            for show, message_id in changed:
                stored = await store.broadcasts.get(show.notice_id)
                if stored is None:
                    continue
                stored.progress_message_id = message_id
                if show.finished and stored.status == BroadcastStatus.sending:
                    stored.status = BroadcastStatus.done
            await store.commit()


@dataclass(frozen=True)
class _Show:
    notice_id: int
    platform: str
    chat_id: str
    message_id: str
    html: str
    finished: bool
