"""The bot process in OA mode against the fake OA server: first without the OA secret key
(Zalo's URL check is answered, nothing processed), then with it (a signed join is greeted by
the person's Zalo name). The OA hosts come from the settings."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path

import httpx
import pytest

from bot.zalo.oa_events import SIGNATURE_HEADER, signature
from storage.db import Database
from storage.models import utcnow
from tests.bot.processes import make_invite, running_bot, stopped_cleanly
from tests.bot.zalo.fake_oa import FakeOA

pytestmark = pytest.mark.slow  # starts bot processes

APP, APP_SECRET, OA_KEY = "4321000", "app-secret-key-0123", "oa-secret-key-0123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    async with asyncio.timeout(30), httpx.AsyncClient() as http:
        while True:
            try:
                return (await http.post(url, content=body, headers=headers)).status_code
            except httpx.TransportError:
                await asyncio.sleep(0.2)  # the bot is still starting


def signed_join(code: str) -> tuple[bytes, dict[str, str]]:
    stamp = str(int(time.time() * 1000))
    body = json.dumps({
        "app_id": APP, "event_name": "user_send_text", "timestamp": stamp,
        "sender": {"id": "oa-user-1"}, "recipient": {"id": "oa-1"},
        "message": {"text": f"/thamgia {code}", "msg_id": "m-join"},
    }).encode()  # fmt: skip
    return body, {SIGNATURE_HEADER: f"mac={signature(APP, body, stamp, OA_KEY)}"}


async def test_oa_set_up_in_zalos_order_then_a_join(tmp_path: Path, database_url: str) -> None:
    code = await make_invite(database_url)
    db = Database(database_url)
    async with db.transaction() as store:
        await store.oa_tokens.save(APP, "", "r1", utcnow())  # `cnsbot zalo-oa-token r1`
        await store.commit()
    await db.dispose()
    fake = FakeOA(APP, APP_SECRET)
    fake.names["oa-user-1"] = "Chị Hoa"
    await fake.server.start_server()
    port = free_port()
    url = f"http://127.0.0.1:{port}/zalo-oa"
    env = {
        "DATABASE_URL": database_url, "WEB_HOST": "127.0.0.1", "WEB_PORT": str(port),
        "ZALO_OA_APP_ID": APP, "ZALO_OA_APP_SECRET": APP_SECRET,
        "ZALO_OA_API_BASE": fake.base_url, "ZALO_OA_OAUTH_BASE": fake.base_url,
    }  # fmt: skip
    body, headers = signed_join(code)
    try:
        async with running_bot(tmp_path, env) as before_key:
            assert await post(url, b'{"event_name": "check"}', {}) == 200  # Zalo's URL check
            assert await post(url, body, headers) == 200  # nothing processed yet
        assert fake.sent == [] and fake.refreshes == 0
        async with running_bot(tmp_path, {**env, "ZALO_OA_WEBHOOK_KEY": OA_KEY}) as bot:
            assert await post(url, body, {SIGNATURE_HEADER: "mac=" + "0" * 64}) == 403
            assert await post(url, body, headers) == 200
            greeting = await fake.wait_text("oa-user-1", "Chào mừng", timeout=30)
    finally:
        await fake.server.close()
    assert "Chị Hoa" in greeting and fake.refreshes == 1
    assert stopped_cleanly(before_key) and stopped_cleanly(bot), bot.output
    assert "ZALO_OA_WEBHOOK_KEY is not set" in before_key.output
    assert OA_KEY not in bot.output and APP_SECRET not in bot.output
