"""The Zalo Bot API client against httpx.MockTransport: every method, errors, retries."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import httpx
import pytest

from bot.delivery.worker import RetryAfter, TransientError
from bot.zalo.client import ClientSettings, ZaloBotClient, ZaloError, delivery_error
from storage.retry import RetryPolicy

TOKEN = "1234567890:zalo-secret-token"
FAST = ClientSettings(base_url="http://127.0.0.1:9", timeout=1.0)
RETRY = RetryPolicy(attempts=3).instant()
MESSAGE = {
    "event_name": "message.text.received",
    "message": {
        "message_id": "m1", "date": 1763700000, "text": "vneid 5",
        "from": {"id": "u1", "display_name": "Chị Hoa", "is_bot": False},
        "chat": {"id": "u1", "chat_type": "PRIVATE"},
    },
}  # fmt: skip


def client(
    handler: Callable[[httpx.Request], httpx.Response],
) -> tuple[ZaloBotClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return ZaloBotClient(TOKEN, FAST, transport=httpx.MockTransport(record), retry=RETRY), seen


def ok(result: object) -> httpx.Response:
    return httpx.Response(200, json={"ok": True, "result": result})


@pytest.mark.parametrize(
    "call, method, payload",
    [
        (lambda c: c.get_me(), "getMe", {}),
        (lambda c: c.set_webhook("https://x.vn/zalo", "s3cret"), "setWebhook",
         {"url": "https://x.vn/zalo", "secret_token": "s3cret"}),
        (lambda c: c.delete_webhook(), "deleteWebhook", {}),
        (lambda c: c.get_webhook_info(), "getWebhookInfo", {}),
        (lambda c: c.send_photo("u1", "https://x.vn/c.png", "Tổng hợp"), "sendPhoto",
         {"chat_id": "u1", "photo": "https://x.vn/c.png", "caption": "Tổng hợp"}),
        (lambda c: c.send_chat_action("u1"), "sendChatAction",
         {"chat_id": "u1", "action": "typing"}),
    ],
)  # fmt: skip
async def test_every_method_posts_json_to_its_url(
    call, method: str, payload: dict[str, str]
) -> None:  # type: ignore[no-untyped-def]
    zalo, seen = client(lambda r: ok({"id": "bot1", "url": ""}))
    await call(zalo)
    await zalo.aclose()
    (request,) = seen
    assert request.method == "POST" and request.url.path == f"/bot{TOKEN}/{method}"
    assert json.loads(request.content) == payload


async def test_get_updates_accepts_one_update_or_a_list_or_nothing() -> None:
    answers = iter([ok(MESSAGE), ok([MESSAGE, MESSAGE]), ok(None)])
    zalo, seen = client(lambda r: next(answers))
    assert [len(await zalo.get_updates(timeout=5)) for _ in range(3)] == [1, 2, 0]
    assert json.loads(seen[0].content) == {"timeout": "5"}
    await zalo.aclose()


async def test_long_messages_are_split_under_2000_characters() -> None:
    zalo, seen = client(lambda r: ok({"message_id": "x"}))
    text = "\n".join(f"Thôn {n}: vneid {n}" + " ." * 40 for n in range(100))
    await zalo.send_message("u1", text)
    parts = [json.loads(r.content)["text"] for r in seen]
    assert len(parts) > 1 and all(len(p) <= 2000 for p in parts) and "\n".join(parts) == text
    await zalo.aclose()


def failure(code: int, description: str, status: int = 200, **extra: object) -> httpx.Response:
    """Zalo's documented error envelope, on HTTP 200 or on the error's own status."""
    body = {"ok": False, "error_code": code, "description": description, **extra}
    return httpx.Response(status, json=body)


@pytest.mark.parametrize("status", [200, 400])
async def test_a_bad_request_becomes_one_permanent_exception_without_retries(
    status: int,
) -> None:
    zalo, seen = client(lambda r: failure(400, "Bad request", status))
    with pytest.raises(ZaloError) as err:
        await zalo.send_message("u1", "xin chào")
    assert (err.value.code, err.value.description) == (400, "Bad request") and len(seen) == 1
    assert not err.value.transient
    await zalo.aclose()


@pytest.mark.parametrize("status", [200, 408])
async def test_an_idle_long_poll_is_no_updates_quietly_and_at_once(
    status: int, caplog: pytest.LogCaptureFixture
) -> None:
    zalo, seen = client(lambda r: failure(408, "Request timeout", status))
    with caplog.at_level(logging.DEBUG, logger="bot.zalo"):
        assert await zalo.get_updates(timeout=30) == []
    assert len(seen) == 1 and not [r for r in caplog.records if r.levelno >= logging.WARNING]
    await zalo.aclose()


@pytest.mark.parametrize(
    "code, description, status",
    [(403, "Internal server error", 200), (403, "Internal server error", 403),
     (408, "Request timeout", 200)],
)  # fmt: skip
async def test_documented_transient_errors_are_retried_then_succeed(
    code: int, description: str, status: int
) -> None:
    answers = iter([failure(code, description, status), ok({"id": "bot1"})])
    zalo, seen = client(lambda r: next(answers))
    assert await zalo.get_me() == {"id": "bot1"}
    assert len(seen) == 2
    await zalo.aclose()


async def test_a_failed_send_is_not_retried_here_but_is_transient_for_the_worker() -> None:
    """Sends are retried at one layer: the delivery worker's (no nested retries)."""
    zalo, seen = client(lambda r: failure(403, "Internal server error"))
    with pytest.raises(ZaloError) as err:
        await zalo.send_message("u1", "xin chào")
    assert err.value.transient and not err.value.rate_limited
    assert isinstance(delivery_error(err.value), TransientError)
    assert len(seen) == 1
    await zalo.aclose()


