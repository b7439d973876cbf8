"""Running the bot: the channel, the schedule, and (soon) the delivery of the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from bot import compose
from bot.console import ConsoleChannel, ConsoleChat, repl
from bot.delivery import Channel, DeliverySettings, DeliveryWorker
from bot.logsafe import redact_logs
from bot.progress_messages import BroadcastProgress, ProgressBoard
from bot.ratelimit import Limits
from bot.settings import Settings
from handlers import texts
from reminders.schedule import DueJob, start_scheduler

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher

log = logging.getLogger(__name__)


def _due_job(runtime: compose.Runtime, worker: DeliveryWorker) -> DueJob:
    planner = compose.planner_of(runtime.settings)
    return DueJob(runtime.db, planner, texts.WORDING, runtime.clock, on_queued=worker.wake)


def _worker(runtime: compose.Runtime, channels: list[Channel]) -> DeliveryWorker:
    settings = runtime.settings
    return DeliveryWorker(
        runtime.db,
        {c.platform: c for c in channels},
        DeliverySettings(
            max_attempts=settings.delivery_max_attempts,
            lease=timedelta(seconds=settings.delivery_lease_seconds),
        ),
    )


@contextlib.asynccontextmanager
async def background(runtime: compose.Runtime, channels: list[Channel]) -> AsyncIterator[None]:
    """The schedule, the delivery worker and notice progress, while the channel runs."""
    worker = _worker(runtime, channels)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    boards = {c.platform: c for c in channels if isinstance(c, ProgressBoard)}
    progress = asyncio.create_task(BroadcastProgress(runtime.db, boards).run(stop))
    job = _due_job(runtime, worker)
    scheduler = start_scheduler(job, timedelta(seconds=runtime.settings.scheduler_tick_seconds))
    try:
        yield
    finally:
        scheduler.shutdown(wait=False)
        await job.finish()  # a run in progress completes before the database closes
        stop.set()
        await asyncio.wait_for(asyncio.gather(task, progress), timeout=30)


async def run_console(settings: Settings, user: str, *, demo: bool) -> None:
    runtime = await compose.build(settings, demo=demo)
    try:
        async with runtime.db.transaction() as store:
            member = await store.members.by_identity("console", user)
            invites = [(i.code, u.name) for i, u in await store.invites.active(runtime.clock())]
        who = (
            f"{member.name} ({texts.ROLE_NAMES[member.role]})"
            if member
            else f"{user} (chưa tham gia)"
        )
        banner = texts.console_banner(who, invites, settings.telegram_bot_token is not None)
        async with background(runtime, [ConsoleChannel()]):
            await repl(ConsoleChat(runtime, user, user), banner)
    finally:
        await runtime.db.dispose()


async def run_telegram(settings: Settings) -> None:
    # aiogram takes seconds to import: only the Telegram path pays for it.
    from bot.tg.app import make_bot, make_dispatcher, set_commands
    from bot.tg.channel import TelegramChannel

    # aiogram takes seconds to import: only the Telegram path pays for it.

    redact_logs(settings.secrets())
    runtime = await compose.build(settings)
    polling = settings.telegram_mode == "polling"
    bot = make_bot(settings)
    dispatcher = make_dispatcher(runtime.handlers, retry_failures=polling)
    limits = Limits(
        settings.telegram_rate_per_second,
        settings.telegram_rate_per_chat_second,
        settings.telegram_rate_per_group_minute,
    )
    try:
        await set_commands(bot)
        async with background(runtime, [TelegramChannel(bot, limits)]):
            if polling:
                await bot.delete_webhook()
                log.info("Telegram: long polling")
                await dispatcher.start_polling(
                    bot,
                    allowed_updates=dispatcher.resolve_used_update_types(),
                    close_bot_session=False,
                )
            else:
                await _serve_webhook(settings, bot, dispatcher)
    finally:
        await bot.session.close()
        await runtime.db.dispose()


async def _serve_webhook(settings: Settings, bot: Bot, dispatcher: Dispatcher) -> None:

    from bot.tg.app import WEBHOOK_PATH, webhook_route

    assert settings.webhook_secret is not None and settings.webhook_base_url
    app = web.Application()
    webhook_route(app, bot, dispatcher, settings.webhook_secret.get_secret_value())
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, settings.web_host, settings.web_port).start()
    await bot.set_webhook(
        url=settings.webhook_base_url.rstrip("/") + WEBHOOK_PATH,
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=dispatcher.resolve_used_update_types(),
    )
    log.info("Telegram: webhook on %s:%d%s", settings.web_host, settings.web_port, WEBHOOK_PATH)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()  # finishes the requests in hand
