"""Receiving from and sending to Zalo: the polling loop, the webhook route, the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.delivery.ratelimit import Limits
from bot.delivery.worker import DeliveryWorker
from bot.render import html_to_plain
from bot.web.webhooks import json_webhook
from bot.zalo.client import DEFAULT_RETRY_AFTER, ZaloBotClient, ZaloError, delivery_error
from bot.zalo.convert import PLATFORM, from_update
from handlers.app import Handlers
from handlers.types import Outcome
from storage.models import OutboxMessage

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/zalo"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
POLL_PAUSE = 2.0  # seconds after a failed long poll


async def answer(delivery: DeliveryWorker, handlers: Handlers, update: dict[str, Any]) -> Outcome:
    """One update through the handlers, to its commit; its replies (queued with it) are
    sent after, in the background, by the delivery worker (`ZaloChannel`)."""
    incoming = from_update(update)
    if incoming is None:
        return Outcome()
    outcome = await handlers.handle(incoming)
    delivery.after_commit(outcome.queued)
    return outcome


async def next_updates(
    client: ZaloBotClient, stop: asyncio.Event, timeout: int = 30
) -> list[dict[str, Any]]:
    """One long poll, given up as soon as `stop` is set (the request is cancelled). A
    failure is logged and waited out here (a rate limit for its own wait); [] then."""
    poll_task = asyncio.ensure_future(client.get_updates(timeout=timeout))
    stop_task = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({poll_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop_task.cancel()
        if not poll_task.done():
            poll_task.cancel()
    if not poll_task.done() or poll_task.cancelled():
        await asyncio.gather(poll_task, return_exceptions=True)  # the request is gone
        return []
    try:
        return poll_task.result()
    except ZaloError as err:
        if err.rate_limited:
            pause = err.retry_after or DEFAULT_RETRY_AFTER
        elif err.transient:
            pause = POLL_PAUSE
        else:  # a wrong token or a removed bot: say so loudly, keep trying slowly
            pause = POLL_PAUSE * 15
        level = logging.WARNING if err.transient else logging.ERROR
        log.log(level, "Zalo getUpdates failed: %s; next try in %.0fs", err, pause)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), pause)
        return []


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
        updates = await next_updates(client, stop, timeout)
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
            raise delivery_error(err) from err
