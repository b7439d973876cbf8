"""`/chuabaocao` names the villages without a report from the commune down; above it, it
says how many of each commune's are missing (a province has thousands of villages), most
first, with the code that names them."""

from __future__ import annotations

from storage.db import Database
from storage.models import Level, Role, pk
from tests.conftest import NOW, Chat


async def _province(db: Database) -> None:
    """A second commune "Xã <B>" with three villages, and a province admin "tinh"."""
    async with db.transaction() as store:
        province = await store.units.by_code("38")
        assert province is not None
        other = await store.units.add("B1", "Xã <B>", Level.commune, province)
        for n in range(3):
            await store.units.add(f"B1-T{n}", f"Bản {n}", Level.village, other)
        admin = await store.members.add("Phạm Văn Dũng", province, Role.province_admin)
        await store.members.link(admin, "test", "tinh", "Dũng")
        await store.commit()


async def test_above_the_commune_it_counts_per_commune_most_missing_first(
    chat: Chat, db: Database
) -> None:
    await _province(db)
    await chat.say("vneid 2")  # Thôn 1 of Hoằng Kim reports
    reply = await chat.reply("/chuabaocao", user="tinh")
    lines = reply.html.splitlines()
    assert lines[:4] == [
        "<b>Thanh Hóa</b>, tháng 11/2026",
        "⏳ Chưa báo cáo: 4/5 thôn",
        "• Xã &lt;B&gt; (B1): 3/3 thôn",
        "• Xã Hoằng Kim (16012): 1/2 thôn",
    ]
    assert "Thôn" not in reply.html.replace("thôn", "")  # no village named here
    async with db.reading() as store:
        province = await store.units.by_code("38")
    assert province is not None
    assert [b.action for b in reply.buttons] == [f"nudge:{pk(province)}"]
    named = await chat.say("/chuabaocao 16012", user="tinh")
    assert "Thôn &lt;2&gt;" in named and "Thôn 1" not in named


async def test_above_the_commune_all_reported_says_so_without_a_button(
    chat: Chat, db: Database
) -> None:
    await _province(db)
    await chat.say("vneid 1")
    await chat.say("cks 1", user="cuc")
    async with db.transaction() as store:
        member = await store.members.by_identity("test", "tinh")
        assert member is not None
        for n in range(3):
            village = await store.units.by_code(f"B1-T{n}")
            assert village is not None
            await store.entries.add_report(
                member_id=pk(member), unit_id=pk(village), counts={"tt": 1},
                day=NOW.date(), source="t",
            )  # fmt: skip
        await store.commit()
    reply = await chat.reply("/chuabaocao", user="tinh")
    assert reply.html == "✅ Mọi thôn của Thanh Hóa đã báo cáo tháng 11/2026."
    assert reply.buttons == ()
