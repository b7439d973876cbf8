"""One person on Telegram and Zalo: /lienket makes the two accounts one member."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from handlers.app import Handlers
from handlers.types import Incoming, Reply
from storage.db import Database
from tests.conftest import Chat, FixedClock


def on_zalo(chat: Chat) -> Chat:
    """The same handlers, messages marked as coming from another platform."""
    original = chat.handlers.handle

    class Zalo(Handlers):
        async def handle(self, msg: Incoming):  # type: ignore[no-untyped-def]
            return await original(replace(msg, platform="zalo"))

    zalo = Zalo(chat.handlers.db, clock=chat.handlers.clock, rules=chat.handlers.rules)
    return Chat(zalo)


def code_of(reply: Reply) -> str:
    assert reply.link_code, reply.html
    assert f"/lienket {reply.link_code}" in reply.html
    return reply.link_code


async def test_a_code_from_one_app_joins_the_other(chat: Chat, db: Database) -> None:
    zalo = on_zalo(chat)
    code = code_of(await chat.reply("/lienket"))  # An, on the test platform
    assert "Đã liên kết" in await zalo.say(f"/lienket {code}", user="zalo-an")
    assert "Đã ghi nhận" in await zalo.say("vneid 3", user="zalo-an")
    await chat.say("vneid 2")
    async with db.reading() as store:
        an = await store.members.by_identity("test", "an")
        assert an is not None and an == await store.members.by_identity("zalo", "zalo-an")
        mine = await store.entries.totals(date(2026, 11, 1), date(2026, 11, 30), member_id=an.id)
    assert mine == {"vneid": 5}  # one member, one set of reports
    assert "không đúng hoặc đã hết hạn" in await zalo.say(f"/lienket {code}", user="zalo-other")


async def test_the_code_must_be_used_on_the_other_app_and_in_time(
    chat: Chat, clock: FixedClock
) -> None:
    code = code_of(await chat.reply("/lienket"))
    assert "ứng dụng còn lại" in await chat.say(f"/lienket {code}", user="cuc")
    late = code_of(await chat.reply("/lienket"))
    clock.advance(minutes=16)
    assert "hết hạn" in await on_zalo(chat).say(f"/lienket {late}", user="zalo-an")


async def test_two_existing_accounts_of_one_village_are_merged(chat: Chat, db: Database) -> None:
    zalo = on_zalo(chat)
    async with db.transaction() as store:
        an = await store.members.by_identity("test", "an")
        assert an is not None
        unit = await store.units.get(an.unit_id)
        assert unit is not None
        twin = await store.members.add("An (Zalo)", unit)
        await store.members.link(twin, "zalo", "zalo-an")
        await store.commit()
    await zalo.say("cks 4", user="zalo-an")  # reported before linking
    code = code_of(await chat.reply("/lienket"))
    assert "Đã liên kết" in await zalo.say(f"/lienket {code}", user="zalo-an")
    async with db.reading() as store:
        an = await store.members.by_identity("test", "an")
        assert an is not None and an == await store.members.by_identity("zalo", "zalo-an")
        mine = await store.entries.totals(date(2026, 11, 1), date(2026, 11, 30), member_id=an.id)
    assert mine == {"cks": 4}


async def test_accounts_of_different_units_are_not_merged(chat: Chat, db: Database) -> None:
    zalo = on_zalo(chat)
    async with db.transaction() as store:
        cuc = await store.members.by_identity("test", "cuc")  # Thôn <2>
        assert cuc is not None
        await store.members.link(cuc, "zalo", "zalo-cuc")
        await store.commit()
    code = code_of(await chat.reply("/lienket"))  # An, Thôn 1
    assert "thuộc đơn vị khác" in await zalo.say(f"/lienket {code}", user="zalo-cuc")
    async with db.reading() as store:
        assert (await store.members.by_identity("zalo", "zalo-cuc")) == cuc
