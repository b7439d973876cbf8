"""The Zalo Bot API client, the polling loop and the outbox channel against the fake Zalo
server written from the documentation: idle 408s, 403 "Internal server error", 429, stop."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.delivery.ratelimit import Limits
from bot.delivery.worker import RetryAfter, TransientError
from bot.zalo.channel import ZaloChannel, poll
from bot.zalo.client import ClientSettings, ZaloBotClient
from storage.models import OutboxMessage
from storage.retry import RetryPolicy
from tests.bot.zalo.fake_zalo import FakeZalo

pytestmark = pytest.mark.slow  # starts a fake Zalo Bot API server on 127.0.0.1

FAST = ClientSettings(timeout=2.0)


class NoDelivery:
    """No replies are queued by `NoHandlers`: nothing to send after a commit."""

    def after_commit(self, rows: Any, first: Any = None) -> None:
        assert not rows and first is None


class NoHandlers:
    """Polling only: the updates' handling is not what these tests are about."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    async def handle(self, incoming: Any) -> Any:
        self.seen.append(incoming)
        from handlers.types import Outcome

        return Outcome()


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZalo]:
    fake = FakeZalo()
    await fake.server.start_server()
    yield fake
    await fake.server.close()


@pytest.fixture
async def client(zalo: FakeZalo) -> AsyncIterator[ZaloBotClient]:
    from dataclasses import replace

    retry = RetryPolicy(attempts=3).instant()
    bot = ZaloBotClient("42:fake-token", replace(FAST, base_url=zalo.base_url), retry=retry)
    yield bot
    await bot.aclose()


def notice(text: str = "Nhắc báo cáo") -> OutboxMessage:
    return OutboxMessage(key="n1", kind="reminder", platform="zalo", chat_id="zu-1", html=text)


@pytest.mark.parametrize("idle_status", [200, 408])
async def test_idle_long_polls_are_quiet_and_follow_each_other_at_once(
    zalo: FakeZalo, client: ZaloBotClient, caplog: pytest.LogCaptureFixture, idle_status: int
) -> None:
    zalo.max_hold, zalo.idle_status = 0.1, idle_status
    stop, waits = asyncio.Event(), []

    async def sleep(seconds: float) -> None:  # the polling policy's wait, were there one
        waits.append(seconds)

    retry = RetryPolicy(base=2.0, sleep=sleep)
    with caplog.at_level(logging.DEBUG):
        task = asyncio.create_task(
            poll(client, NoHandlers(), NoDelivery(), stop, timeout=30, retry=retry)  # type: ignore[arg-type]
        )
        started = time.monotonic()
        async with asyncio.timeout(10):
            while zalo.count("getUpdates") < 5:  # each held 0.1 s by the fake
                await asyncio.sleep(0.02)
        took = time.monotonic() - started
        stop.set()
        await task
    assert waits == [] and took < 2.0  # no pause after an idle poll (a failure waits 2 s)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_an_update_after_idle_polls_is_handled(zalo: FakeZalo, client: ZaloBotClient) -> None:
    zalo.max_hold = 0.1
    handlers, stop = NoHandlers(), asyncio.Event()
    task = asyncio.create_task(poll(client, handlers, NoDelivery(), stop, timeout=30))  # type: ignore[arg-type]
    await asyncio.sleep(0.3)
    zalo.push_text("zu-1", "vneid 5")
    async with asyncio.timeout(5):
        while not handlers.seen:
            await asyncio.sleep(0.02)
    stop.set()
    await task
    assert handlers.seen[0].text == "vneid 5"


async def test_stop_ends_a_long_poll_within_two_seconds(
    zalo: FakeZalo, client: ZaloBotClient
) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(poll(client, NoHandlers(), NoDelivery(), stop, timeout=30))  # type: ignore[arg-type]
    async with asyncio.timeout(5):
        while not zalo.polls_open:
            await asyncio.sleep(0.01)
    started = time.monotonic()
    stop.set()
    async with asyncio.timeout(5):
        await task
    assert time.monotonic() - started < 2.0


async def test_a_403_internal_server_error_goes_back_to_the_worker_and_its_retry_goes(
    zalo: FakeZalo, client: ZaloBotClient
) -> None:
    zalo.fail("sendMessage", 403)
    channel = ZaloChannel(client, Limits())
    with pytest.raises(TransientError):  # not retried in the client: the worker retries sends
        await channel.send(notice())
    assert zalo.count("sendMessage") == 1
    await channel.send(notice())
    assert zalo.texts("zu-1") == ["Nhắc báo cáo"] and zalo.count("sendMessage") == 2


@pytest.mark.parametrize("code, status", [(403, 200), (403, 403), (408, 200), (408, 408)])
async def test_a_lasting_documented_transient_error_is_transient_for_the_worker(
    zalo: FakeZalo, client: ZaloBotClient, code: int, status: int
) -> None:
    zalo.fail("sendMessage", code, times=10, status=status)
    with pytest.raises(TransientError):
        await ZaloChannel(client, Limits()).send(notice())
    assert zalo.texts("zu-1") == []


@pytest.mark.parametrize("status", [200, 429])
async def test_a_rate_limit_goes_back_to_the_worker_once_without_a_retry_loop(
    zalo: FakeZalo, client: ZaloBotClient, status: int
) -> None:
    zalo.fail("sendMessage", 429, status=status, retry_after=7)
    with pytest.raises(RetryAfter) as err:
        await ZaloChannel(client, Limits()).send(notice())
    assert err.value.seconds == 7 and zalo.count("sendMessage") == 1


async def test_a_long_text_is_split_within_the_documented_2000_characters(
    zalo: FakeZalo, client: ZaloBotClient
) -> None:
    text = "\n".join(f"Thôn {n}: vneid {n}" + " ." * 40 for n in range(100))
    await ZaloChannel(client, Limits()).send(notice(text))
    parts = zalo.texts("zu-1")
    assert len(parts) > 1 and "\n".join(parts) == text
