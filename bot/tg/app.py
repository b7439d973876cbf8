"""Building the Telegram bot and dispatcher, and running them (polling or webhook)."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import (
    MenuButtonWebApp,
    WebAppInfo,
)
from aiohttp import web

from bot.delivery.worker import DeliveryWorker
from bot.settings import Settings
from bot.tg import routers
from bot.web.webhooks import json_webhook
from handlers import texts_web
from handlers.app import Handlers
from storage.db import outside_transaction

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class OutsideTransaction(BaseRequestMiddleware):
    """Every Bot API call passes `storage.db.outside_transaction`: none may be made while
    a database transaction is open."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        outside_transaction(f"Telegram {type(method).__name__}")
        return await make_request(bot, method)


def make_bot(settings: Settings) -> Bot:
    assert settings.telegram_bot_token is not None
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    session.middleware(OutsideTransaction())
    return Bot(
        token=settings.telegram_bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def make_dispatcher(
    handlers: Handlers, delivery: DeliveryWorker, *, retry_failures: bool
) -> Dispatcher:
    """`delivery` sends the queued replies after each update's commit (its fast path)."""
    dispatcher = Dispatcher(handlers=handlers, delivery=delivery, retry_failures=retry_failures)
    dispatcher.include_router(routers.make_router())
    return dispatcher


async def set_web_app_button(bot: Bot, base_url: str) -> bool:
    """The menu button of private chats opens the web app as a Mini App. Telegram opens
    Mini Apps only over https: without a public https address the button stays a menu."""
    if not base_url.startswith("https://"):
        return False
    url = base_url.rstrip("/") + "/web/tg"
    button = MenuButtonWebApp(text=texts_web.MINI_APP_BUTTON, web_app=WebAppInfo(url=url))
    await bot.set_chat_menu_button(menu_button=button)
    return True


def webhook_route(app: web.Application, bot: Bot, dispatcher: Dispatcher, secret: str) -> None:
    """POST /telegram: the secret header is checked first; an update that fails answers 500
    so that Telegram delivers it again (and the handlers count it once). The answer comes
    as soon as the update is stored: its replies are sent after, in the background."""

    async def process(update: dict[str, Any]) -> None:
        await dispatcher.feed_raw_update(bot, update)

    json_webhook(app, WEBHOOK_PATH, SECRET_HEADER, secret, process)
