"""A village declares a month "không phát sinh" (nothing to report): receipt, undo, cleared
by a later report, counted as reported, refused where it does not belong."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlmodel import col, select

from handlers import texts_language
from handlers.types import Kind, Reply
from storage.db import Database
from storage.models import AuditLog, NothingToReport, pk
from tests.conftest import Chat, FixedClock, World


def code_of(reply: Reply) -> str:
    """The receipt of a declaration (read from the reply, not its text)."""
    assert reply.receipt_code, reply.html
    assert f"<code>{reply.receipt_code}</code>" in reply.html
    return reply.receipt_code


async def declarations(db: Database) -> list[NothingToReport]:
    async with db.reading() as store:
        stmt = select(NothingToReport).order_by(col(NothingToReport.id))
        return list((await store.session.exec(stmt)).all())


@pytest.mark.parametrize(
    "text",
    [
        "/khongphatsinh",
        "không phát sinh",
        "khong phat sinh",
        "KHÔNG PHÁT SINH",
        "kps",
        "dạ thôn em tháng này không phát sinh ạ",
        "Dạ, báo cáo: thôn 2 tháng này không phát sinh ạ.",
        "/bc không phát sinh",
    ],
)
async def test_every_way_of_declaring_is_recorded_once(
    chat: Chat, db: Database, world: World, text: str
) -> None:
    reply = await chat.reply(text, user="cuc")
    assert "Thôn &lt;2&gt;</b> không phát sinh số liệu tháng 11/2026" in reply.html
    (row,) = await declarations(db)
    assert (row.unit_id, row.month, row.cancelled_at) == (world.village_ids["T2"], "2026-11", None)
    assert row.receipt == code_of(reply)


async def test_the_receipt_has_an_undo_button_that_undoes_it(chat: Chat, db: Database) -> None:
    (reply,) = await chat.send("/khongphatsinh", user="cuc")
    (button,) = reply.buttons
    code = code_of(reply)
    assert button.action == f"undo:{code}"
    assert "Chưa báo cáo (1): Thôn 1" in await chat.say("/chuabaocao", user="binh")
    (pressed,) = await chat.send(button.action, user="cuc", kind=Kind.button)
    assert "Đã hủy khai báo không phát sinh" in pressed.html
    (row,) = await declarations(db)
    assert row.cancelled_at is not None and row.cancelled_by is not None
    assert "Thôn &lt;2&gt;, Thôn 1" in await chat.say("/chuabaocao", user="binh")
    async with db.reading() as store:
        actions = (await store.session.exec(select(AuditLog.action))).all()
    assert "nothing" in actions and "nothing-undo" in actions


async def test_huy_with_the_code_undoes_it_and_twice_changes_nothing(chat: Chat) -> None:
    code = code_of(await chat.reply("không phát sinh", user="cuc"))
    assert "Đã hủy khai báo" in await chat.say(f"/huy {code.lower()}", user="cuc")
    assert "đã được hủy trước đó" in await chat.say(f"/huy {code}", user="cuc")


async def test_a_member_of_another_village_cannot_undo_it(chat: Chat, db: Database) -> None:
    code = code_of(await chat.reply("không phát sinh", user="cuc"))
    assert "không phải của bạn" in await chat.say(f"/huy {code}", user="an")
    (row,) = await declarations(db)
    assert row.cancelled_at is None
    assert "Đã hủy khai báo" in await chat.say(f"/huy {code}", user="binh")  # the commune


async def test_one_declares_only_for_their_own_village(chat: Chat, db: Database) -> None:
    """An (Thôn 1) writing "thôn 2 không phát sinh" declares Thôn 1, his own, never Thôn 2;
    a commune leader has no village to declare for."""
    assert "Thôn 1</b> không phát sinh" in await chat.say("thôn 2 không phát sinh", user="an")
    assert "Chỉ thành viên của một thôn" in await chat.say("/khongphatsinh", user="binh")
    rows = await declarations(db)
    assert [r.unit_id for r in rows] == [(await _unit_id(db, "16012-T1"))]


async def _unit_id(db: Database, code: str) -> int:
    async with db.transaction() as store:
        unit = await store.units.by_code(code)
        assert unit is not None
        await store.commit()
        return pk(unit)


async def test_a_later_report_clears_the_declaration(chat: Chat, db: Database) -> None:
    code = code_of(await chat.reply("không phát sinh", user="cuc"))
    reply = await chat.say("tt 2", user="cuc")
    assert "Đã ghi nhận" in reply and f"<code>{code}</code> của tháng này đã tự bỏ" in reply
    (row,) = await declarations(db)
    assert row.cancelled_at is not None
    assert "tự bỏ" not in await chat.say("tt 1", user="cuc")  # once only


async def test_a_village_with_counts_cannot_declare_nothing(chat: Chat, db: Database) -> None:
    await chat.say("tt 2", user="cuc")
    assert "đã có số liệu tháng 11/2026" in await chat.say("/khongphatsinh", user="cuc")
    assert await declarations(db) == []


async def test_declaring_twice_keeps_one(chat: Chat, db: Database) -> None:
    code = code_of(await chat.reply("kps", user="cuc"))
    assert "đã khai không phát sinh" in await chat.say("khong phat sinh", user="cuc")
    assert [r.receipt for r in await declarations(db)] == [code]


async def test_counted_as_reported_in_tiendo_and_not_missing(chat: Chat) -> None:
    await chat.say("vneid 30")
    await chat.say("không phát sinh", user="cuc")
    reply = await chat.say("/tiendo", user="binh")
    assert "Đã báo cáo: 2/2 thôn" in reply and "Chưa báo cáo" not in reply
    assert "Mọi thôn" in await chat.say("/chuabaocao", user="binh")


async def test_the_export_marks_the_village(chat: Chat) -> None:
    await chat.say("vneid 30")
    await chat.say("không phát sinh", user="cuc")
    (reply,) = await chat.send("/xuat 2026-11", user="binh")
    (document,) = reply.files
    rows = list(load_workbook(io.BytesIO(document.data))["Tổng hợp"].iter_rows(values_only=True))
    names = [r[1] for r in rows]
    assert "Thôn <2> (không phát sinh)" in names and "Thôn 1" in names


async def test_last_month_in_the_grace_days_but_not_a_closed_month(
    chat: Chat, db: Database, clock: FixedClock
) -> None:
    # 21 November, grace 5 days: October is closed.
    assert "Tháng 10/2026 đã khóa sổ" in await chat.say("/khongphatsinh tháng trước", user="cuc")
    assert "đã khóa sổ" in await chat.say("/khongphatsinh 10/2026", user="cuc")
    assert "chưa đến" in await chat.say("/khongphatsinh 12/2026", user="cuc")
    assert await declarations(db) == []
    clock.now = clock.now.replace(month=12, day=3)  # 3 December: November still open
    reply = await chat.say("dạ thôn em tháng trước không phát sinh ạ", user="cuc")
    assert "tháng 11/2026" in reply
    assert [r.month for r in await declarations(db)] == ["2026-11"]


async def test_words_with_counts_are_not_a_guess(chat: Chat, db: Database) -> None:
    assert "không đoán" in await chat.say("5 không phát sinh", user="cuc")
    assert "Đã ghi nhận" not in await chat.say("vneid 5 không phát sinh", user="cuc")
    assert await declarations(db) == []


async def test_an_indicator_with_nothing_is_still_a_report(chat: Chat, db: Database) -> None:
    """`cks không phát sinh` beside a count says nothing for cks: the report grammar's."""
    reply = await chat.say("vneid 5, cks không phát sinh", user="cuc")
    assert "Đã ghi nhận" in reply and "VNeID: <b>5</b>" in reply
    assert await declarations(db) == []


async def test_a_zero_points_to_the_command(chat: Chat) -> None:
    reply = await chat.say("vneid 0", user="cuc")
    assert "/khongphatsinh" in reply and texts_language.ZERO in reply


async def test_help_lists_the_command(chat: Chat) -> None:
    assert "/khongphatsinh" in await chat.say("/help", user="cuc")
