"""Receiving from and sending to Zalo: the polling loop, the webhook route, the outbox."""

from __future__ import annotations

import asyncio
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
from handlers import texts
from handlers.app import Handlers
from handlers.types import Outcome
from storage.db import outside_transaction
from storage.models import OutboxMessage
from storage.retry import RetryPolicy

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/zalo"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
# Between failing long polls (tried again for as long as polling runs): the shipped policy
# comes from the composition root, this is the default for a bare poll.
POLL_RETRY = RetryPolicy(attempts=3, base=2.0, factor=2.0, cap=30.0)


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
    client: ZaloBotClient,
    stop: asyncio.Event,
    timeout: int = 30,
    retry: RetryPolicy = POLL_RETRY,
    failures: int = 1,
) -> list[dict[str, Any]] | None:
    """One long poll, given up as soon as `stop` is set (the request is cancelled): its
    updates, or None when it failed. A failure is logged and waited out here: a rate limit
    for its own wait, a transient one by `retry` (`failures`: how many in a row, this one
    included), anything else for the policy's longest wait."""
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
            pause = retry.delay(failures)
        else:  # a wrong token or a removed bot: say so loudly, keep trying slowly
            pause = retry.cap
        level = logging.WARNING if err.transient else logging.ERROR
        log.log(level, "Zalo getUpdates failed: %s; next try in %.1fs", err, pause)
        await retry.pause(pause, stop)
        return None


async def poll(
    client: ZaloBotClient,
    handlers: Handlers,
    delivery: DeliveryWorker,
    stop: asyncio.Event,
    timeout: int = 30,
    retry: RetryPolicy = POLL_RETRY,
) -> None:
    """Long polling until `stop`; each update is stored before the next getUpdates.

    An update that fails is not tried again here (the handlers retried a busy database):
    like Telegram's polling, the person gets an apology, sent after it by the delivery
    worker through the Zalo channel, and polling moves on. `retry` paces failing polls."""
    failures = 0
    while not stop.is_set():
        updates = await next_updates(client, stop, timeout, retry, failures + 1)
        failures = failures + 1 if updates is None else 0
        for update in updates or []:
            try:
                await answer(delivery, handlers, update)
            except Exception:
                log.exception("Zalo update failed; the person gets an apology")
                _apologise(delivery, update)


def _apologise(delivery: DeliveryWorker, update: dict[str, Any]) -> None:
    try:
        incoming = from_update(update)
    except Exception:
        incoming = None
    if incoming is None:
        log.warning("a failed Zalo update names no chat: no apology")
        return
    delivery.apologise(incoming.platform, incoming.chat_id, incoming.is_group, texts.ERROR)


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
        outside_transaction("Zalo send")
        try:
            if message.html:
                await self.client.send_message(message.chat_id, html_to_plain(message.html))
            if message.file_data and message.file_photo and self.publish is not None:
                url = await self.publish(message.file_data, message.file_name or "chart.png")
                await self.client.send_photo(message.chat_id, url)
        except ZaloError as err:
            raise delivery_error(err) from err
