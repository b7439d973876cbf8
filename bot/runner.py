"""Running the bot: the channels, the schedule, and the delivery of the outbox.

The delivery worker exists before the channels: their adapters hand it each update's
queued replies after the commit (its fast path). On SIGINT/SIGTERM the channels stop
taking updates and finish the ones in hand, the fast path is flushed, then the worker and
the schedule stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta

from aiohttp import web

from bot import compose, metrics
from bot.console import ConsoleChannel, ConsoleChat, console_banner, repl
from bot.delivery.progress_messages import BroadcastProgress, ProgressBoard
from bot.delivery.ratelimit import Limits
from bot.delivery.worker import Channel, DeliverySettings, DeliveryWorker
from bot.logsafe import redact_logs
from bot.settings import Settings
from bot.web.health import health_routes
from bot.web.public_files import files_route, publisher
from handlers import texts, texts_signoff, texts_web
from reminders.schedule import DueJob, start_scheduler

log = logging.getLogger(__name__)


def _due_job(runtime: compose.Runtime, worker: DeliveryWorker) -> DueJob:
    planner = compose.planner_of(runtime.settings)
    keep = timedelta(days=runtime.settings.keep_update_keys_days)
    return DueJob(
        runtime.db, planner, texts_signoff.WORDING, runtime.clock, on_queued=worker.wake,
        keep_update_keys=keep,
    )  # fmt: skip


def _worker(runtime: compose.Runtime, channels: list[Channel] | None = None) -> DeliveryWorker:
    settings = runtime.settings
    return DeliveryWorker(
        runtime.db,
        {c.platform: c for c in channels or []},
        DeliverySettings(
            retry=runtime.retries.delivery,
            lease=timedelta(seconds=settings.delivery_lease_seconds),
        ),
        share_limits=True,  # several workers on PostgreSQL keep one set of platform limits
    )


@contextlib.asynccontextmanager
async def background(runtime: compose.Runtime, worker: DeliveryWorker) -> AsyncIterator[None]:
    """The schedule, the delivery worker and notice progress, while the channel runs."""
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    boards = {p: c for p, c in worker.channels.items() if isinstance(c, ProgressBoard)}
    progress = asyncio.create_task(BroadcastProgress(runtime.db, boards).run(stop))
    job = _due_job(runtime, worker)
    scheduler = start_scheduler(job, timedelta(seconds=runtime.settings.scheduler_tick_seconds))
    metrics.watch_scheduler(scheduler)
    try:
        yield
    finally:
        scheduler.pause()  # no new run starts ...
        await job.finish()  # ... and one in progress completes before the database closes
        scheduler.shutdown(wait=False)
        await worker.flush()  # the replies of the last updates handled
        stop.set()
        await asyncio.wait_for(asyncio.gather(task, progress), timeout=30)


async def run_console(settings: Settings, user: str, *, demo: bool) -> None:
    runtime = await compose.build(settings, demo=demo)
    try:
        async with runtime.db.reading() as store:
            member = await store.members.by_identity("console", user)
            invites = [(i.code, u.name) for i, u in await store.invites.active(runtime.clock())]
        who = (
            f"{member.name} ({texts.ROLE_NAMES[member.role]})"
            if member
            else f"{user} (chưa tham gia)"
        )
        banner = console_banner(who, invites, settings.telegram_bot_token is not None)
        site = await _console_web(runtime) if settings.web_app else None
        if site is not None:
            banner += "\n" + texts_web.console_web(settings.web_base_url)
        worker = _worker(runtime, [ConsoleChannel()])
        async with background(runtime, worker):
            await repl(ConsoleChat(runtime, worker, user, user), banner)
        if site is not None:
            await site.cleanup()
    finally:
        await runtime.db.dispose()


async def _console_web(runtime: compose.Runtime) -> web.AppRunner | None:
    """The web app beside the console (type /web for a sign-in link); a busy port only
    costs the web app, not the console."""
    from bot.web.serve import mount_web_app, start_site

    app = web.Application()
    mount_web_app(app, runtime)
    settings = runtime.settings
    try:
        return await start_site(app, settings.web_host, settings.web_port)
    except OSError as err:
        log.warning("web app not started on %s:%d: %s", settings.web_host, settings.web_port, err)
        return None


async def run_channels(settings: Settings) -> None:
    """Telegram and/or Zalo, polling or on one webhook server, until SIGINT or SIGTERM."""
    redact_logs(settings.secrets())
    runtime = await compose.build(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    served = Served(web.Application(), _worker(runtime))
    health_routes(served.app, runtime.db)  # /healthz, /readyz, /metrics: always served
    try:
        if settings.telegram_bot_token:
            await _add_telegram(settings, runtime, served, stop)
        if settings.zalo_bot_token:
            await _add_zalo(settings, runtime, served, stop)
        if settings.has_oa:
            _add_zalo_oa(settings, runtime, served)
        if settings.public_base_url:
            files_route(served.app, runtime.db)
            served.webhooks += 1
        if settings.has_api_webhook:
            _add_api_webhook(settings, runtime, served)
        if settings.web_app:
            from bot.web.serve import mount_web_app

            mount_web_app(served.app, runtime)
            served.web_app = True
        async with background(runtime, served.worker):
            site = await served.start_web(settings)
            await served.run(stop)
            if site is not None:
                await site.cleanup()  # finishes the requests in hand
    finally:
        for close in reversed(served.closers):
            await close()
        await runtime.db.dispose()


@dataclass
class Served:
    app: web.Application
    worker: DeliveryWorker
    loops: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    stoppers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    webhooks: int = 0
    web_app: bool = False

    async def start_web(self, settings: Settings) -> web.AppRunner | None:
        runner = web.AppRunner(self.app)
        await runner.setup()
        where = f"{settings.web_host}:{settings.web_port}"
        try:
            await web.TCPSite(runner, settings.web_host, settings.web_port).start()
        except OSError as err:
            if self.webhooks:
                raise  # updates arrive here: the bot cannot run without it
            # Polling: only the web app and the health checks are lost, not the bot.
            log.error(
                "web app and health checks not served: %s is not free (%s); set WEB_PORT",
                where, err,
            )  # fmt: skip
            await runner.cleanup()
            return None
        log.info("webhooks, the web app and health checks served on %s", where)
        return runner

    async def run(self, stop: asyncio.Event) -> None:
        tasks = [asyncio.ensure_future(loop()) for loop in self.loops]
        await stop.wait()
        for stopper in self.stoppers:
            await stopper()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _add_telegram(
    settings: Settings, runtime: compose.Runtime, served: Served, stop: asyncio.Event
) -> None:
    # aiogram takes seconds to import: only the Telegram path pays for it.
    from bot.tg.app import (
        WEBHOOK_PATH,
        make_bot,
        make_dispatcher,
        set_web_app_button,
        webhook_route,
    )
    from bot.tg.channel import TelegramChannel
    from bot.tg.menus import set_commands, set_leader_menus
    from bot.tg.polling import poll

    polling = settings.telegram_mode == "polling"
    bot = make_bot(settings)
    dispatcher = make_dispatcher(runtime.handlers, served.worker, retry_failures=polling)
    served.closers.append(bot.session.close)
    limits = Limits(
        settings.telegram_rate_per_second,
        settings.telegram_rate_per_chat_second,
        settings.telegram_rate_per_group_minute,
    )
    served.worker.add(metrics.count_sends(TelegramChannel(bot, limits)))
    await set_commands(bot)
    served.loops.append(lambda: set_leader_menus(bot, runtime.db))  # in the background
    if settings.web_app and settings.public_base_url:
        await set_web_app_button(bot, settings.public_base_url)
    updates = dispatcher.resolve_used_update_types()
    if polling:
        await bot.delete_webhook()
        retry = runtime.retries.platform
        served.loops.append(
            lambda: poll(bot, dispatcher, stop, allowed_updates=updates, retry=retry)
        )
        return
    assert settings.webhook_secret is not None and settings.webhook_base_url
    secret = settings.webhook_secret.get_secret_value()
    webhook_route(served.app, bot, dispatcher, secret)
    served.webhooks += 1
    url = settings.webhook_base_url.rstrip("/") + WEBHOOK_PATH
    await bot.set_webhook(url=url, secret_token=secret, allowed_updates=updates)


def _add_api_webhook(settings: Settings, runtime: compose.Runtime, served: Served) -> None:
    """Month events (handlers.outbound) to the province's own system, through the outbox."""
    import httpx

    from bot.delivery.webhook import WebhookChannel

    assert settings.api_webhook_url and settings.api_webhook_secret
    client = httpx.AsyncClient(timeout=10.0)
    served.closers.append(client.aclose)
    secret = settings.api_webhook_secret.get_secret_value()
    served.worker.add(WebhookChannel(settings.api_webhook_url, secret, client, runtime.clock))


