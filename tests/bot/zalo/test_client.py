"""The Zalo Bot API client against httpx.MockTransport: every method, errors, retries."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from bot.zalo.client import ClientSettings, ZaloBotClient, ZaloError

TOKEN = "1234567890:zalo-secret-token"
FAST = ClientSettings(base_url="http://127.0.0.1:9", timeout=1.0, retries=2, backoff=0.001)
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

    return ZaloBotClient(TOKEN, FAST, transport=httpx.MockTransport(record)), seen


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


async def test_the_error_envelope_becomes_one_exception_without_retries() -> None:
    zalo, seen = client(
        lambda r: httpx.Response(
            200, json={"ok": False, "error_code": 403, "description": "Bot bị chặn"}
        )
    )
    with pytest.raises(ZaloError) as err:
        await zalo.send_message("u1", "xin chào")
    assert (err.value.code, err.value.description) == (403, "Bot bị chặn") and len(seen) == 1
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
    assert len(seen) == FAST.retries + 1
    assert TOKEN not in str(err.value) and err.value.transient
    await zalo.aclose()
