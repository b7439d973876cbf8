"""Receiving from and sending to Zalo: the polling loop, the webhook route, the outbox."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.delivery import DeliveryWorker, PermanentError, RetryAfter, TransientError
from bot.ratelimit import Limits
from bot.render import html_to_plain
from bot.webhooks import json_webhook
from bot.zalo.client import ZaloBotClient, ZaloError
from bot.zalo.convert import PLATFORM, from_update
from handlers.app import Handlers
from handlers.types import Outcome
from storage.models import OutboxMessage

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/zalo"
SECRET_HEADER = "X-Bot-Api-Secret-Token"


async def answer(delivery: DeliveryWorker, handlers: Handlers, update: dict[str, Any]) -> Outcome:
    """One update through the handlers, to its commit; its replies (queued with it) are
    sent after, in the background, by the delivery worker (`ZaloChannel`)."""
    incoming = from_update(update)
    if incoming is None:
        return Outcome()
    outcome = await handlers.handle(incoming)
    delivery.after_commit(outcome.queued)
    return outcome


async def poll(
    client: ZaloBotClient,
    handlers: Handlers,
    delivery: DeliveryWorker,
    stop: asyncio.Event,
    timeout: int = 30,
) -> None:
    """Long polling until `stop`; each update is stored before the next getUpdates, and a
    failing one is retried, then logged."""
    while not stop.is_set():
        try:
            updates = await client.get_updates(timeout=timeout)
        except ZaloError as err:
            log.warning("Zalo getUpdates failed: %s", err)
            await asyncio.sleep(2)
            continue
        for update in updates:
            for attempt in range(3):
                try:
                    await answer(delivery, handlers, update)
                    break
                except Exception:
                    log.exception("Zalo update failed (attempt %d/3)", attempt + 1)
                    await asyncio.sleep(0.5 * 2**attempt)


def webhook_route(
    app: web.Application, handlers: Handlers, delivery: DeliveryWorker, secret: str
) -> None:
    """POST /zalo: checks X-Bot-Api-Secret-Token; a failing update answers 500, a stored
    one 200 at once (its replies go after)."""

    async def process(update: dict[str, Any]) -> None:
        await answer(delivery, handlers, update)

    json_webhook(app, WEBHOOK_PATH, SECRET_HEADER, secret, process)


class ZaloChannel:
    """The outbox's way into Zalo. Charts need a public URL; without one the text goes alone."""

    platform = PLATFORM

    def __init__(
        self,
        client: ZaloBotClient,
        limits: Limits,
        publish: Callable[[bytes, str], Awaitable[str]] | None = None,
    ) -> None:
        self.client, self.limits, self.publish = client, limits, publish

    async def send(self, message: OutboxMessage) -> None:
        """Plain text (Zalo has no HTML, and no inline buttons: receipts already say what
        to type, /huy CODE); a picture by its link; documents are not sent."""
        try:
            if message.html:
                await self.client.send_message(message.chat_id, html_to_plain(message.html))
            if message.file_data and message.file_photo and self.publish is not None:
                url = await self.publish(message.file_data, message.file_name or "chart.png")
                await self.client.send_photo(message.chat_id, url)
        except ZaloError as err:
            if err.code == 429:
                raise RetryAfter(5.0) from err
            if err.transient:
                raise TransientError(str(err)) from err
            raise PermanentError(str(err)) from err
