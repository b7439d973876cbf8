"""aiogram routers: each kind of update goes through the neutral handlers.

Dependencies come from the dispatcher's context by name (`Dispatcher(handlers=...,
delivery=..., retry_failures=...)`). A handler decides and stores in one transaction, its
replies queued in the outbox with it; only after the commit are they sent, in the
background, by the delivery worker's fast path (so a webhook answers as soon as the update
is stored, and polling confirms nothing that is not). A toast for a button press is not
stored: it goes out directly, after the commit.

The handlers already try an update again when the database is busy (their retry policy,
the one layer that retries it): here a failing update is not tried again. In polling mode
the person gets an apology and polling moves on; in webhook mode the failure propagates so
the HTTP answer is 5xx and Telegram sends the update again (the handlers' key then makes
it count once).
"""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message, Update

from bot.delivery.worker import DeliveryWorker
from bot.tg.convert import (
    from_callback,
    from_member_update,
    from_message,
    notice_text,
    with_admin_status,
)
from bot.tg.menus import apply_menu_changes
from handlers import texts
from handlers.app import Handlers
from handlers.types import Incoming, Outcome, Reply

log = logging.getLogger(__name__)


async def _handle(handlers: Handlers, incoming: Incoming, retry_failures: bool) -> Outcome | None:
    """The outcome, or None when the update failed (polling: nothing was stored).
    `retry_failures` (polling) keeps the failure here; the handlers have retried it."""
    try:
        return await handlers.handle(incoming)
    except Exception:
        if not retry_failures:
            raise
        log.exception("update %s failed; the person gets an apology", incoming.key)
    return None


async def _username(bot: Bot) -> str:
    return (await bot.me()).username or ""


async def on_message(
    message: Message,
    event_update: Update,
    bot: Bot,
    handlers: Handlers,
    delivery: DeliveryWorker,
    retry_failures: bool,
) -> None:
    incoming = from_message(event_update.update_id, message, await _username(bot))
    if incoming is not None:
        incoming = await with_admin_status(bot, incoming)
        await _answer(bot, handlers, delivery, incoming, retry_failures)


async def on_edited(
    edited_message: Message,
    event_update: Update,
    bot: Bot,
    handlers: Handlers,
    delivery: DeliveryWorker,
    retry_failures: bool,
) -> None:
    incoming = from_message(
        event_update.update_id, edited_message, await _username(bot), edited=True
    )
    if incoming is not None:
        await _answer(bot, handlers, delivery, incoming, retry_failures)


async def on_membership(
    my_chat_member: ChatMemberUpdated,
    event_update: Update,
    bot: Bot,
    handlers: Handlers,
    delivery: DeliveryWorker,
    retry_failures: bool,
) -> None:
    incoming = from_member_update(event_update.update_id, my_chat_member, await _username(bot))
    if incoming is not None:
        await _answer(bot, handlers, delivery, incoming, retry_failures)


async def on_button(
    callback_query: CallbackQuery,
    event_update: Update,
    bot: Bot,
    handlers: Handlers,
    delivery: DeliveryWorker,
    retry_failures: bool,
) -> None:
    incoming = from_callback(event_update.update_id, callback_query, await _username(bot))
    outcome = await _handle(handlers, incoming, retry_failures)
    replies = outcome.replies if outcome is not None else [Reply(texts.ERROR, notice=True)]
    toast = next((r for r in replies if r.notice), None)
    message = callback_query.message
    clear = message is not None and any(r.clear_buttons for r in replies)

    async def unstored() -> None:  # shown now or never: the spinner, the toast, the buttons
        await callback_query.answer(
            notice_text(toast) if toast else None, show_alert=toast is not None
        )
        if clear and message is not None:
            await bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=message.message_id
            )

    delivery.after_commit(outcome.queued if outcome is not None else [], unstored)


async def _answer(
    bot: Bot,
    handlers: Handlers,
    delivery: DeliveryWorker,
    incoming: Incoming,
    retry_failures: bool,
) -> None:
    outcome = await _handle(handlers, incoming, retry_failures)
    if outcome is None:  # nothing stored: an apology, sent directly (or not at all)
        delivery.apologise(incoming.platform, incoming.chat_id, incoming.is_group, texts.ERROR)
        return
    menus = outcome.menus  # a role changed: that person's menu follows, after the commit
    first = (lambda: apply_menu_changes(bot, menus)) if menus else None
    delivery.after_commit(outcome.queued, first)


def make_router() -> Router:
    """A fresh router per dispatcher (an aiogram router belongs to one parent)."""
    router = Router(name=__name__)
    router.message.register(on_message)
    router.edited_message.register(on_edited)
    router.my_chat_member.register(on_membership)
    router.callback_query.register(on_button)
    return router
