"""The bot process (Telegram polling) killed with a backlog of reports, then restarted:
every report stored exactly once, every report receipted.

A report and its receipt are stored in one transaction and Telegram is told an update
was handled only after that commit, so a kill can neither lose a report nor its receipt.
A receipt can only go out twice when its send reached Telegram but the record of it had
not committed at the kill: those are counted and bounded by the sends in flight then.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import Database
from storage.models import Level
from storage.seed import seed_indicators
from tests.bot.processes import running_bot, stopped_cleanly
from tests.bot.test_workers import until
from tests.bot.tg import fakes
from tests.bot.tg.fake_api import FakeBotAPI

pytestmark = pytest.mark.slow  # starts and kills bot processes

TOKEN = "123456:CRASH-TEST-TOKEN"
PEOPLE = 120
FIRST_ID = 7_100_000


async def make_members(url: str, count: int) -> None:
    """A village of `count` members, each with a Telegram account (one chat each)."""
    db = Database(url)
    await db.create_schema()
    async with db.transaction() as store:
        await seed_indicators(store)
        commune = await store.units.add("C1", "Xã Thử", Level.commune)
        village = await store.units.add("V1", "Thôn Thử", Level.village, commune)
        for i in range(count):
            member = await store.members.add(f"Người {i}", village)
            await store.members.link(member, "telegram", str(FIRST_ID + i), f"Người {i}")
        await store.commit()
    await db.dispose()


def push_backlog(api: FakeBotAPI, count: int) -> None:
    for i in range(count):
        person = {"id": FIRST_ID + i, "is_bot": False, "first_name": f"Người {i}"}
        api.push(fakes.private_text("vneid 1", user=person))


async def scalar(url: str, sql: str) -> object:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return await conn.scalar(text(sql))
    finally:
        await db.dispose()


async def reply_chats(url: str, status: str) -> set[str]:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT chat_id FROM outbox WHERE kind = 'reply' AND status = :s"),
                {"s": status},
            )
            return {row[0] for row in rows}
    finally:
        await db.dispose()


def receipts(api: FakeBotAPI) -> Counter[str]:
    return Counter(
        str(p["chat_id"]) for p in api.sent("sendMessage") if "Đã ghi nhận" in str(p["text"])
    )


async def all_done(url: str, count: int) -> bool:
    stored = await scalar(url, "SELECT count(*) FROM entry")
    sent = await scalar(url, "SELECT count(*) FROM outbox WHERE kind = 'reply' AND status = 'sent'")
    return stored == count and sent == count


def env_for(url: str, api: FakeBotAPI) -> dict[str, str]:
    return {
        "DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": api.base_url,
        "DELIVERY_LEASE_SECONDS": "4", "TELEGRAM_RATE_PER_SECOND": "60", "LOG_LEVEL": "INFO",
    }  # fmt: skip


async def polling_began(api: FakeBotAPI) -> bool:
    return bool(api.sent("getUpdates"))


async def check_totals(url: str) -> None:
    """Each person's one report, stored once: no loss, no double count."""
    assert await scalar(url, "SELECT count(*) FROM entry") == PEOPLE
    assert await scalar(url, "SELECT count(DISTINCT member_id) FROM entry") == PEOPLE
    assert await scalar(url, "SELECT sum(count) FROM entry") == PEOPLE
    assert await scalar(url, "SELECT count(*) FROM outbox WHERE kind = 'reply'") == PEOPLE


@pytest.mark.parametrize("delay", [0.1, 0.4, 0.9])
async def test_sigkill_with_a_backlog_loses_no_report_and_no_receipt(
    tmp_path: Path, database_url: str, delay: float
) -> None:
    url = database_url
    await make_members(url, PEOPLE)
    api = FakeBotAPI(send_delay=0.03)
    await api.server.start_server()
    push_backlog(api, PEOPLE)  # queued while the bot was stopped
    env = env_for(url, api)
    try:
        async with running_bot(tmp_path, env) as first:
            await until(lambda: polling_began(api), 60, "polling to begin")
            await asyncio.sleep(delay)
            await first.kill()
            stored_at_kill = await scalar(url, "SELECT count(*) FROM entry")
            in_flight = await reply_chats(url, "sending")
            unrecorded = len(in_flight & set(receipts(api)))
            receipted_at_kill = len(receipts(api))
        async with running_bot(tmp_path, env) as second:
            await until(lambda: all_done(url, PEOPLE), 60, "every report stored and receipted")
    finally:
        await api.server.close()
    sent = receipts(api)
    doubled = sum(n - 1 for n in sent.values())
    print(
        f"\n[sigkill +{delay}s] {PEOPLE} reports: {stored_at_kill} stored and "
        f"{receipted_at_kill} receipted at the kill, {len(in_flight)} replies claimed then, "
        f"{unrecorded} of them already at Telegram; after the restart: "
        f"{len(sent)} receipted, {doubled} receipts twice"
    )
    await check_totals(url)
    assert len(sent) == PEOPLE  # every report receipted
    assert doubled <= unrecorded, sent.most_common(3)  # only the sends in flight repeat
    assert stopped_cleanly(second), second.output
    assert TOKEN not in first.read_log() + second.read_log()


async def test_sigterm_with_a_backlog_stores_and_receipts_each_report_once(
    tmp_path: Path, database_url: str
) -> None:
    url = database_url
    await make_members(url, PEOPLE)
    api = FakeBotAPI(send_delay=0.03)
    await api.server.start_server()
    push_backlog(api, PEOPLE)
    env = env_for(url, api)
    try:
        async with running_bot(tmp_path, env) as first:
            await until(lambda: polling_began(api), 60, "polling to begin")
            await asyncio.sleep(0.3)
            assert first.process is not None
            first.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(first.process.wait(), 30)
            stored_at_stop = await scalar(url, "SELECT count(*) FROM entry")
            # Drained: nothing left claimed; what had no slot yet waits as pending.
            assert await reply_chats(url, "sending") == set()
            receipted_at_stop = len(receipts(api))
        async with running_bot(tmp_path, env) as second:
            await until(lambda: all_done(url, PEOPLE), 60, "every report stored and receipted")
    finally:
        await api.server.close()
    sent = receipts(api)
    print(
        f"\n[sigterm +0.3s] {PEOPLE} reports: {stored_at_stop} stored and "
        f"{receipted_at_stop} receipted at the stop; after the restart {len(sent)} receipted, "
        f"{sum(n - 1 for n in sent.values())} twice"
    )
    assert first.process.returncode == 0, first.read_log()
    await check_totals(url)
    assert sorted(sent.values()) == [1] * PEOPLE  # every report receipted, exactly once
    assert stopped_cleanly(second), second.output
