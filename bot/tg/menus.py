"""The Telegram command menus (setMyCommands), generated from handlers.registry: one menu
per role in private chats, one for groups. Set at start and, for one chat, after an update
that changed its member's role has committed (never inside the transaction)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiogram import Bot
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)

from bot.tg.convert import PLATFORM
from handlers import registry
from handlers.types import MenuChange
from storage.db import Database
from storage.models import Role

log = logging.getLogger(__name__)

# The menus' words; which command shows to whom, and in what order, is handlers.registry's.
PRIVATE = {
    "bc": "Báo cáo: vneid 5 cks 2",
    "toi": "Số liệu của tôi",
    "huy": "Hủy báo cáo gần nhất",
    "sua": "Sửa một phiếu: /sua MÃ vneid 4",
    "khongphatsinh": "Thôn không phát sinh số liệu tháng này",
    "tiendo": "Tiến độ so với chỉ tiêu",
    "chuabaocao": "Thôn chưa báo cáo",
    "moi": "Tạo mã mời kèm QR",
    "thanhvien": "Thành viên: khóa, mở khóa, vai trò",
    "vang": "Báo đi vắng đến một ngày: không bị nhắc",
    "web": "Mở trang báo cáo và tiến độ",
    "help": "Danh sách lệnh",
}
GROUP = {
    "bc": "Báo cáo: /bc vneid 5 cks 2",
    "toi": "Số liệu của tôi",
    "tonghop": "Bảng tổng hợp tuần",
    "ganhom": "Gắn nhóm với đơn vị: /ganhom MÃ",
    "help": "Danh sách lệnh",
}


def _commands(names: list[str], words: dict[str, str]) -> list[BotCommand]:
    return [BotCommand(command=c, description=words[c]) for c in names]


async def set_commands(bot: Bot) -> None:
    """The command menus, in Vietnamese, from the registry: a plain member's commands in
    every private chat (leaders get their own per chat: `set_chat_menu`), the group
    commands in groups (one menu for everyone in a group; each command checks the role)."""
    private = _commands(registry.private_menu(Role.member), PRIVATE)
    await bot.set_my_commands(private, scope=BotCommandScopeAllPrivateChats())
    group = _commands(registry.group_menu(), GROUP)
    await bot.set_my_commands(group, scope=BotCommandScopeAllGroupChats())


async def set_chat_menu(bot: Bot, chat_id: str, role: Role) -> None:
    """One private chat's menu: the commands of its member's role."""
    scope = BotCommandScopeChat(chat_id=int(chat_id))
    await bot.set_my_commands(_commands(registry.private_menu(role), PRIVATE), scope=scope)


async def set_leader_menus(bot: Bot, db: Database, pause: float = 0.05) -> None:
    """At start: each leader's private chat gets their role's menu (read first, then the
    calls, outside the transaction; paced well under Telegram's ~30 calls a second). A
    failure is logged and the rest go on: the menu is a convenience, never a permission."""
    async with db.reading() as store:
        chats = await store.members.chat_roles(platform=PLATFORM)
    for chat_id, role in ((chat, role) for _, chat, role in chats):
        try:
            await set_chat_menu(bot, chat_id, role)
        except Exception:
            log.exception("could not set the command menu of chat %s", chat_id)
        await asyncio.sleep(pause)


async def apply_menu_changes(bot: Bot, changes: Sequence[MenuChange]) -> None:
    """After the commit: the Telegram chats among `changes` get their new role's menu."""
    for change in changes:
        if change.platform == PLATFORM:
            await set_chat_menu(bot, change.chat_id, change.role)
