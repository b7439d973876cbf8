"""Telegram updates -> neutral `Incoming`; neutral `Reply` -> Bot API calls."""

from __future__ import annotations

import dataclasses
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    Chat,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    User,
)

from bot.render import html_to_plain, split_text
from handlers.commands import parse_command
from handlers.notices import ADMIN_COMMANDS
from handlers.types import Incoming, Kind, Reply
from storage.db import outside_transaction

log = logging.getLogger(__name__)

PLATFORM = "telegram"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
NOTICE_LIMIT = 200
JOINED = {"member", "administrator"}
ADMINS = {"creator", "administrator"}
GONE = {"left", "kicked"}


def _is_group(chat: Chat) -> bool:
    return chat.type in ("group", "supergroup")


def _incoming(
    key: str,
    chat: Chat,
    user: User,
    text: str,
    kind: Kind,
    message_id: int | None,
    bot_username: str,
) -> Incoming:
    return Incoming(
        key=key, platform=PLATFORM, chat_id=str(chat.id), user_id=str(user.id), text=text,
        kind=kind, is_group=_is_group(chat), display_name=user.full_name,
        chat_title=chat.title or "", message_id=str(message_id or ""), bot_username=bot_username,
    )  # fmt: skip


def from_message(
    update_id: int, message: Message, bot_username: str, *, edited: bool = False
) -> Incoming | None:
    """None for what is not a person's message (channel posts, service messages)."""
    user = message.from_user
    if user is None or user.is_bot or message.chat.type == "channel":
        return None
    if message.text is not None:
        kind = Kind.edited if edited else Kind.text
    elif _is_service(message):
        return None
    else:
        kind = Kind.other  # a photo, sticker, voice, ... (captions are not reports)
    text = message.text or ""
    return _incoming(
        f"tg:{update_id}", message.chat, user, text, kind, message.message_id, bot_username
    )


async def with_admin_status(bot: Bot, incoming: Incoming) -> Incoming:
    """A group command that needs it (`/ganhom`) learns whether its sender administers the
    group (getChatMember), here, before handling: no network call inside the transaction.
    When Telegram cannot be asked, the sender is not taken for an administrator."""
    if not incoming.is_group or incoming.kind is not Kind.text:
        return incoming
    command = parse_command(incoming)
    if command is None or command.name not in ADMIN_COMMANDS:
        return incoming
    try:
        member = await bot.get_chat_member(int(incoming.chat_id), int(incoming.user_id))
    except TelegramAPIError as err:
        log.warning("getChatMember for %s failed: %s", incoming.key, type(err).__name__)
        return dataclasses.replace(incoming, sender_is_admin=False)
    return dataclasses.replace(incoming, sender_is_admin=member.status in ADMINS)


def _is_service(message: Message) -> bool:
    return bool(
        message.new_chat_members or message.left_chat_member or message.new_chat_title
        or message.pinned_message or message.group_chat_created or message.migrate_to_chat_id
        or message.migrate_from_chat_id
    )  # fmt: skip


def from_callback(update_id: int, callback: CallbackQuery, bot_username: str) -> Incoming:
    message = callback.message
    chat = message.chat if message is not None else Chat(id=callback.from_user.id, type="private")
    message_id = message.message_id if message is not None else None
    return _incoming(
        f"tg:{update_id}",
        chat,
        callback.from_user,
        callback.data or "",
        Kind.button,
        message_id,
        bot_username,
    )


def from_member_update(
    update_id: int, event: ChatMemberUpdated, bot_username: str
) -> Incoming | None:
    """The bot added to a group: a greeting. Anything else about membership: nothing."""
    added = event.old_chat_member.status in GONE and event.new_chat_member.status in JOINED
    if not added or not _is_group(event.chat):
        return None
    return _incoming(
        f"tg:{update_id}", event.chat, event.from_user, "", Kind.joined_group, None, bot_username
    )


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    for button in reply.buttons:  # Telegram refuses longer callback data
        assert len(button.action.encode()) <= CALLBACK_DATA_LIMIT, button.action
    rows = [[InlineKeyboardButton(text=b.label, callback_data=b.action)] for b in reply.buttons]
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def send_reply(bot: Bot, chat_id: int | str, reply: Reply) -> None:
    """Text split at line boundaries under 4,096 characters; buttons on the last part.
    (A reply's second file is queued alone, without text.)"""
    outside_transaction("Telegram send_reply")
    chat_id = int(chat_id) if str(chat_id).lstrip("-").isdigit() else chat_id
    chunks = split_text(reply.html, TEXT_LIMIT) if reply.html else []
    for number, chunk in enumerate(chunks, start=1):
        markup = keyboard(reply) if number == len(chunks) else None
        await bot.send_message(chat_id, chunk, reply_markup=markup)
    for file in reply.files:
        data = BufferedInputFile(file.data, filename=file.name)
        if file.photo:
            await bot.send_photo(chat_id, data)
        else:
            await bot.send_document(chat_id, data)


def notice_text(reply: Reply) -> str:
    """A callback answer is plain text of at most 200 characters."""
    text = html_to_plain(reply.html)
    return text if len(text) <= NOTICE_LIMIT else text[: NOTICE_LIMIT - 1] + "…"
