"""Running the bot: the channel, the schedule, and (soon) the delivery of the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import timedelta

from aiogram import Bot, Dispatcher
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import compose
from bot.console import ConsoleChat, repl
from bot.logsafe import redact_logs
from bot.settings import Settings
from bot.tg.app import WEBHOOK_PATH, make_bot, make_dispatcher, set_commands, webhook_route
from handlers import texts
from reminders.schedule import DueJob, start_scheduler

log = logging.getLogger(__name__)


def _scheduler(runtime: compose.Runtime) -> AsyncIOScheduler:
    job = DueJob(runtime.db, compose.planner_of(runtime.settings), texts.WORDING, runtime.clock)
    return start_scheduler(job, timedelta(seconds=runtime.settings.scheduler_tick_seconds))


async def run_console(settings: Settings, user: str, *, demo: bool) -> None:
    runtime = await compose.build(settings, demo=demo)
    scheduler = _scheduler(runtime)
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
        await repl(ConsoleChat(runtime, user, user), banner)
    finally:
        scheduler.shutdown(wait=False)
        await runtime.db.dispose()


async def run_telegram(settings: Settings) -> None:
    redact_logs(settings.secrets())
    runtime = await compose.build(settings)
    polling = settings.telegram_mode == "polling"
    bot = make_bot(settings)
    dispatcher = make_dispatcher(runtime.handlers, retry_failures=polling)
    scheduler = _scheduler(runtime)
    try:
        await set_commands(bot)
        if polling:
            await bot.delete_webhook()
            log.info("Telegram: long polling")
            await dispatcher.start_polling(
                bot, allowed_updates=dispatcher.resolve_used_update_types(), close_bot_session=False
            )
        else:
            await _serve_webhook(settings, bot, dispatcher)
    finally:
        scheduler.shutdown(wait=False)
        await bot.session.close()
        await runtime.db.dispose()


async def _serve_webhook(settings: Settings, bot: Bot, dispatcher: Dispatcher) -> None:
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
