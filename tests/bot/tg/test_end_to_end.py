"""The real bot as a separate process (`python -m bot run`, polling) against a fake Bot API:
join by deep link, report, press the undo button, read back what the bot sent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.db import Database
from tests.bot.processes import make_invite, running_bot, stopped_cleanly
from tests.bot.tg.fake_api import FakeBotAPI

pytestmark = pytest.mark.slow  # starts a bot process

NEWCOMER = {"id": 6660001, "is_bot": False, "first_name": "Hoa", "language_code": "vi"}
CHAT = {"id": 6660001, "first_name": "Hoa", "type": "private"}


def message(text: str) -> dict[str, object]:
    return {
        "message": {
            "message_id": 1,
            "date": 1763700000,
            "from": NEWCOMER,
            "chat": CHAT,
            "text": text,
        }
    }


async def totals(url: str) -> dict[str, int]:
    db = Database(url)
    async with db.reading() as store:
        today = datetime.now(UTC).date()
        result = await store.entries.totals(today - timedelta(days=2), today + timedelta(days=2))
    await db.dispose()
    return result


async def test_join_report_and_undo_through_a_running_bot(
    tmp_path: Path, database_url: str
) -> None:
    url = database_url
    code = await make_invite(url)
    api = FakeBotAPI()
    await api.server.start_server()
    env = {
        "DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": "123456:TEST-TOKEN",
        "TELEGRAM_API_BASE": api.base_url, "LOG_LEVEL": "INFO",
    }  # fmt: skip
    try:
        async with running_bot(tmp_path, env) as bot:
            await api.wait_for("setMyCommands", "bc")
            api.push(message(f"/start {code}"))
            await api.wait_for("sendMessage", "Chào mừng")
            api.push(message("vneid 5 cks 2"))
            receipt = await api.wait_for("sendMessage", "Đã ghi nhận")
            assert await totals(url) == {"vneid": 5, "cks": 2}
            keyboard = json.loads(receipt["reply_markup"])["inline_keyboard"]
            action = keyboard[0][0]["callback_data"]
            api.push({"callback_query": {
                "id": "77", "from": NEWCOMER, "chat_instance": "1", "data": action,
                "message": {"message_id": 9001, "date": 1763700000, "chat": CHAT, "text": "✅"},
            }})  # fmt: skip
            await api.wait_for("answerCallbackQuery", "Đã hủy")
            await api.wait_for("editMessageReplyMarkup", "9001")
            assert await totals(url) == {}
    finally:
        await api.server.close()
    assert "123456:TEST-TOKEN" not in bot.output  # the token never reaches the logs
    assert stopped_cleanly(bot), bot.output
