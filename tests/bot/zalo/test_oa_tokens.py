"""OA tokens against the fake OA server: one refresh at a time across tasks and processes,
a rejected token refreshed once, a refused refresh reported loudly; split replies, names."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from bot.zalo import texts
from bot.zalo.client import ZaloError
from bot.zalo.oa_client import OaClient, OaSettings
from storage.db import Database
from storage.models import Level, OutboxMessage, Role
from tests.bot.zalo.fake_oa import FakeOA
from tests.conftest import NOW, FixedClock

pytestmark = pytest.mark.slow  # starts a fake Zalo OA server on 127.0.0.1

APP, APP_SECRET = "4321000", "app-secret-key"


@pytest.fixture
async def fake(db: Database) -> AsyncIterator[FakeOA]:
    async with db.transaction() as store:
        await store.oa_tokens.save(APP, "", "r1", NOW)  # only a refresh token so far
        await store.commit()
    oa = FakeOA(APP, APP_SECRET)
    await oa.server.start_server()
    yield oa
    await oa.server.close()


Process = Callable[..., OaClient]


@pytest.fixture
async def process(db: Database, fake: FakeOA) -> AsyncIterator[Process]:
    """A new OA client with its own connections: another process sharing the database."""
    opened: list[httpx.AsyncClient] = []

    def start(clock: Callable[[], object] = lambda: NOW, **kwargs: object) -> OaClient:
        http = httpx.AsyncClient()
        opened.append(http)
        oa_settings = OaSettings(api=fake.base_url, oauth=fake.base_url)
        return OaClient(db, APP, APP_SECRET, http, clock, oa_settings, **kwargs)  # type: ignore[arg-type]

    yield start
    for http in opened:
        await http.aclose()


async def test_two_events_at_once_in_two_processes_spend_the_refresh_token_once(
    fake: FakeOA, process: Process
) -> None:
    one, two = process(), process()
    await asyncio.gather(
        one.send_text("u1", "Đã ghi nhận"), two.send_text("u2", "Đã ghi nhận"),
        one.send_text("u3", "Đã ghi nhận"),
    )  # fmt: skip
    assert fake.refreshes == 1 and fake.refused == []
    assert sorted(user for user, _ in fake.sent) == ["u1", "u2", "u3"]


@pytest.mark.parametrize("rejection", [-216, -220])
async def test_a_rejected_access_token_is_refreshed_once_and_the_call_retried(
    fake: FakeOA, process: Process, rejection: int
) -> None:
    client = process()
    await client.send_text("u1", "lần một")
    fake.revoke_all()  # the stored token is not expired, but Zalo rejects it
    fake.rejection = rejection
    await client.send_text("u1", "lần hai")
    assert fake.texts("u1") == ["lần một", "lần hai"]
    assert fake.refreshes == 2 and fake.refused == []


async def test_two_events_meeting_a_rejected_token_refresh_it_once(
    fake: FakeOA, process: Process
) -> None:
    one, two = process(), process()
    await one.send_text("u1", "trước")
    fake.revoke_all()
    await asyncio.gather(one.send_text("u1", "sau"), two.send_text("u2", "sau"))
    assert fake.refreshes == 2 and fake.refused == [] and len(fake.sent) == 3


async def test_a_dead_holders_refresh_lease_runs_out(
    db: Database, fake: FakeOA, process: Process
) -> None:
    clock = FixedClock(NOW)
    async with db.transaction() as store:  # a process took the refresh, then died
        assert await store.oa_tokens.lease_refresh(APP, "r1", NOW, NOW + timedelta(seconds=30))
        await store.commit()

    async def sleep(seconds: float) -> None:
        clock.advance(seconds=1)

    client = process(clock, sleep=sleep)
    await client.send_text("u1", "vẫn gửi được")
    assert fake.refreshes == 1 and clock.now - NOW >= timedelta(seconds=30)


async def test_a_refused_refresh_is_loud_and_tells_the_province_admins(
    db: Database, fake: FakeOA, process: Process, caplog: pytest.LogCaptureFixture
) -> None:
    async with db.transaction() as store:
        province = await store.units.add("38", "Thanh Hóa", Level.province)
        admin = await store.members.add("Quản Trị", province, Role.province_admin)
        ident = await store.members.link(admin, "telegram", "tg-admin", "QT")
        ident.private_chat_id = "tg-admin"
        await store.commit()
    fake.refresh_tokens.clear()  # the stored refresh token was spent or revoked
    client = process()
    for _ in range(2):
        with pytest.raises(ZaloError) as err:
            await client.send_text("u1", "x")
        assert err.value.code == -14014
    assert [r for r in caplog.records if r.levelno == logging.ERROR and "refresh" in r.message]
    async with db.reading() as store:
        alerts = (await store.session.exec(select(OutboxMessage))).all()
        token = await store.oa_tokens.get(APP)
    assert [(a.platform, a.chat_id, a.kind) for a in alerts] == [("telegram", "tg-admin", "alert")]
    assert "zalo-oa-token" in alerts[0].html  # one alert a day, saying what to do
    assert token is not None and token.refreshing_until is None  # the lease was given back


async def test_a_long_oa_reply_is_split_on_line_boundaries(fake: FakeOA, process: Process) -> None:
    text = "\n".join(f"Thôn {n}: vneid {n}" + " ." * 40 for n in range(100))
    await process().send_text("u1", text)
    parts = fake.texts("u1")
    assert len(parts) > 1 and all(len(p) <= 2000 for p in parts) and "\n".join(parts) == text


async def test_names_come_from_user_detail_cached_with_a_neutral_fallback(
    fake: FakeOA, process: Process
) -> None:
    fake.names["u1"] = "Chị Hoa"
    client = process()
    assert [await client.user_name("u1") for _ in range(3)] == ["Chị Hoa"] * 3
    assert fake.detail_calls == 1
    assert await client.user_name("stranger") == texts.OA_SOMEONE