async def _add_zalo(
    settings: Settings, runtime: compose.Runtime, served: Served, stop: asyncio.Event
) -> None:
    from bot.zalo import channel as zalo
    from bot.zalo.client import ClientSettings, ZaloBotClient

    assert settings.zalo_bot_token is not None
    client = ZaloBotClient(
        settings.zalo_bot_token.get_secret_value(),
        ClientSettings(base_url=settings.zalo_api_base, timeout=settings.zalo_timeout_seconds),
        retry=replace(runtime.retries.platform, attempts=settings.zalo_retries + 1),
    )
    served.closers.append(client.aclose)
    limits = Limits(
        settings.zalo_rate_per_second,
        settings.zalo_rate_per_chat_second,
        settings.zalo_rate_per_group_minute,
    )
    publish = None
    if settings.public_base_url:
        lifetime = timedelta(hours=settings.file_link_hours)
        publish = publisher(runtime.db, settings.public_base_url, lifetime)
    served.worker.add(metrics.count_sends(zalo.ZaloChannel(client, limits, publish)))
    if settings.zalo_mode == "polling":
        await client.delete_webhook()
        retry = runtime.retries.zalo_polling
        served.loops.append(
            lambda: zalo.poll(client, runtime.handlers, served.worker, stop, retry=retry)
        )
        return
    assert settings.zalo_webhook_secret is not None and settings.webhook_base_url
    secret = settings.zalo_webhook_secret.get_secret_value()
    zalo.webhook_route(served.app, runtime.handlers, served.worker, secret)
    served.webhooks += 1
    await client.set_webhook(settings.webhook_base_url.rstrip("/") + zalo.WEBHOOK_PATH, secret)


def _add_zalo_oa(settings: Settings, runtime: compose.Runtime, served: Served) -> None:
    import httpx

    from bot.zalo import oa

    assert settings.zalo_oa_app_id and settings.zalo_oa_app_secret
    http = httpx.AsyncClient(timeout=15)
    served.closers.append(http.aclose)
    oa_settings = oa.OaSettings(api=settings.zalo_oa_api_base, oauth=settings.zalo_oa_oauth_base)
    client = oa.OaClient(
        runtime.db,
        settings.zalo_oa_app_id,
        settings.zalo_oa_app_secret.get_secret_value(),
        http,
        settings=oa_settings,
    )
    window = timedelta(hours=settings.zalo_oa_window_hours)
    limits = Limits(settings.zalo_rate_per_second, settings.zalo_rate_per_chat_second, 1)
    served.worker.add(metrics.count_sends(oa.OaChannel(client, limits, window)))
    key = settings.zalo_oa_webhook_key
    max_age = timedelta(seconds=settings.zalo_oa_event_max_age_seconds)
    oa.webhook_route(
        served.app, client, runtime.handlers, served.worker,
        key.get_secret_value() if key else None, max_age,
    )  # fmt: skip
    served.webhooks += 1
