"""Zalo OA API v3: signed webhook events, replies, and single-use refresh tokens."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.zalo.client import ZaloError
from bot.zalo.oa import OaClient, from_event, signature, verify
from handlers.types import Kind
from storage.db import Database
from storage.models import pk

APP, SECRET = "4321000", "oa-secret-key"
NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
EVENT = {
    "app_id": APP, "event_name": "user_send_text", "timestamp": "1795229940000",  # NOW - 1 min
    "sender": {"id": "oa-user-1"}, "recipient": {"id": "oa-1"},
    "message": {"text": "vneid 5 cks 2", "msg_id": "mid-1"}, "user_id_by_app": "x",
}  # fmt: skip


def test_a_valid_signature_is_accepted_and_a_tampered_body_refused() -> None:
    body = json.dumps(EVENT).encode()
    mac = signature(APP, body, EVENT["timestamp"], SECRET)  # type: ignore[arg-type]
    assert verify(f"mac={mac}", APP, body, SECRET) == EVENT
    tampered = body.replace(b"vneid 5", b"vneid 9")
    assert verify(f"mac={mac}", APP, tampered, SECRET) is None
    assert verify("mac=", APP, body, SECRET) is None
    assert verify(f"mac={mac}", APP, body, "another-secret") is None


def test_events_become_neutral_messages() -> None:
    incoming = from_event(EVENT)
    assert incoming is not None
    assert (incoming.key, incoming.text, incoming.kind) == (
        "zalo_oa:mid-1",
        "vneid 5 cks 2",
        Kind.text,
    )
    sticker = {**EVENT, "event_name": "user_send_sticker", "message": {"msg_id": "mid-2"}}
    assert from_event(sticker).kind is Kind.other  # type: ignore[union-attr]
    assert from_event({**EVENT, "event_name": "follow"}) is None


class FakeOA:
    """The OA API and the OAuth server, answering single-use refresh tokens."""

    def __init__(self) -> None:
        self.valid_refresh = {"r1"}
        self.issued = 0
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v4/oa/access_token":
            form = dict(httpx.QueryParams(request.content.decode()))
            assert request.headers["secret_key"] == SECRET
            if form["refresh_token"] not in self.valid_refresh:
                return httpx.Response(
                    200, json={"error": -14014, "error_description": "Invalid refresh token"}
                )
            self.valid_refresh.discard(form["refresh_token"])
            self.issued += 1
            new = f"r{self.issued + 1}"
            self.valid_refresh.add(new)
            return httpx.Response(
                200,
                json={
                    "access_token": f"a{self.issued}",
                    "refresh_token": new,
                    "expires_in": "90000",
                },
            )
        if request.url.path == "/v3.0/oa/user/detail":
            return httpx.Response(200, json={"error": -213, "message": "User has not followed OA"})
        self.sent.append((request.headers["access_token"], json.loads(request.content)))
        return httpx.Response(
            200, json={"error": 0, "message": "Success", "data": {"message_id": "x"}}
        )


@pytest.fixture
async def oa(db: Database) -> FakeOA:
    async with db.transaction() as store:
        await store.oa_tokens.save(APP, "", "r1", NOW)  # only a refresh token so far
        await store.commit()
    return FakeOA()


async def test_a_reply_refreshes_once_and_stores_the_new_pair_first(
    db: Database, oa: FakeOA
) -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(oa)) as http:
        client = OaClient(db, APP, SECRET, http, clock=lambda: NOW)
        await client.send_text("oa-user-1", "Đã ghi nhận")
        await client.send_text("oa-user-1", "Lần hai")
    assert [token for token, _ in oa.sent] == ["a1", "a1"] and oa.issued == 1
    assert oa.sent[0][1] == {
        "recipient": {"user_id": "oa-user-1"},
        "message": {"text": "Đã ghi nhận"},
    }
    async with db.reading() as store:
        saved = await store.oa_tokens.get(APP)
    assert saved is not None and (saved.access_token, saved.refresh_token) == ("a1", "r2")


async def test_a_crash_after_the_refresh_loses_no_token(db: Database, oa: FakeOA) -> None:
    class Crash(Exception):
        pass

    async with httpx.AsyncClient(transport=httpx.MockTransport(oa)) as http:
        client = OaClient(db, APP, SECRET, http, clock=lambda: NOW)
        await client.refresh("r1")  # received and stored ...
        with pytest.raises(Crash):
            raise Crash  # ... and the process dies before using it
    later = NOW + timedelta(days=2)  # the stored access token has expired meanwhile
    async with httpx.AsyncClient(transport=httpx.MockTransport(oa)) as http:
        restarted = OaClient(db, APP, SECRET, http, clock=lambda: later)
        await restarted.send_text("oa-user-1", "vẫn gửi được")
    assert oa.issued == 2 and oa.sent[-1][0] == "a2"  # r2 (stored in time) was still valid


async def test_a_spent_refresh_token_is_an_error_not_a_silent_failure(
    db: Database, oa: FakeOA
) -> None:
    oa.valid_refresh.clear()
    async with httpx.AsyncClient(transport=httpx.MockTransport(oa)) as http:
        with pytest.raises(ZaloError) as err:
            await OaClient(db, APP, SECRET, http, clock=lambda: NOW).send_text("u", "x")
    assert err.value.code == -14014


@pytest.mark.slow  # serves the OA webhook on 127.0.0.1
async def test_the_oa_webhook_verifies_answers_and_keeps_the_window(
    db: Database, oa: FakeOA
) -> None:
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    from bot.delivery.ratelimit import Limits
    from bot.delivery.worker import DeliveryWorker
    from bot.zalo.oa import OA_WEBHOOK_PATH, SIGNATURE_HEADER, OaChannel, webhook_route
    from handlers.app import Handlers
    from storage.models import Level, OutboxMessage

    async with db.transaction() as store:
        village = await store.units.add("V", "Thôn OA", Level.village)
        invite = await store.invites.create(
            pk(village), "member", expires_at=NOW + timedelta(days=1)
        )  # type: ignore[arg-type]
        await store.commit()
    clock = {"now": NOW}
    http = httpx.AsyncClient(transport=httpx.MockTransport(oa))
    client = OaClient(db, APP, SECRET, http, clock=lambda: clock["now"])
    channel = OaChannel(client, Limits(), window=timedelta(days=7))
    delivery = DeliveryWorker(db, {"zalo_oa": channel})
    app = web.Application()
    webhook_route(app, client, Handlers(db, clock=lambda: clock["now"]), delivery, SECRET)
    body = json.dumps(
        {**EVENT, "message": {"text": f"/thamgia {invite.code}", "msg_id": "m-join"}}
    ).encode()
    mac = signature(APP, body, EVENT["timestamp"], SECRET)  # type: ignore[arg-type]
    async with TestClient(TestServer(app, host="127.0.0.1")) as web_client:
        bad = await web_client.post(
            OA_WEBHOOK_PATH, data=body, headers={SIGNATURE_HEADER: "mac=0000"}
        )
        assert bad.status == 403 and oa.sent == []
        good = await web_client.post(
            OA_WEBHOOK_PATH, data=body, headers={SIGNATURE_HEADER: f"mac={mac}"}
        )
        await delivery.flush()  # the reply goes after the answer
        assert good.status == 200 and "Chào mừng" in oa.sent[0][1]["message"]["text"]
    notice = OutboxMessage(
        key="k", kind="reminder", platform="zalo_oa", chat_id="oa-user-1", html="<b>Nhắc</b>"
    )
    await channel.send(notice)  # within the window
    assert oa.sent[-1][1]["message"]["text"] == "Nhắc"
    clock["now"] = NOW + timedelta(days=8)
    from bot.delivery.worker import Undeliverable

    with pytest.raises(Undeliverable):
        await channel.send(notice)
    await http.aclose()
