"""No platform call inside a database transaction: every channel's send and edit entry
point refuses loudly (in tests) while one is open, before anything reaches the network."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from aiogram import Bot

from bot.delivery.ratelimit import Limits
from bot.tg.channel import TelegramChannel
from bot.zalo.channel import ZaloChannel
from bot.zalo.client import ClientSettings, ZaloBotClient
from bot.zalo.oa_client import OaClient, OaSettings
from storage.db import CallInsideTransaction, Database
from storage.models import OutboxMessage, utcnow
from tests.bot.tg import fakes


def notice(platform: str) -> OutboxMessage:
    return OutboxMessage(
        key="n1", kind="reminder", platform=platform, chat_id="4440001", html="Nhắc báo cáo"
    )


async def test_telegram_sends_and_edits_refuse_inside_a_transaction(db: Database) -> None:
    session = fakes.RecordingSession()
    bot = Bot("123456:TEST-TOKEN", session=session)
    channel = TelegramChannel(bot, Limits())
    async with db.transaction():  # rolled back: nothing is written here
        with pytest.raises(CallInsideTransaction):
            await channel.send(notice("telegram"))
        with pytest.raises(CallInsideTransaction):
            await channel.show("4440001", "📢 Đã gửi 1/3.", "17")
        with pytest.raises(CallInsideTransaction):  # any Bot API call, through the session
            await bot.get_me()
    assert session.calls == []  # nothing reached Telegram
    await channel.send(notice("telegram"))  # after the transaction: it goes
    assert [type(c).__name__ for c in session.calls] == ["SendMessage"]
    await bot.session.close()


async def test_zalo_sends_refuse_inside_a_transaction(db: Database) -> None:
    requests: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        requests.append(request.url.path.rsplit("/", 1)[-1])
        return httpx.Response(200, json={"ok": True, "result": {"message_id": "m"}})

    client = ZaloBotClient(
        "1:t", ClientSettings(base_url="http://127.0.0.1:9"), httpx.MockTransport(api)
    )
    channel = ZaloChannel(client, Limits())
    async with db.reading():
        with pytest.raises(CallInsideTransaction):
            await channel.send(notice("zalo"))
        with pytest.raises(CallInsideTransaction):
            await client.get_me()
    assert requests == []
    await channel.send(notice("zalo"))
    assert requests == ["sendMessage"]
    await client.aclose()


async def test_zalo_oa_calls_refuse_inside_a_transaction(db: Database) -> None:
    requests: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        requests.append(request.url.path)
        return httpx.Response(200, json={"error": 0, "data": {"message_id": "m"}})

    http = httpx.AsyncClient(transport=httpx.MockTransport(api))
    settings = OaSettings(api="http://127.0.0.1:9", oauth="http://127.0.0.1:9")
    oa = OaClient(db, "4321000", "secret", http, settings=settings)
    async with db.transaction() as store:
        await store.oa_tokens.save("4321000", "a1", "r1", utcnow() + timedelta(days=1))
        await store.commit()
    async with db.reading():
        with pytest.raises(CallInsideTransaction):
            await oa.refresh("r1")
        with pytest.raises(CallInsideTransaction):
            await oa.call("POST", "/v3.0/oa/message/cs", payload={"x": json.dumps(1)})
    assert requests == []
    await oa.send_text("u1", "Đã ghi nhận")  # after: it goes
    assert requests == ["/v3.0/oa/message/cs"]
    await http.aclose()
