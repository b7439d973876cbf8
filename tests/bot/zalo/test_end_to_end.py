"""The bot process in Zalo polling mode against a fake Zalo Bot API: join, report, undo,
a reminder delivered by the running bot's outbox, and a quick stop during a long poll."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.bot.processes import make_invite, running_bot, stopped_cleanly
from tests.bot.zalo.fake_zalo import FakeZalo

pytestmark = pytest.mark.slow  # starts a bot process


async def test_join_report_undo_and_a_reminder_over_zalo(tmp_path: Path, database_url: str) -> None:
    url = database_url
    code = await make_invite(url)
    zalo = FakeZalo()
    await zalo.server.start_server()
    env = {
        "DATABASE_URL": url,
        "ZALO_BOT_TOKEN": "42:zalo-test-token",
        "ZALO_API_BASE": zalo.base_url,
    }
    try:
        async with running_bot(tmp_path, env) as bot:
            zalo.push_text("zu-1", f"/thamgia {code}")
            await zalo.wait_text("zu-1", "Chào mừng")
            zalo.push_text("zu-1", "vneid 5 cks 2")
            receipt = await zalo.wait_text("zu-1", "Đã ghi nhận")
            assert "/huy" in receipt  # no buttons on Zalo: the receipt says what to type
            typed = re.search(r"Mã phiếu: (\w+)", receipt).group(1)  # type: ignore[union-attr]
            zalo.push_text("zu-1", f"/huy {typed}")
            await zalo.wait_text("zu-1", "Đã hủy phiếu")
            # The operator queues a reminder day's messages; the running bot delivers them.
            queued = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "bot", "remind", "--at", "2026-11-18T08:00"],
                env=bot.env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert queued.returncode == 0, queued.stdout + queued.stderr
            reminder = await zalo.wait_text("zu-1", "chưa có báo cáo")
            assert "Thôn Thử" in reminder and "<b>" not in reminder  # plain text on Zalo
            await asyncio.sleep(0.5)  # the bot is back in a long poll (the fake holds 30 s)
            assert zalo.polls_open == 1 and bot.process is not None
            stopping = time.monotonic()
            bot.process.send_signal(signal.SIGTERM)  # what a service manager sends
            await asyncio.wait_for(bot.process.wait(), 30)
            stopped = time.monotonic() - stopping
    finally:
        await zalo.server.close()
    assert "zalo-test-token" not in bot.output
    assert stopped_cleanly(bot), bot.output
    assert stopped < 5, stopped  # the long poll is cancelled, not waited out
    assert len(zalo.texts("zu-1")) == 4  # welcome, receipt, undo, one reminder
