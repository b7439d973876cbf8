"""The real bot as a separate process (`python -m bot run`, polling) against a fake Bot API:
join by deep link, report, press the undo button, read back what the bot sent."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.db import Database
from storage.models import Level, Role
from storage.seed import seed_indicators
from tests.bot.tg.fake_api import FakeBotAPI

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


async def make_invite(url: str) -> str:
    db = Database(url)
    await db.create_schema()
    async with db.transaction() as store:
        await seed_indicators(store)
        commune = await store.units.add("C1", "Xã Thử", Level.commune)
        village = await store.units.add("V1", "Thôn Thử", Level.village, commune)
        invite = await store.invites.create(
            village.id or 0, Role.member, expires_at=datetime.now(UTC) + timedelta(days=1)
        )
    await db.dispose()
    return invite.code


async def totals(url: str) -> dict[str, int]:
    db = Database(url)
    async with db.transaction() as store:
        today = datetime.now(UTC).date()
        result = await store.entries.totals(today - timedelta(days=2), today + timedelta(days=2))
    await db.dispose()
    return result


async def test_join_report_and_undo_through_a_running_bot(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    code = await make_invite(url)
    api = FakeBotAPI()
    await api.server.start_server()
    env = {
        **os.environ, "DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": "123456:TEST-TOKEN",
        "TELEGRAM_API_BASE": api.base_url, "DEMO_DATA": "false", "LOG_LEVEL": "INFO",
    }  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
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
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()
        output = (await process.stdout.read()).decode() if process.stdout else ""
        await api.server.close()
    assert "123456:TEST-TOKEN" not in output  # the token never reaches the logs
    assert process.returncode in (0, -signal.SIGINT), output
