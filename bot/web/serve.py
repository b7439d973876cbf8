"""Mounting the web app on the bot's aiohttp application (webhooks share the server)."""

from __future__ import annotations

from aiohttp import web

from bot.compose import Runtime
from bot.web.admin import mount_admin
from bot.web.api import api_routes
from bot.web.app import WebConfig, web_routes
from bot.web.operations import operations_routes
from handlers.api import ApiService, RateLimiter
from handlers.web import WebApp


def mount_web_app(app: web.Application, runtime: Runtime) -> None:
    settings = runtime.settings
    token = settings.telegram_bot_token
    webapp = WebApp(
        runtime.db,
        clock=runtime.clock,
        rules=settings.rules,
        cache=runtime.handlers.indicators,
        session_hours=settings.web_session_hours,
    )
    config = WebConfig(
        secure_cookies=settings.environment == "production",
        session_hours=settings.web_session_hours,
        telegram_token=token.get_secret_value() if token else None,
    )
    web_routes(app, webapp, config, runtime.clock)
    operations_routes(app, webapp)
    limiter = RateLimiter(per_window=settings.api_rate_per_minute, window=60.0)
    api_routes(app, ApiService(runtime.db, runtime.clock, limiter))
    mount_admin(app, runtime)  # the admin pages (bot/web/admin.py)


async def start_site(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
