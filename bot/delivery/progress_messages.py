"""One progress message per notice being sent ("đã gửi 120/450"), updated as it goes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
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
        async with self.db.transaction() as store:
            for notice in await store.broadcasts.sending():
                board = self.boards.get(notice.platform)
                if board is None or notice.id is None:
                    continue
                counts = await store.outbox.counts(notice.id)
                done = sum(counts.get(s, 0) for s in ("sent", "dead", "undeliverable", "cancelled"))
                html = texts_notices.notice_progress(counts.get("sent", 0), notice.total)
                if self._shown.get(notice.id) != html:
                    notice.progress_message_id = await board.show(
                        notice.chat_id, html, notice.progress_message_id
                    )
                    self._shown[notice.id] = html
                if done >= notice.total:
                    notice.status = BroadcastStatus.done
            await store.commit()
