"""Wrong invite and /lienket codes: five tries, then a wait that grows, kept in the database
(issue 12, item 8)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.app import Handlers
from handlers.throttle import wait_after
from handlers.types import Incoming, Outcome, Rules
from storage.db import Database
from tests.conftest import Chat, FixedClock, World


async def test_five_wrong_invites_then_a_wait_even_for_the_right_code(
    chat: Chat, world: World, clock: FixedClock
) -> None:
    for n in range(1, 5):
        reply = await chat.say(f"/thamgia WRONG{n}", user="stranger")
        assert "không đúng" in reply and "đợi" not in reply
    fifth = await chat.say("/thamgia WRONG5", user="stranger")
    assert "không đúng" in fifth and "hãy đợi <b>1 phút</b>" in fifth
    blocked = await chat.say(f"/thamgia {world.invites['T1']}", user="stranger")
    assert "nhập sai mã quá nhiều lần" in blocked and "1 phút" in blocked
    assert "nhập sai mã quá nhiều lần" in await chat.say("/start WRONG6", user="stranger")
    clock.advance(seconds=61)
    sixth = await chat.say("/thamgia WRONG6", user="stranger")
    assert "hãy đợi <b>2 phút</b>" in sixth  # the wait doubles
    clock.advance(minutes=2, seconds=1)
    assert "Chào mừng" in await chat.say(f"/thamgia {world.invites['T1']}", user="stranger")


async def test_a_right_code_within_the_allowance_works_and_clears_the_count(
    chat: Chat, world: World
) -> None:
    for n in range(4):
        await chat.say(f"/thamgia WRONG{n}", user="stranger")
    assert "Chào mừng" in await chat.say(f"/thamgia {world.invites['T1']}", user="stranger")


async def test_the_count_is_per_account(chat: Chat, world: World) -> None:
    for n in range(5):
        await chat.say(f"/thamgia WRONG{n}", user="stranger")
    assert "Chào mừng" in await chat.say(f"/thamgia {world.invites['T1']}", user="newcomer")


async def test_the_wait_holds_for_another_worker_after_a_restart(
    chat: Chat, db: Database, world: World, clock: FixedClock
) -> None:
    for n in range(5):
        await chat.say(f"/thamgia WRONG{n}", user="stranger")
    restarted = Chat(Handlers(db, clock=clock, rules=Rules()))  # nothing kept in memory
    assert "nhập sai mã quá nhiều lần" in await restarted.say(
        f"/thamgia {world.invites['T1']}", user="stranger"
    )


async def test_wrong_link_codes_are_throttled_too(chat: Chat, clock: FixedClock) -> None:
    code = (await chat.reply("/lienket")).link_code

    async def on_zalo(text: str) -> str:
        msg = Incoming(key=f"z:{text}:{clock()}", platform="zalo", chat_id="z", user_id="z",
                       text=text)  # fmt: skip
        outcome: Outcome = await chat.handlers.handle(msg)
        return outcome.replies[0].html

    for n in range(5):
        assert "không đúng" in await on_zalo(f"/lienket WRONG{n}")
    assert "nhập sai mã quá nhiều lần" in await on_zalo(f"/lienket {code}")
    clock.advance(minutes=1, seconds=1)
    assert "Đã liên kết" in await on_zalo(f"/lienket {code}")


async def test_a_day_without_wrong_tries_starts_the_count_again(
    chat: Chat, world: World, clock: FixedClock
) -> None:
    for n in range(5):
        await chat.say(f"/thamgia WRONG{n}", user="stranger")
    clock.advance(days=1, minutes=1)
    assert "đợi" not in await chat.say("/thamgia WRONG9", user="stranger")


@pytest.mark.parametrize(
    ("failures", "wait"),
    [(4, None), (5, timedelta(minutes=1)), (6, timedelta(minutes=2)), (9, timedelta(minutes=16)),
     (15, timedelta(minutes=1024)), (16, timedelta(days=1)), (10_000, timedelta(days=1))],
)  # fmt: skip
def test_the_wait_doubles_up_to_a_day(failures: int, wait: timedelta | None) -> None:
    assert wait_after(failures) == wait
