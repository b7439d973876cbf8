"""Zalo's sendPhoto takes a URL: charts are served at unguessable links that expire."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.delivery.ratelimit import Limits
from bot.web.public_files import files_route, publisher
from bot.zalo.channel import ZaloChannel
from bot.zalo.client import ClientSettings, ZaloBotClient
from storage.db import Database
from storage.models import OutboxMessage, utcnow

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def tally(**extra: object) -> OutboxMessage:
    return OutboxMessage(
        key="tally:2026-W47:zalo:g", kind="tally", platform="zalo", chat_id="zu-1",
        html="<b>Tổng hợp</b>", file_name="tien-do.png", **extra,
    )  # fmt: skip


@pytest.mark.slow  # serves the chart route on 127.0.0.1
async def test_a_tally_goes_with_a_link_to_its_chart_and_the_link_expires(db: Database) -> None:
    calls: list[tuple[str, dict[str, str]]] = []

    def api(request: httpx.Request) -> httpx.Response:
        calls.append((request.url.path.rsplit("/", 1)[1], json.loads(request.content)))
        return httpx.Response(200, json={"ok": True, "result": {}})

    client = ZaloBotClient(
        "1:t", ClientSettings(base_url="http://127.0.0.1:9"), httpx.MockTransport(api)
    )
    publish = publisher(db, "https://bot.example.vn", timedelta(hours=72))
    await ZaloChannel(client, Limits(), publish).send(tally(file_data=PNG))
    await client.aclose()
    (_, text), (method, photo) = calls
    assert text["text"] == "Tổng hợp" and method == "sendPhoto"
    url = photo["photo"]
    assert url.startswith("https://bot.example.vn/files/") and len(url.rsplit("/", 1)[1]) > 30
    app = web.Application()
    files_route(app, db)
    async with TestClient(TestServer(app, host="127.0.0.1")) as web_client:
        path = url.removeprefix("https://bot.example.vn")
        served = await web_client.get(path)
        assert served.status == 200 and await served.read() == PNG
        assert (await web_client.get("/files/guess.png")).status == 404
        async with db.transaction() as store:
            (await store.public_files.get(path.split("/")[-1][:-4], utcnow())).expires_at = utcnow()  # type: ignore[union-attr]
            await store.commit()
        assert (await web_client.get(path)).status == 404


async def test_without_a_public_address_the_text_goes_alone() -> None:
    calls: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path.rsplit("/", 1)[1])
        return httpx.Response(200, json={"ok": True, "result": {}})

    client = ZaloBotClient(
        "1:t", ClientSettings(base_url="http://127.0.0.1:9"), httpx.MockTransport(api)
    )
    await ZaloChannel(client, Limits()).send(tally(file_data=PNG))
    await client.aclose()
    assert calls == ["sendMessage"]
