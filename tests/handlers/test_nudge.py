"""`/nhacnho`: a leader reminds only the members of villages still missing, once a day each,
through the outbox; the button under `/chuabaocao` does the same; no one outside their
role or subtree."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from handlers.types import Kind
from storage.db import Database
from storage.models import AuditLog, Level, Nudge, OutboxMessage, Role
from tests.conftest import NOW, Chat, FixedClock, World


async def nudges_queued(db: Database) -> list[OutboxMessage]:
    async with db.reading() as store:
        stmt = select(OutboxMessage).where(col(OutboxMessage.key).startswith("nudge:"))
        return list((await store.session.exec(stmt.order_by(col(OutboxMessage.id)))).all())


async def add_member(
    db: Database, name: str, village: str, *, role: Role = Role.member, chat: bool = True
) -> None:
    async with db.transaction() as store:
        unit = await store.units.by_code(village)
        assert unit is not None
        member = await store.members.add(name, unit, role)
        identity = await store.members.link(member, "test", name.lower(), name)
        identity.private_chat_id = name.lower() if chat else None
        await store.commit()


async def test_reminds_only_members_of_villages_still_missing(
    chat: Chat, db: Database, world: World
) -> None:
    await chat.say("vneid 5")  # An's Thôn 1 has reported
    await chat.say("/toi", user="cuc")  # Cúc has a private chat with the bot
    await add_member(db, "Dung", "16012-T1")  # Thôn 1: reported, not reminded
    reply = await chat.say("/nhacnho", user="binh")
    assert "1 thôn chưa báo cáo" in reply
    assert "Đã gửi lời nhắc tới 1 thành viên: Trần Thị Cúc." in reply
    (row,) = await nudges_queued(db)
    assert (row.platform, row.chat_id, row.kind) == ("test", "cuc", "reminder")
    assert "Thôn &lt;2&gt;</b> chưa có báo cáo tháng 11/2026" in row.html
    assert "Lê Thị Bình nhắc" in row.html


async def test_a_member_is_nudged_at_most_once_a_day(
    chat: Chat, db: Database, world: World, clock: FixedClock
) -> None:
    await chat.say("/toi", user="cuc")
    assert "tới 1 thành viên" in await chat.say("/nhacnho", user="binh")
    again = await chat.say("/nhacnho 16012", user="binh")
    assert "Đã gửi lời nhắc tới 0 thành viên." in again
    assert "Đã được nhắc hôm nay nên không nhắc lại: Trần Thị Cúc" in again
    assert len(await nudges_queued(db)) == 1
    clock.advance(days=1)
    assert "tới 1 thành viên: Trần Thị Cúc" in await chat.say("/nhacnho", user="binh")
    rows = await nudges_queued(db)
    assert [r.chat_id for r in rows] == ["cuc", "cuc"]
    async with db.reading() as store:
        logged = (await store.session.exec(select(Nudge).order_by(col(Nudge.id)))).all()
    assert [n.day for n in logged] == [date(2026, 11, 21), date(2026, 11, 22)]


async def test_away_and_unreachable_members_are_counted_not_reminded(
    chat: Chat, db: Database, world: World
) -> None:
    await chat.say("/vang 30/11")  # An (Thôn 1) is away
    await add_member(db, "Giang", "16012-T2", chat=False)
    async with db.transaction() as store:
        commune = await store.units.get(world.commune_id)
        await store.units.add("16012-T3", "Thôn 3", Level.village, commune)
        await store.commit()
    reply = await chat.say("/nhacnho", user="binh")
    assert "3 thôn chưa báo cáo" in reply
    assert "Đã gửi lời nhắc tới 0 thành viên." in reply
    assert "Đang vắng nên không nhắc: Nguyễn Văn An." in reply
    assert "Chưa từng nhắn riêng cho bot nên không nhắc được: Giang, Trần Thị Cúc." in reply
    assert "Chưa có thành viên nào: Thôn 3." in reply
    assert await nudges_queued(db) == []


async def test_a_village_that_declared_nothing_is_not_nudged(chat: Chat, db: Database) -> None:
    await chat.say("/toi")
    await chat.say("/toi", user="cuc")
    await chat.say("/khongphatsinh", user="cuc")
    reply = await chat.say("/nhacnho", user="binh")
    assert "1 thôn chưa báo cáo" in reply and "tới 1 thành viên: Nguyễn Văn An." in reply
    assert [r.chat_id for r in await nudges_queued(db)] == ["an"]


async def test_nothing_to_nudge_when_every_village_reported(chat: Chat, db: Database) -> None:
    await chat.say("vneid 1")
    await chat.say("cks 1", user="cuc")
    assert "không cần nhắc ai" in await chat.say("/nhacnho", user="binh")
    assert await nudges_queued(db) == []


async def test_a_member_may_not_nudge(chat: Chat, db: Database) -> None:
    await chat.say("/toi", user="cuc")
    reply = await chat.say("/nhacnho")
    assert "Lệnh này dành cho tổ trưởng thôn trở lên." in reply
    assert await nudges_queued(db) == []


async def test_a_village_lead_nudges_only_inside_their_village(
    chat: Chat, db: Database, world: World
) -> None:
    await chat.say("/toi", user="cuc")
    await chat.say("/toi")
    await add_member(db, "Hoa", "16012-T1", role=Role.village_lead)
    refused = await chat.say("/nhacnho 16012-T2", user="hoa")
    assert "không thuộc đơn vị bạn phụ trách" in refused
    pressed = await chat.send(f"nudge:{world.village_ids['T2']}", user="hoa", kind=Kind.button)
    assert "không thuộc đơn vị bạn phụ trách" in pressed[0].html
    assert await nudges_queued(db) == []
    # In their own village: the members, never themselves.
    reply = await chat.say("/nhacnho", user="hoa")
    assert "tới 1 thành viên: Nguyễn Văn An." in reply


async def test_the_button_under_the_missing_list_nudges(
    chat: Chat, db: Database, world: World
) -> None:
    await chat.say("/toi", user="cuc")
    await chat.say("vneid 2")
    (missing,) = await chat.send("/chuabaocao", user="binh")
    (button,) = missing.buttons
    assert button.action == f"nudge:{world.commune_id}"
    (pressed,) = await chat.send(button.action, user="binh", kind=Kind.button)
    assert "tới 1 thành viên: Trần Thị Cúc." in pressed.html
    (again,) = await chat.send(button.action, user="binh", kind=Kind.button)
    assert "Đã được nhắc hôm nay" in again.html
    assert len(await nudges_queued(db)) == 1
    async with db.reading() as store:
        audits = (
            await store.session.exec(select(AuditLog).where(AuditLog.action == "nudge"))
        ).all()
    assert [a.detail for a in audits] == ["16012 2026-11 1", "16012 2026-11 0"]


async def test_no_button_when_nothing_is_missing(chat: Chat) -> None:
    await chat.say("vneid 1")
    await chat.say("cks 1", user="cuc")
    (reply,) = await chat.send("/chuabaocao", user="binh")
    assert reply.buttons == ()


async def test_a_stale_button_is_refused(chat: Chat, db: Database) -> None:
    (pressed,) = await chat.send("nudge:99999", user="binh", kind=Kind.button)
    assert "không còn dùng được" in pressed.html
    assert await nudges_queued(db) == []


async def test_a_member_reminded_by_the_schedule_today_is_not_nudged(
    chat: Chat, db: Database, world: World
) -> None:
    await chat.say("/toi")
    await chat.say("/toi", user="cuc")
    async with db.transaction() as store:
        cuc = await store.members.by_identity("test", "cuc")
        assert cuc is not None
        # The key the morning's scheduled reminder used (reminders.due.remind).
        await store.outbox.enqueue(
            f"reminder:2026-11:2026-11-21:{cuc.id}", kind="reminder", platform="test",
            chat_id="cuc", html="⏰",
        )  # fmt: skip
        await store.commit()
    reply = await chat.say("/nhacnho", user="binh")
    assert "tới 1 thành viên: Nguyễn Văn An." in reply
    assert "Đã được nhắc hôm nay nên không nhắc lại: Trần Thị Cúc." in reply
    assert [r.chat_id for r in await nudges_queued(db)] == ["an"]


async def test_the_log_keeps_one_nudge_per_member_and_day(db: Database, world: World) -> None:
    """Two leaders nudging at the same moment: the unique key lets one through."""
    async with db.transaction() as store:  # rolled back: checked inside it
        cuc = await store.members.by_identity("test", "cuc")
        binh = await store.members.by_identity("test", "binh")
        assert cuc is not None and binh is not None
        once = {
            "member_id": cuc.id or 0, "unit_id": world.village_ids["T2"],
            "day": date(2026, 11, 21), "by": binh.id or 0, "at": NOW,
        }  # fmt: skip
        assert await store.nudges.record(**once)  # type: ignore[arg-type]
        assert not await store.nudges.record(**once)  # type: ignore[arg-type]
        assert await store.nudges.record(**(once | {"day": date(2026, 11, 22)}))  # type: ignore[arg-type]
        assert await store.nudges.nudged_on([cuc.id or 0], date(2026, 11, 21)) == {cuc.id}
