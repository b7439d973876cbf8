"""aiogram routers: each kind of update goes through the neutral handlers.

Dependencies come from the dispatcher's context by name (`Dispatcher(handlers=...,
retry_failures=...)`). In polling mode a failing update is retried here (aiogram moves the
offset on regardless); in webhook mode the failure propagates so the HTTP answer is 5xx
and Telegram sends the update again (the handlers' key then makes it count once).
"""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message, Update

from bot.tg.convert import (
    from_callback,
    from_member_update,
    from_message,
    notice_text,
    send_reply,
    with_admin_status,
)
from handlers import texts
from handlers.app import Handlers
from handlers.types import Incoming, Outcome, Reply

log = logging.getLogger(__name__)
ATTEMPTS = 3


async def _handle(handlers: Handlers, incoming: Incoming, retry_failures: bool) -> Outcome:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await handlers.handle(incoming)
        except Exception:
            if not retry_failures:
                raise
            log.exception("update %s failed (attempt %d/%d)", incoming.key, attempt, ATTEMPTS)
            await asyncio.sleep(0.2 * 2**attempt)
    return Outcome([Reply(texts.ERROR)])


async def _username(bot: Bot) -> str:
    return (await bot.me()).username or ""


async def on_message(
    message: Message, event_update: Update, bot: Bot, handlers: Handlers, retry_failures: bool
) -> None:
    incoming = from_message(event_update.update_id, message, await _username(bot))
    if incoming is not None:
        incoming = await with_admin_status(bot, incoming)
        await _answer(bot, handlers, incoming, retry_failures)


async def on_edited(
    edited_message: Message,
    event_update: Update,
    bot: Bot,
    handlers: Handlers,
    retry_failures: bool,
) -> None:
    incoming = from_message(
        event_update.update_id, edited_message, await _username(bot), edited=True
    )
    if incoming is not None:
        await _answer(bot, handlers, incoming, retry_failures)


async def on_membership(
    my_chat_member: ChatMemberUpdated,
    event_update: Update,
    bot: Bot,
    handlers: Handlers,
    retry_failures: bool,
) -> None:
    incoming = from_member_update(event_update.update_id, my_chat_member, await _username(bot))
    if incoming is not None:
        await _answer(bot, handlers, incoming, retry_failures)


async def on_button(
    callback_query: CallbackQuery,
    event_update: Update,
    bot: Bot,
    handlers: Handlers,
    retry_failures: bool,
) -> None:
    incoming = from_callback(event_update.update_id, callback_query, await _username(bot))
    outcome = await _handle(handlers, incoming, retry_failures)
    toast = next((r for r in outcome.replies if r.notice), None)
    await callback_query.answer(notice_text(toast) if toast else None, show_alert=toast is not None)
    message = callback_query.message
    if message is not None and any(r.clear_buttons for r in outcome.replies):
        await bot.edit_message_reply_markup(chat_id=message.chat.id, message_id=message.message_id)
    for reply in outcome.replies:
        if not reply.notice:
            await send_reply(bot, incoming.chat_id, reply)


async def _answer(bot: Bot, handlers: Handlers, incoming: Incoming, retry_failures: bool) -> None:
    outcome = await _handle(handlers, incoming, retry_failures)
    for reply in outcome.replies:
        await send_reply(bot, incoming.chat_id, reply)


def make_router() -> Router:
    """A fresh router per dispatcher (an aiogram router belongs to one parent)."""
    router = Router(name=__name__)
    router.message.register(on_message)
    router.edited_message.register(on_edited)
    router.my_chat_member.register(on_membership)
    router.callback_query.register(on_button)
    return router
