"""Strangers, joining with invites, /toi, /help, groups and escaping."""

from __future__ import annotations

from html import escape

import pytest

from handlers.types import Kind
from storage.db import Database
from tests.conftest import Chat, FixedClock, World


async def test_a_stranger_is_told_how_to_join_and_nothing_is_stored(
    chat: Chat, db: Database
) -> None:
    for text in ("vneid 5", "/toi", "/huy", "/start"):
        assert "mã mời" in await chat.say(text, user="stranger")
    async with db.reading() as store:
        assert await store.members.by_identity("test", "stranger") is None
        assert await store.entries.last_active_receipt(1) is None


async def test_joining_with_an_invite_then_reporting(
    chat: Chat, db: Database, world: World
) -> None:
    code = world.invites["T1"]
    reply = await chat.say(f"/start {code}", user="dung", name="Phạm Dũng")
    assert "Chào mừng <b>Phạm Dũng</b>" in reply and "Thôn 1" in reply
    assert "Đã ghi nhận" in await chat.say("vneid 2", user="dung")
    async with db.reading() as store:
        member = await store.members.by_identity("test", "dung")
        assert member is not None and member.unit_id == world.village_ids["T1"]
        ident = await store.members.identity("test", "dung")
        assert ident is not None and ident.private_chat_id == "dung"


async def test_joining_twice_does_not_create_a_second_member(chat: Chat, world: World) -> None:
    code = world.invites["T1"]
    await chat.say(f"/thamgia {code}", user="dung")
    assert "đã là thành viên" in await chat.say(f"/thamgia {code}", user="dung")


async def test_invites_count_uses_and_expire(chat: Chat, world: World, clock: FixedClock) -> None:
    code = world.invites["T1"]  # two uses, seven days
    assert "Chào mừng" in await chat.say(f"/thamgia {code}", user="u1")
    assert "Chào mừng" in await chat.say(f"/thamgia {code}", user="u2")
    assert "hết hạn hoặc đã dùng hết lượt" in await chat.say(f"/thamgia {code}", user="u3")
    assert "không đúng" in await chat.say("/thamgia NOPE2345", user="u3")
    assert "cần gửi kèm mã mời" in await chat.say("/thamgia", user="u3")


async def test_an_expired_invite_is_refused(chat: Chat, world: World, clock: FixedClock) -> None:
    clock.advance(days=8)
    assert "hết hạn" in await chat.say(f"/thamgia {world.invites['T1']}", user="late")


async def test_my_totals_show_today_week_month_and_the_village_target(chat: Chat) -> None:
    await chat.say("vneid 5 cks 2")
    await chat.say("vneid 3 ngày 14/11")  # last week (Mon 16 - Sun 22), same month
    await chat.say("vneid 7", user="cuc")  # another village: not in my village's progress
    reply = await chat.say("/toi")
    lines = reply.split("\n")
    assert "Nguyễn Văn An" in lines[0] and "Thôn 1" in lines[0]
    assert lines[1] == "Hôm nay (21/11): VNeID 5 · CKS 2 · TT 0"
    assert lines[2] == "Tuần này: VNeID 5 · CKS 2 · TT 0"
    assert lines[3] == "Tháng 11/2026: VNeID 8 · CKS 2 · TT 0"
    assert "Tiến độ Thôn 1 tháng 11/2026" in reply
    assert "VNeID: 8/100 (8,0%)" in reply and "CKS: 2/40 (5,0%)" in reply


async def test_undo_removes_the_report_from_my_totals(chat: Chat) -> None:
    await chat.say("vneid 5")
    await chat.say("/huy")
    assert "Hôm nay (21/11): chưa có" in await chat.say("/toi")


async def test_a_unit_without_targets_says_so(chat: Chat) -> None:
    assert "chưa có chỉ tiêu" in await chat.say("/toi", user="cuc")


async def test_help_lists_the_commands(chat: Chat) -> None:
    reply = await chat.say("/trogiup")
    for command in ("/bc", "/vneid", "/huy", "/sua", "/toi"):
        assert command in reply
    assert "tin nhắn riêng" not in await chat.say("/help", group=True)


async def test_unknown_command(chat: Chat) -> None:
    assert "không biết lệnh /xyz" in await chat.say("/xyz")


async def test_bot_added_to_a_group_greets(chat: Chat) -> None:
    assert "/ganhom" in await chat.say("", group=True, kind=Kind.joined_group)


async def test_non_text_is_answered_politely_in_private_and_ignored_in_groups(chat: Chat) -> None:
    assert "chỉ đọc được tin nhắn chữ" in await chat.say("", kind=Kind.other)
    assert await chat.send("", group=True, kind=Kind.other) == []


@pytest.mark.parametrize("evil", ["<b>x</b>", "<script>alert(1)</script>", "a & b"])
async def test_what_people_type_is_escaped(chat: Chat, evil: str, world: World) -> None:
    assert "<script>" not in await chat.say(f"vneid {evil}")
    reply = await chat.say(f"/thamgia {world.invites['T1']}", user="x", name=evil)
    assert escape(evil, quote=False) in reply and "<script>" not in reply


async def test_unit_names_are_escaped(chat: Chat) -> None:
    assert "Thôn &lt;2&gt;" in await chat.say("/toi", user="cuc")
