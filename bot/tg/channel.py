"""The outbox's way into Telegram: Bot API errors mapped to what the worker needs."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)

from bot.delivery import PermanentError, RetryAfter, TransientError
from bot.ratelimit import Limits
from bot.tg.convert import PLATFORM, send_reply
from handlers.types import File, Reply
from storage.models import OutboxMessage


class TelegramChannel:
    platform = PLATFORM

    def __init__(self, bot: Bot, limits: Limits) -> None:
        self.bot, self.limits = bot, limits

    async def send(self, message: OutboxMessage) -> None:
        files: tuple[File, ...] = ()
        if message.file_data:
            files = (File(message.file_name or "bieu-do.png", message.file_data, photo=True),)
        try:
            await send_reply(self.bot, message.chat_id, Reply(message.html, files=files))
        except TelegramRetryAfter as err:
            raise RetryAfter(err.retry_after) from err
        except (TelegramForbiddenError, TelegramNotFound, TelegramBadRequest) as err:
            raise PermanentError(err.message) from err
        except (TelegramServerError, TelegramNetworkError) as err:
            raise TransientError(str(err)) from err
