"""The bot process in Zalo polling mode against a fake Zalo Bot API: join, report, undo,
and a reminder delivered by the running bot's outbox."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.db import Database
from storage.models import Level, Role
from storage.seed import seed_indicators
from tests.bot.zalo.fake_zalo import FakeZalo


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


async def test_join_report_undo_and_a_reminder_over_zalo(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'zalo.db'}"
    code = await make_invite(url)
    zalo = FakeZalo()
    await zalo.server.start_server()
    env = {
        **os.environ, "DATABASE_URL": url, "ZALO_BOT_TOKEN": "42:zalo-test-token",
        "ZALO_API_BASE": zalo.base_url, "TELEGRAM_BOT_TOKEN": "", "DEMO_DATA": "false",
    }  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        zalo.push_text("zu-1", f"/thamgia {code}")
        await zalo.wait_text("zu-1", "Chào mừng")
        zalo.push_text("zu-1", "vneid 5 cks 2")
        receipt = await zalo.wait_text("zu-1", "Đã ghi nhận")
        assert "/huy" in receipt  # no buttons on Zalo: the receipt says what to type
        code_typed = re.search(r"Mã phiếu: (\w+)", receipt).group(1)  # type: ignore[union-attr]
        zalo.push_text("zu-1", f"/huy {code_typed}")
        await zalo.wait_text("zu-1", "Đã hủy phiếu")
        # The operator queues the reminders of a reminder day; the running bot delivers them.
        queued = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "bot", "remind", "--at", "2026-11-18T08:00"],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert queued.returncode == 0, queued.stdout + queued.stderr
        reminder = await zalo.wait_text("zu-1", "chưa có báo cáo")
        assert "Thôn Thử" in reminder and "<b>" not in reminder  # plain text on Zalo
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()
        output = (await process.stdout.read()).decode() if process.stdout else ""
        await zalo.server.close()
    assert "zalo-test-token" not in output
    assert process.returncode in (0, -signal.SIGINT), output
    assert len(zalo.texts("zu-1")) == 4  # welcome, receipt, undo, one reminder
