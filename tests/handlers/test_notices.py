"""Groups bound to units, absences, on-demand tallies and notices (broadcasts)."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import col, select

from handlers.types import Kind
from storage.db import Database
from storage.models import OutboxMessage
from tests.conftest import Chat


async def queued(db: Database) -> list[OutboxMessage]:
    """The notifications queued (replies to the chat's messages are in the outbox too)."""
    async with db.reading() as store:
        stmt = (
            select(OutboxMessage)
            .where(OutboxMessage.kind != "reply")
            .order_by(col(OutboxMessage.id))
        )
        return list((await store.session.exec(stmt)).all())


async def test_a_leader_binds_a_group_to_a_unit(chat: Chat, db: Database) -> None:
    assert "trong nhóm" in await chat.say("/ganhom 16012", user="binh")
    assert "Hãy ghi mã đơn vị" in await chat.say("/ganhom", user="binh", group=True)
    assert "dành cho" in await chat.say("/ganhom 16012", user="an", group=True)
    assert "không thuộc" in await chat.say("/ganhom 38", user="binh", group=True)
    assert "Nhóm này đã gắn với <b>Xã Hoằng Kim</b>" in await chat.say(
        "/ganhom 16012", user="binh", group=True
    )
    async with db.reading() as store:
        ((bound, unit),) = await store.chats.bound()
    assert (bound.platform, bound.chat_id, unit.code) == ("test", "group-1", "16012")


async def test_away_until_a_day_and_back(chat: Chat, db: Database) -> None:
    assert "vắng đến hết ngày 30/11/2026" in await chat.say("/vang 30/11")
    async with db.reading() as store:
        member = await store.members.by_identity("test", "an")
        assert member is not None and member.absent_until == date(2026, 11, 30)
    assert "Hãy ghi ngày" in await chat.say("/vang 1/11")  # in the past
    assert "Hãy ghi ngày" in await chat.say("/vang 31/02")
    assert "Hãy ghi ngày" in await chat.say("/vang mai")
    assert "Đã bỏ đánh dấu vắng" in await chat.say("/vang hủy")


async def test_a_tally_on_demand(chat: Chat) -> None:
    await chat.say("vneid 4")
    reply = await chat.say("/tonghop", user="binh")
    assert "Tổng hợp tuần 16/11–22/11" in reply and "Xã Hoằng Kim" in reply
    assert "VNeID +4 · 4/100 4,0%" in reply


async def test_a_notice_is_previewed_confirmed_and_queued_once(chat: Chat, db: Database) -> None:
    await chat.say("/ganhom 16012", user="binh", group=True)
    (preview,) = await chat.send("/thongbao Họp tổ <b>8h</b> thứ Hai", user="binh")
    # Only people who have written to the bot privately can be reached: here Bình alone.
    assert "&lt;b&gt;8h&lt;/b&gt;" in preview.html and "1 người và 1 nhóm" in preview.html
    ok, drop = preview.buttons
    assert ok.action.startswith("bcast:ok:") and drop.action.startswith("bcast:no:")
    assert "không phải của bạn" in await chat.say(ok.action, user="an", kind=Kind.button)
    sending = await chat.say(ok.action, user="binh", kind=Kind.button)
    assert "Đang gửi thông báo" in sending
    assert "đã được xử lý" in await chat.say(ok.action, user="binh", kind=Kind.button)
    rows = await queued(db)
    assert all(r.kind == "broadcast" and "&lt;b&gt;8h&lt;/b&gt;" in r.html for r in rows)
    assert len(rows) == len({r.chat_id for r in rows}) and "group-1" in {r.chat_id for r in rows}
    stopped = await chat.say("/huythongbao", user="binh")
    assert re.search(r"Đã dừng thông báo: \d+ tin chưa gửi", stopped)
    assert {r.status for r in await queued(db)} == {"cancelled"}
    assert "không có thông báo nào đang gửi" in await chat.say("/huythongbao", user="binh")


async def test_a_notice_can_be_confirmed_by_typing(chat: Chat, db: Database) -> None:
    (preview,) = await chat.send("/thongbao Họp tổ", user="binh")
    number = preview.buttons[0].action.rsplit(":", 1)[1]
    assert f"/xacnhan {number}" in preview.html
    assert "không phải của bạn" in await chat.say(f"/xacnhan {number}", user="an")
    assert "Đang gửi thông báo" in await chat.say(f"/xacnhan {number}", user="binh")
    assert len(await queued(db)) == 1


async def test_a_dropped_notice_goes_nowhere(chat: Chat, db: Database) -> None:
    (preview,) = await chat.send("/thongbao Nghỉ họp", user="binh")
    _, drop = preview.buttons
    (reply,) = await chat.send(drop.action, user="binh", kind=Kind.button)
    assert reply.notice and "Đã bỏ thông báo" in reply.html
    assert await queued(db) == []


async def test_members_cannot_broadcast(chat: Chat) -> None:
    assert "dành cho lãnh đạo xã" in await chat.say("/thongbao xin chào")
