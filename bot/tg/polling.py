"""Telegram long polling that confirms an update only once it is stored.

Telegram forgets every update below the `offset` of a getUpdates call. aiogram's own loop
moves the offset past a batch as soon as it has read it, before the updates are handled: a
process killed then loses them. Here each update of a batch goes through the dispatcher
(`feed_update`: its transaction committed, its replies queued) before the next, and only
the next getUpdates call, with the offset past the handled ones, confirms them. A crash
can then only make Telegram send again updates already stored, and their keys make them
count once.

Failures wait by the injected platform retry policy: a failing getUpdates (tried again
for as long as polling runs, the waits growing to the policy's cap), and an update whose
dispatching failed outside the handlers (the network, say: the handlers retry a busy
database themselves and apologise for the rest) is tried again up to its attempts.

On stop: no new getUpdates (one in flight is cancelled: it confirms nothing new), the
update in hand is finished, the handled ones are confirmed, the rest stay with Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import TypeVar

from aiogram import Bot, Dispatcher
from aiogram.types import Update

from storage.retry import RetryPolicy

log = logging.getLogger(__name__)
T = TypeVar("T")
POLL_SECONDS = 30
BATCH = 100
# The shipped policy comes from the composition root; this is the default for a bare poll.
PLATFORM_RETRY = RetryPolicy(attempts=3, base=1.0, factor=2.0, cap=30.0)


async def poll(
    bot: Bot,
    dispatcher: Dispatcher,
    stop: asyncio.Event,
    *,
    allowed_updates: list[str] | None = None,
    timeout: int = POLL_SECONDS,
    retry: RetryPolicy = PLATFORM_RETRY,
) -> None:
    offset: int | None = None  # past the last update handled
    confirmed: int | None = None  # the offset Telegram was last told
    failures = 0
    request_timeout = int((bot.session.timeout or 60) + timeout)
    while not stop.is_set():
        fetch = bot.get_updates(
            offset=offset, limit=BATCH, timeout=timeout,
            allowed_updates=allowed_updates, request_timeout=request_timeout,
        )  # fmt: skip
        try:
            updates = await _unless_stopped(fetch, stop)
        except Exception as err:
            failures += 1
            log.warning("Telegram getUpdates failed (%s: %s)", type(err).__name__, err)
            await retry.wait(failures, stop)
            continue
        if updates is None:
            break
        failures, confirmed = 0, offset
        for update in updates:
            if stop.is_set() or not await _feed(bot, dispatcher, update, stop, retry):
                break  # not handled: stays unconfirmed, so Telegram sends it again
            offset = update.update_id + 1
    if offset is not None and offset != confirmed:
        with contextlib.suppress(Exception):  # else they come again and count once
            await bot.get_updates(offset=offset, limit=1, timeout=0, request_timeout=5)


async def _feed(
    bot: Bot, dispatcher: Dispatcher, update: Update, stop: asyncio.Event, retry: RetryPolicy
) -> bool:
    """Through the dispatcher (whose handlers retry a busy database and apologise for
    anything else); an error outside them (the network, say) is tried again, then the
    update is skipped (logged)."""
    for attempt in range(1, retry.attempts + 1):
        try:
            await dispatcher.feed_update(bot, update)
            return True
        except Exception:
            tries = f"{attempt}/{retry.attempts}"
            log.exception("update %s failed (attempt %s)", update.update_id, tries)
            if stop.is_set():
                return False
            if attempt < retry.attempts:
                await retry.wait(attempt, stop)
    return True  # given up on: moving on is better than stalling every later update


async def _unless_stopped(work: Awaitable[T], stop: asyncio.Event) -> T | None:
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        return None
    return task.result()
