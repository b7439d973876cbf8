"""`/tiendo` and the tallies: "lũy kế" from the start of the year, and the villages that
declared the month "không phát sinh" named as such."""

from __future__ import annotations

from datetime import date

from storage.db import Database
from tests.conftest import Chat, World


async def test_tiendo_shows_the_year_to_date_against_the_year(
    chat: Chat, db: Database, world: World
) -> None:
    async with db.transaction() as store:
        an = await store.members.by_identity("test", "an")
        assert an is not None
        await store.entries.add_report(
            member_id=an.id or 0, unit_id=world.village_ids["T1"], counts={"vneid": 5},
            day=date(2026, 3, 2), source="test",
        )  # fmt: skip
        await store.targets.set(world.village_ids["T1"], "vneid", "2026-03", 20)
        await store.commit()
    await chat.say("vneid 30 cks 4")
    reply = await chat.say("/tiendo", user="binh")
    assert "Tổng: VNeID 30/100 (30,0%)" in reply  # the month, as before
    # March's 5 and target 20 join November's: a year target summed from the months.
    assert "Lũy kế năm 2026 (đến 21/11): VNeID 35/120 (29,2%) · CKS 4/40 (10,0%) · TT 0" in reply


async def test_tiendo_names_the_villages_with_nothing_to_report(chat: Chat) -> None:
    await chat.say("vneid 3")
    assert "Không phát sinh" not in await chat.say("/tiendo", user="binh")
    await chat.say("không phát sinh", user="cuc")
    reply = await chat.say("/tiendo", user="binh")
    assert "Đã báo cáo: 2/2 thôn" in reply
    assert "🈳 Không phát sinh (1): Thôn &lt;2&gt;" in reply
    await chat.say("tt 1", user="cuc")  # a count ends the declaration
    assert "Không phát sinh" not in await chat.say("/tiendo", user="binh")


async def test_tonghop_carries_the_year_to_date(chat: Chat) -> None:
    await chat.say("vneid 7")
    reply = await chat.say("/tonghop", user="binh")
    assert "Lũy kế năm 2026 (đến 21/11): VNeID 7/100 (7,0%)" in reply
