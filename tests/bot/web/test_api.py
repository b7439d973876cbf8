"""The read-only API over HTTP: tokens for a subtree, JSON and CSV of the same rows, keyset
pages, the rate limit, and the OpenAPI document."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from openapi_spec_validator import validate
from sqlmodel import select

from bot.web.api import api_routes
from bot.web.api_spec import openapi_document
from handlers.api import ENTRY_COLUMNS, ApiService, RateLimiter, create_token, revoke_token
from storage.models import ApiToken, Level
from tests.conftest import Chat, FixedClock, World

pytestmark = pytest.mark.slow  # serves the web app on 127.0.0.1 (aiohttp's test server)


@dataclass
class Ticks:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Api:
    client: TestClient
    service: ApiService
    ticks: Ticks

    async def get(self, path: str, token: str, **params: str) -> tuple[int, object]:
        response = await self.client.get(
            path, params=params, headers={"Authorization": f"Bearer {token}"}
        )
        if response.content_type == "text/csv":
            return response.status, await response.text()
        return response.status, await response.json()


@pytest.fixture
async def api(db, clock: FixedClock, world: World) -> AsyncIterator[Api]:  # type: ignore[no-untyped-def]
    async with db.transaction() as store:
        commune = await store.units.get(world.commune_id)
        province = await store.units.get(commune.parent_id)
        other = await store.units.add("16013", "Xã Hoằng Trung", Level.commune, province)
        village = await store.units.add("16013-T1", "Thôn Trung", Level.village, other)
        dung = await store.members.add("Phạm Dũng", village)
        await store.members.link(dung, "test", "dung", "Dũng")
        await store.commit()
    ticks = Ticks()
    service = ApiService(db, clock, RateLimiter(per_window=100, window=60, clock=ticks))
    app = web.Application()
    api_routes(app, service)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Api(client, service, ticks)


async def _token(api: Api, code: str) -> str:
    async with api.service.db.transaction() as store:
        unit = await store.units.by_code(code)
        assert unit is not None
        token = await create_token(store, unit, "Kho dữ liệu tỉnh", None, api.service.clock())
        await store.commit()
    return token


async def test_a_commune_token_reads_its_commune_and_is_refused_another(
    api: Api, chat: Chat
) -> None:
    await chat.say("vneid 5", user="an")
    await chat.say("vneid 7", user="dung")
    token = await _token(api, "16012")
    status, body = await api.get("/api/v1/units", token)
    assert status == 200
    codes = [u["code"] for u in body["data"]]  # type: ignore[index]
    assert codes[0] == "16012" and sorted(codes[1:]) == ["16012-T1", "16012-T2"]
    status, body = await api.get("/api/v1/progress", token, period="2026-11")
    top = [r for r in body["data"] if r["unit_code"] == "16012" and r["indicator"] == "vneid"]  # type: ignore[index]
    assert status == 200 and top[0]["count"] == 5 and top[0]["target"] == 100
    for path in ("/api/v1/progress", "/api/v1/entries", "/api/v1/entries.csv"):
        status, body = await api.get(path, token, unit="16013")
        assert status == 403, (path, body)
    status, body = await api.get("/api/v1/entries", token)
    assert [e["unit_code"] for e in body["data"]] == ["16012-T1"]  # type: ignore[index]


async def test_the_province_token_sees_both_communes_with_the_chats_numbers(
    api: Api, chat: Chat
) -> None:
    await chat.say("vneid 5 cks 2", user="an")
    await chat.say("vneid 7", user="dung")
    token = await _token(api, "38")
    _, body = await api.get("/api/v1/progress", token)
    counts = {(r["unit_code"], r["indicator"]): r["count"] for r in body["data"]}  # type: ignore[index]
    assert counts[("38", "vneid")] == 12 and counts[("16012", "cks")] == 2
    assert counts[("16013", "vneid")] == 7


async def test_a_revoked_or_unknown_token_fails(api: Api) -> None:
    token = await _token(api, "16012")
    assert (await api.get("/api/v1/units", token))[0] == 200
    async with api.service.db.transaction() as store:
        commune = await store.units.by_code("16012")
        assert commune is not None
        number = (await store.session.exec(select(ApiToken))).one().id or 0  # the one made
        await revoke_token(store, commune, number, None, api.service.clock())
        await store.commit()
    status, body = await api.get("/api/v1/units", token)
    assert status == 401 and body["error"]["code"] == "bad_token"  # type: ignore[index]
    assert (await api.get("/api/v1/units", token + "x"))[0] == 401
    no_header = await api.client.get("/api/v1/units")
    assert no_header.status == 401 and "Bearer" in no_header.headers["WWW-Authenticate"]


async def test_a_token_of_another_commune_cannot_be_revoked_from_here(api: Api) -> None:
    token = await _token(api, "16013")
    async with api.service.db.transaction() as store:  # rolled back: a refusal
        commune = await store.units.by_code("16012")
        assert commune is not None
        with pytest.raises(ValueError, match="Không có mã truy cập"):
            await revoke_token(store, commune, 1, None, api.service.clock())
    assert (await api.get("/api/v1/units", token))[0] == 200


async def test_csv_and_json_hold_the_same_rows(api: Api, chat: Chat) -> None:
    await chat.say("vneid 5 cks 2", user="an")
    await chat.say("tt 3", user="cuc")
    token = await _token(api, "16012")
    for name in ("units", "progress", "entries"):
        _, body = await api.get(f"/api/v1/{name}", token)
        for path, params in ((f"/api/v1/{name}.csv", {}), (f"/api/v1/{name}", {"format": "csv"})):
            status, text = await api.get(path, token, **params)
            assert status == 200 and isinstance(text, str) and text.startswith("\ufeff")
            rows = list(csv.DictReader(io.StringIO(text[1:])))
            expected = [
                {k: "" if v is None else str(v) for k, v in row.items()}
                for row in body["data"]  # type: ignore[index]
            ]
            assert rows == expected and rows, name


async def test_csv_cells_cannot_run_as_formulas(api: Api, db) -> None:  # type: ignore[no-untyped-def]
    async with db.transaction() as store:
        commune = await store.units.by_code("16012")
        await store.units.add("16012-T9", '=HYPERLINK("http://x")', Level.village, commune)
        await store.commit()
    token = await _token(api, "16012")
    _, text = await api.get("/api/v1/units.csv", token)
    assert "'=HYPERLINK" in str(text) and ",=HYPERLINK" not in str(text)


async def test_pages_are_stable_when_entries_arrive_between_them(api: Api, chat: Chat) -> None:
    for n in range(1, 6):
        await chat.say(f"vneid {n}", user="an")
    token = await _token(api, "16012")
    _, first = await api.get("/api/v1/entries", token, limit="2")
    cursor = first["next_cursor"]  # type: ignore[index]
    assert cursor and [e["count"] for e in first["data"]] == [1, 2]  # type: ignore[index]
    await chat.say("vneid 6", user="an")  # arrives while the client pages
    await chat.say("cks 9", user="cuc")
    seen = [e["count"] for e in first["data"]]  # type: ignore[index]
    while cursor:
        status, page = await api.get("/api/v1/entries", token, limit="2", cursor=cursor)
        assert status == 200
        seen += [e["count"] for e in page["data"]]  # type: ignore[index]
        cursor = page["next_cursor"]  # type: ignore[index]
    assert seen == [1, 2, 3, 4, 5, 6, 9]  # nothing skipped, nothing twice, in order
    _, cks = await api.get("/api/v1/entries", token, indicator="cks", unit="16012-T2")
    assert [e["count"] for e in cks["data"]] == [9] and set(cks["data"][0]) == set(ENTRY_COLUMNS)  # type: ignore[index]


async def test_bad_parameters_get_a_clear_vietnamese_answer(api: Api) -> None:
    token = await _token(api, "16012")
    for params, code in (
        ({"cursor": "!!"}, "bad_cursor"), ({"limit": "0"}, "bad_limit"),
        ({"period": "2026-13"}, "bad_period"), ({"indicator": "xyz"}, "bad_indicator"),
        ({"unit": "nope"}, "unit_unknown"), ({"format": "xml"}, "bad_format"),
    ):  # fmt: skip
        status, body = await api.get("/api/v1/entries", token, **params)
        assert status in (400, 404) and body["error"]["code"] == code, params  # type: ignore[index]
    status, body = await api.get("/api/v1/signoff", token, period="2026-Q4")
    assert status == 400 and "theo tháng" in body["error"]["message"]  # type: ignore[index]


async def test_the_rate_limit_answers_429_then_lets_through_again(api: Api) -> None:
    api.service.limiter = RateLimiter(per_window=5, window=60, clock=api.ticks)
    token = await _token(api, "16012")
    for _ in range(5):
        assert (await api.get("/api/v1/units", token))[0] == 200
    response = await api.client.get("/api/v1/units", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 429 and int(response.headers["Retry-After"]) == 60
    other = await _token(api, "16012")  # each token has its own window
    assert (await api.get("/api/v1/units", other))[0] == 200
    api.ticks.now += 60
    assert (await api.get("/api/v1/units", token))[0] == 200


async def test_the_openapi_document_validates_and_describes_every_route(api: Api) -> None:
    response = await api.client.get("/api/v1/openapi.json")
    document = await response.json()
    validate(document)
    assert document == openapi_document()
    for name in ("units", "progress", "entries", "signoff"):
        assert f"/api/v1/{name}" in document["paths"] and f"/api/v1/{name}.csv" in document["paths"]
    entry = document["components"]["schemas"]["Entry"]["properties"]
    assert set(entry) == set(ENTRY_COLUMNS)


async def test_the_sign_off_status_of_each_commune_as_the_chat_left_it(
    api: Api, chat: Chat
) -> None:
    await chat.say("vneid 5", user="an")
    assert "chốt" in (await chat.say("/chot 11/2026", user="binh")).lower()
    province = await _token(api, "38")
    status, body = await api.get("/api/v1/signoff", province, period="2026-11")
    assert status == 200, body
    rows = {row["unit_code"]: row for row in body["data"]}  # type: ignore[index]
    assert rows["16012"]["status"] == "signed" and rows["16012"]["round"] == 1
    assert rows["16012"]["signed_at"] is not None
    assert rows["16013"] == {
        "unit_code": "16013", "month": "2026-11", "status": "open", "round": 0,
        "signed_at": None, "decided_at": None, "reason": "",
    }  # fmt: skip
    theirs = await _token(api, "16013")
    assert (await api.get("/api/v1/signoff", theirs, unit="16012", period="2026-11"))[0] == 403
    status, text = await api.get("/api/v1/signoff.csv", province, period="2026-11")
    assert status == 200 and "16012,2026-11,signed,1" in text  # type: ignore[operator]