async def test_retries_wait_by_the_injected_policy() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    policy = RetryPolicy(attempts=4, base=0.5, factor=2.0, cap=1.5, jitter=0.0, sleep=sleep)
    zalo = ZaloBotClient(
        TOKEN, FAST, transport=httpx.MockTransport(lambda r: failure(403, "x")), retry=policy
    )
    with pytest.raises(ZaloError):
        await zalo.get_me()
    assert waits == [0.5, 1.0, 1.5]  # then the fourth attempt failed: no wait after it
    await zalo.aclose()


@pytest.mark.parametrize("status", [200, 429])
async def test_a_rate_limit_is_raised_at_once_for_the_workers_backoff(status: int) -> None:
    zalo, seen = client(
        lambda r: failure(429, "Quota exceeded", status, parameters={"retry_after": 12})
    )
    with pytest.raises(ZaloError) as err:
        await zalo.send_message("u1", "xin chào")
    assert len(seen) == 1 and err.value.rate_limited and err.value.retry_after == 12
    mapped = delivery_error(err.value)
    assert isinstance(mapped, RetryAfter) and mapped.seconds == 12
    bare = delivery_error(ZaloError(429, "Quota exceeded"))
    assert isinstance(bare, RetryAfter) and bare.seconds > 0
    await zalo.aclose()


async def test_5xx_and_network_errors_are_retried_then_succeed() -> None:
    answers = iter(
        [httpx.ConnectError("refused"), httpx.Response(502, text="Bad Gateway"), ok({"id": "bot1"})]
    )

    def answer(request: httpx.Request) -> httpx.Response:
        item = next(answers)
        if isinstance(item, Exception):
            raise item
        return item

    zalo, seen = client(answer)
    assert await zalo.get_me() == {"id": "bot1"} and len(seen) == 3
    await zalo.aclose()


async def test_retries_give_up_and_never_show_the_token() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout(f"timed out on {request.url}")

    zalo, seen = client(timeout)
    with pytest.raises(ZaloError) as err:
        await zalo.get_me()
    assert len(seen) == RETRY.attempts
    assert TOKEN not in str(err.value) and err.value.transient
    await zalo.aclose()
