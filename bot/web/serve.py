"""Mounting the web app on the bot's aiohttp application (webhooks share the server)."""

from __future__ import annotations

from aiohttp import web

from bot.compose import Runtime
from bot.web.admin import mount_admin
from bot.web.app import WebConfig, web_routes
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
    mount_admin(app, runtime)  # the admin pages (bot/web/admin.py)


async def start_site(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
