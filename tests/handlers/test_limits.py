"""Per-person limits: reports per minute, a daily total that asks first, and a leader's
undo of one member's whole day (issue 12, item 3)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from handlers.app import Handlers
from handlers.types import Kind, Reply, Rules
from storage.db import Database
from storage.models import AuditLog, Entry, Role, pk
from tests.conftest import NOW, Chat, FixedClock, World

MONTH = (date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def strict(db: Database, clock: FixedClock, world: World) -> Chat:
    return Chat(Handlers(db, clock=clock, rules=Rules(reports_per_minute=3, daily_limit=100)))


async def totals(db: Database, **kwargs: object) -> dict[str, int]:
    async with db.reading() as store:
        return await store.entries.totals(*MONTH, **kwargs)  # type: ignore[arg-type]


async def member_id(db: Database, user: str) -> int:
    async with db.transaction() as store:
        member = await store.members.by_identity("test", user)
        assert member is not None and member.id is not None
        await store.commit()
        return member.id


def code_to_type(reply: Reply) -> str:
    """The code of a held action, to confirm by typing `/xacnhan CODE`."""
    assert reply.confirm_code, reply.html
    assert f"<code>/xacnhan {reply.confirm_code}</code>" in reply.html
    return reply.confirm_code


async def test_past_the_reports_per_minute_nothing_is_recorded(
    strict: Chat, db: Database, clock: FixedClock
) -> None:
    for _ in range(3):
        assert "Đã ghi nhận" in await strict.say("vneid 5")
    refused = await strict.say("vneid 5")
    assert "tối đa 3 báo cáo mỗi phút" in refused and "chưa được ghi" in refused
    assert await totals(db) == {"vneid": 15}
    assert "Đã ghi nhận" in await strict.say("vneid 5", user="cuc")  # per person
    clock.advance(seconds=61)
    assert "Đã ghi nhận" in await strict.say("vneid 5")
    assert await totals(db) == {"vneid": 25}


async def test_undone_reports_still_count_towards_the_minute(strict: Chat) -> None:
    for _ in range(3):
        await strict.say("vneid 5")
        await strict.say("/huy")
    assert "chưa được ghi" in await strict.say("vneid 5")


async def test_above_the_daily_total_the_report_waits_for_a_typed_confirmation(
    strict: Chat, db: Database
) -> None:
    assert "Đã ghi nhận" in await strict.say("vneid 60 cks 2")
    (held,) = await strict.send("vneid 50 tt 1")
    assert "chưa được ghi" in held.html and "đã có 60, thêm 50 = <b>110</b>" in held.html
    assert await totals(db) == {"vneid": 60, "cks": 2}  # nothing recorded yet
    code = code_to_type(held)
    assert [b.action for b in held.buttons] == [f"confirm:{code}", f"drop:{code}"]
    assert "không phải của bạn" in await strict.say(f"/xacnhan {code}", user="cuc")
    saved = await strict.say(f"/xacnhan {code}")
    assert "Đã ghi nhận" in saved and "VNeID: <b>50</b>" in saved and "TT: <b>1</b>" in saved
    assert "đã được xử lý" in await strict.say(f"/xacnhan {code}")  # typed twice
    assert await totals(db) == {"vneid": 110, "cks": 2, "tt": 1}


async def test_the_confirm_button_pressed_twice_records_once(strict: Chat, db: Database) -> None:
    (held,) = await strict.send("vneid 101")
    confirm, _ = held.buttons
    (first,) = await strict.send(confirm.action, kind=Kind.button)
    assert "Đã ghi nhận" in first.html and first.clear_buttons and first.buttons
    (second,) = await strict.send(confirm.action, kind=Kind.button)
    assert second.notice and "đã được xử lý" in second.html
    assert await totals(db) == {"vneid": 101}


async def test_a_dropped_report_is_never_recorded(strict: Chat, db: Database) -> None:
    (held,) = await strict.send("cks 150 hôm qua")
    _, drop = held.buttons
    (dropped,) = await strict.send(drop.action, kind=Kind.button)
    assert dropped.notice and "không ghi" in dropped.html
    assert "đã được xử lý" in await strict.say(f"/xacnhan {code_to_type(held)}")
    assert await totals(db) == {}


async def test_the_daily_total_is_per_day_of_the_entry(strict: Chat, db: Database) -> None:
    assert "Đã ghi nhận" in await strict.say("vneid 90 hôm qua")
    assert "Đã ghi nhận" in await strict.say("vneid 90")  # another day: its own total
    assert "chưa được ghi" in await strict.say("vneid 11 hôm qua")
    assert await totals(db) == {"vneid": 180}


async def test_a_notice_number_still_goes_to_the_notice(strict: Chat) -> None:
    (preview,) = await strict.send("/thongbao Họp tổ", user="binh")
    number = preview.buttons[0].action.rsplit(":", 1)[1]
    assert "Đang gửi thông báo" in await strict.say(f"/xacnhan {number}", user="binh")
    assert "Không có yêu cầu xác nhận" in await strict.say("/xacnhan ABCDEF", user="binh")


async def flood(
    db: Database, user: str, reports: int, day: date, counts: dict[str, int] | None = None
) -> None:
    """What a flood leaves behind, written directly (the limits would stop it today)."""
    async with db.transaction() as store:
        member = await store.members.by_identity("test", user)
        assert member is not None
        for _ in range(reports):
            await store.entries.add_report(
                member_id=pk(member), unit_id=member.unit_id,
                counts=counts or {"vneid": 500, "cks": 500, "tt": 500}, day=day, source="test",
                at=NOW - timedelta(hours=1),
            )  # fmt: skip
        await store.commit()


async def test_a_leader_undoes_a_members_whole_day_after_confirming(
    chat: Chat, db: Database
) -> None:
    await flood(db, "an", 40, date(2026, 11, 20))
    assert "Đã ghi nhận" in await chat.say("vneid 3 hôm kia")  # 19/11: another day, kept
    an = await member_id(db, "an")
    preview = await chat.reply(f"/huy {an} 20/11", user="binh")
    assert "Sắp hủy <b>40</b> phiếu" in preview.html and "VNeID: <b>20000</b>" in preview.html
    assert (await totals(db))["vneid"] == 20003  # nothing cancelled before confirming
    code = code_to_type(preview)
    done = await chat.say(f"/xacnhan {code}", user="binh")
    assert "Đã hủy <b>40</b> phiếu (120 dòng số liệu)" in done
    assert await totals(db) == {"vneid": 3}
    assert "đã được xử lý" in await chat.say(f"/xacnhan {code}", user="binh")
    async with db.transaction() as store:
        stmt = select(AuditLog).where(AuditLog.action == "undo_day")
        (audit,) = (await store.session.exec(stmt)).all()
        binh = await store.members.by_identity("test", "binh")
        stmt_cancelled = select(Entry).where(col(Entry.cancelled_by).is_not(None))
        cancelled = (await store.session.exec(stmt_cancelled)).all()
        await store.commit()
    assert binh is not None and audit.actor_id == binh.id and "receipts 40" in audit.detail
    assert len(cancelled) == 120 and {e.cancelled_by for e in cancelled} == {binh.id}


async def test_a_day_undo_cancels_only_what_the_preview_showed(chat: Chat, db: Database) -> None:
    await flood(db, "an", 2, date(2026, 11, 21), {"vneid": 50})
    preview = await chat.reply(f"/huy {await member_id(db, 'an')} 21/11", user="binh")
    assert "Đã ghi nhận" in await chat.say("tt 4")  # reported after the preview: stays
    assert "Đã hủy <b>2</b> phiếu" in await chat.say(
        f"/xacnhan {code_to_type(preview)}", user="binh"
    )
    assert await totals(db) == {"tt": 4}


async def test_a_day_undo_is_only_for_leaders_over_their_own_people(
    chat: Chat, db: Database, world: World
) -> None:
    await flood(db, "an", 1, date(2026, 11, 21))
    an = await member_id(db, "an")
    assert "dành cho tổ trưởng thôn" in await chat.say(f"/huy {an} 21/11", user="cuc")
    async with db.transaction() as store:
        leads = {}
        for user, village in (("dung", "T1"), ("em", "T1"), ("giang", "T2")):
            unit = await store.units.get(world.village_ids[village])
            assert unit is not None
            leads[user] = await store.members.add(user, unit, Role.village_lead)
            await store.members.link(leads[user], "test", user, user)
        await store.commit()
    assert "không thuộc đơn vị bạn phụ trách" in await chat.say(f"/huy {an} 21/11", user="giang")
    peer = await chat.say(f"/huy {leads['em'].id} 21/11", user="dung")
    assert "em là tổ trưởng thôn: bạn chỉ hủy được" in peer
    assert "Sắp hủy <b>1</b> phiếu" in await chat.say(f"/huy {an} 21/11", user="dung")
    assert "Không có thành viên số" in await chat.say("/huy 99999 21/11", user="binh")
    assert "không có phiếu nào" in await chat.say(f"/huy {an} 19/11", user="binh")
    assert "/huy SỐ NGÀY" in await chat.say(f"/huy {an} mai", user="binh")
    assert await totals(db) == {"vneid": 500, "cks": 500, "tt": 500}


async def test_only_the_leader_who_asked_can_confirm_a_day_undo(chat: Chat, db: Database) -> None:
    await flood(db, "an", 1, date(2026, 11, 21))
    preview = await chat.reply(f"/huy {await member_id(db, 'an')} 21/11", user="binh")
    assert "không phải của bạn" in await chat.say(f"/xacnhan {code_to_type(preview)}")
    assert (await totals(db))["vneid"] == 500


async def test_the_hostile_flood_records_nothing_with_the_default_limits(
    chat: Chat, db: Database
) -> None:
    """1,000 × `vneid 500 cks 500 tt 500` from one member: each is above the daily total
    (held, not recorded), and past 10 a minute each is refused outright."""
    replies = [await chat.say("vneid 500 cks 500 tt 500") for _ in range(30)]
    assert sum("/xacnhan" in r for r in replies[:10]) == 10
    assert all("tối đa 10 báo cáo mỗi phút" in r for r in replies[10:])
    assert await totals(db) == {}


async def test_two_presses_at_the_same_moment_record_once(strict: Chat, db: Database) -> None:
    code = code_to_type((await strict.send("vneid 150"))[0])
    results = await asyncio.gather(
        strict.send(f"confirm:{code}", kind=Kind.button), strict.say(f"/xacnhan {code}")
    )
    assert await totals(db) == {"vneid": 150}
    texts = [results[0][0].html, results[1]]
    assert sum("Đã ghi nhận" in t for t in texts) == 1
    assert sum("đã được xử lý" in t for t in texts) == 1


async def test_concurrent_reports_cannot_pass_the_daily_total_together(
    strict: Chat, db: Database
) -> None:
    replies = await asyncio.gather(*(strict.say("vneid 60") for _ in range(3)))
    assert sum("Đã ghi nhận" in r for r in replies) == 1
    assert sum("/xacnhan" in r for r in replies) == 2
    assert await totals(db) == {"vneid": 60}


async def test_a_held_report_cannot_be_confirmed_after_a_day(
    strict: Chat, db: Database, clock: FixedClock
) -> None:
    code = code_to_type((await strict.send("vneid 150"))[0])
    clock.advance(hours=24, seconds=1)
    assert "quá hạn xác nhận" in await strict.say(f"/xacnhan {code}")
    assert "Hãy ghi mã cần xác nhận" in await strict.say("/xacnhan")
    assert await totals(db) == {}


async def test_a_correction_cannot_go_round_the_daily_limit(strict: Chat, db: Database) -> None:
    await strict.say("vneid 60 cks 5")
    (second,) = await strict.send("vneid 30")
    code = second.buttons[0].action.removeprefix("undo:")  # the receipt's undo button
    refused = await strict.say(f"/sua {code} vneid 90")  # 60 + 90 > 100
    assert "chưa được sửa" in refused and "đã có 60, sửa thành 90 = <b>150</b>" in refused
    assert await totals(db) == {"vneid": 90, "cks": 5}
    (fixed,) = await strict.send(f"/sua {code} vneid 40")  # 100: at the limit
    assert "Đã sửa" in fixed.html
    code = fixed.buttons[0].action.removeprefix("undo:")
    assert "Đã sửa" in await strict.say(f"/sua {code} vneid 10")  # lowering: always
    assert await totals(db) == {"vneid": 70, "cks": 5}
