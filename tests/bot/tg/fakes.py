"""A recording aiogram session (no network) and real Telegram update JSON shapes."""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import (
    Chat,
    ChatMemberAdministrator,
    ChatMemberMember,
    ChatMemberOwner,
    Message,
    User,
)

from bot.tg.app import OutsideTransaction

BOT_USER = {"id": 777000111, "is_bot": True, "first_name": "CNS", "username": "CnsBot"}
_ids = itertools.count(1000)


class RecordingSession(BaseSession):
    """Records every Bot API call and answers it as Telegram would, without a network."""

    def __init__(self) -> None:
        super().__init__()
        self.middleware(OutsideTransaction())  # as make_bot's session: no call in a transaction
        self.calls: list[TelegramMethod[Any]] = []
        self.fail_next: Exception | None = None
        self.fail_only: str | None = None  # fail_next waits for this method (e.g. "SendMessage")
        self.group_status: dict[int, str] = {}  # user id -> status in every group (else member)

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self.calls.append(method)
        if self.fail_next is not None and self.fail_only in (None, type(method).__name__):
            error, self.fail_next = self.fail_next, None
            raise error
        returning = method.__returning__
        if type(method).__name__ == "GetChatMember":
            return _chat_member(method.user_id, self.group_status.get(method.user_id))  # type: ignore[attr-defined, return-value]
        if returning is User:
            return User(**BOT_USER)  # type: ignore[return-value]
        if returning is Message:
            chat_id = getattr(method, "chat_id", 0)
            return Message(  # type: ignore[return-value]
                message_id=next(_ids), date=1763700000,
                chat=Chat(id=int(chat_id), type="private"), text=getattr(method, "text", None),
            )  # fmt: skip
        return True  # type: ignore[return-value]

    async def close(self) -> None:
        pass

    async def stream_content(
        self, url: str, headers: dict[str, Any] | None = None, timeout: int = 30,
        chunk_size: int = 65536, raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:  # fmt: skip
        yield b""

    def sent(self, name: str) -> list[Any]:
        return [c for c in self.calls if type(c).__name__ == name]

    def texts(self) -> list[str]:
        return [c.text for c in self.sent("SendMessage")]


def _chat_member(
    user_id: int, status: str | None
) -> ChatMemberOwner | ChatMemberAdministrator | ChatMemberMember:
    user = User(id=user_id, is_bot=False, first_name="Người")
    if status == "creator":
        return ChatMemberOwner(user=user, is_anonymous=False)
    if status == "administrator":
        rights = dict.fromkeys(
            [n for n, f in ChatMemberAdministrator.model_fields.items() if f.is_required()],
            False,
        )
        return ChatMemberAdministrator(**{**rights, "user": user})
    return ChatMemberMember(user=user)


PERSON = {
    "id": 5550001,
    "is_bot": False,
    "first_name": "An",
    "last_name": "Nguyễn",
    "language_code": "vi",
}
GROUP = {"id": -1001234567890, "title": "Tổ CNS Thôn 1", "type": "supergroup"}
_updates = itertools.count(500000)


def private_text(
    text: str, *, user: dict[str, Any] = PERSON, update_id: int | None = None
) -> dict[str, Any]:
    return {
        "update_id": update_id or next(_updates),
        "message": {
            "message_id": next(_ids), "date": 1763700000, "text": text,
            "from": user,
            "chat": {"id": user["id"], "first_name": user["first_name"], "type": "private"},
            **({"entities": [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]}
               if text.startswith("/") else {}),
        },
    }  # fmt: skip


def group_text(text: str, *, user: dict[str, Any] = PERSON) -> dict[str, Any]:
    update = private_text(text, user=user)
    update["message"]["chat"] = GROUP
    return update


def edited_text(text: str) -> dict[str, Any]:
    update = private_text(text)
    update["edited_message"] = {**update.pop("message"), "edit_date": 1763700100}
    return update


def photo(*, in_group: bool = False) -> dict[str, Any]:
    update = private_text("x")
    message = update["message"]
    del message["text"]
    message["photo"] = [
        {"file_id": "AgAD", "file_unique_id": "AQAD", "width": 90, "height": 90, "file_size": 1200}
    ]
    if in_group:
        message["chat"] = GROUP
    return update


def channel_post() -> dict[str, Any]:
    return {
        "update_id": next(_updates),
        "channel_post": {
            "message_id": next(_ids), "date": 1763700000, "text": "vneid 5",
            "chat": {"id": -1009876543210, "title": "Kênh xã", "type": "channel"},
            "sender_chat": {"id": -1009876543210, "title": "Kênh xã", "type": "channel"},
        },
    }  # fmt: skip


def callback(data: str, *, user: dict[str, Any] = PERSON, message_id: int = 42) -> dict[str, Any]:
    return {
        "update_id": next(_updates),
        "callback_query": {
            "id": str(next(_ids)), "from": user, "chat_instance": "-8031234567890", "data": data,
            "message": {
                "message_id": message_id, "date": 1763700000, "text": "✅ Đã ghi nhận",
                "from": BOT_USER,
                "chat": {"id": user["id"], "first_name": user["first_name"], "type": "private"},
            },
        },
    }  # fmt: skip


def bot_added_to_group(*, by: dict[str, Any] = PERSON) -> dict[str, Any]:
    return {
        "update_id": next(_updates),
        "my_chat_member": {
            "chat": GROUP, "from": by, "date": 1763700000,
            "old_chat_member": {"user": BOT_USER, "status": "left"},
            "new_chat_member": {"user": BOT_USER, "status": "member"},
        },
    }  # fmt: skip
