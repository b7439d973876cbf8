"""The outbox's way into Telegram: Bot API errors mapped to what the worker needs."""

from __future__ import annotations

import contextlib

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)

from bot.delivery.ratelimit import Limits
from bot.delivery.worker import PermanentError, RetryAfter, TransientError
from bot.tg.convert import PLATFORM, send_reply
from handlers.outgoing import reply_of
from storage.db import outside_transaction
from storage.models import OutboxMessage


class TelegramChannel:
    platform = PLATFORM

    def __init__(self, bot: Bot, limits: Limits) -> None:
        self.bot, self.limits = bot, limits

    async def send(self, message: OutboxMessage) -> None:
        """A reply (with its buttons and file) or a notification (with its chart)."""
        outside_transaction("Telegram send")
        try:
            await send_reply(self.bot, message.chat_id, reply_of(message))
        except TelegramRetryAfter as err:
            raise RetryAfter(err.retry_after) from err
        except (TelegramForbiddenError, TelegramNotFound, TelegramBadRequest) as err:
            raise PermanentError(err.message) from err
        except (TelegramServerError, TelegramNetworkError) as err:
            raise TransientError(str(err)) from err

    async def show(self, chat_id: str, html: str, message_id: str) -> str:
        """A notice's progress: sent once, then edited in place."""
        outside_transaction("Telegram progress edit")
        if message_id:
            # "message is not modified" and the like are no reason to stop.
            with contextlib.suppress(TelegramBadRequest):
                await self.bot.edit_message_text(
                    html, chat_id=int(chat_id), message_id=int(message_id)
                )
            return message_id
        sent = await self.bot.send_message(int(chat_id), html)
        return str(sent.message_id)
