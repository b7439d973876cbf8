"""Figures and periods as Vietnamese readers write them: "tháng 11/2026", "40,5%", the
indicators named and ordered as the indicators table says, names in alphabetical order."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from bot.tg import menus
from handlers import texts, texts_progress, texts_reminders
from reminders.calendar import Span, month_of, quarter_of, week_of, year_of
from reminders.due import Outreach
from reminders.progress import UnitProgress
from storage.db import Database
from storage.models import Indicator, Level, Unit
from tests.conftest import Chat, World

OLD_STYLE = re.compile(r"kỳ \d{4}|\d\.\d%|VNEID")


@pytest.mark.parametrize(
    ("period", "plain", "capital"),
    [
        (month_of(date(2026, 11, 3)), "tháng 11/2026", "Tháng 11/2026"),
        (month_of(date(2026, 3, 3)), "tháng 3/2026", "Tháng 3/2026"),
        (quarter_of(date(2026, 11, 3)), "quý IV/2026", "Quý IV/2026"),
        (quarter_of(date(2026, 1, 3)), "quý I/2026", "Quý I/2026"),
        (year_of(date(2026, 11, 3)), "năm 2026", "Năm 2026"),
    ],
)
def test_one_period_label(period: object, plain: str, capital: str) -> None:
    assert texts.period_name(period) == plain  # type: ignore[arg-type]
    assert texts.period_name(period.key, capital=True) == capital  # type: ignore[attr-defined]


def test_percentages_and_decimals_take_the_decimal_comma() -> None:
    assert texts.percent(0.405) == "40,5%"
    assert texts.percent(0.095) == "9,5%"
    assert texts.percent(1.2) == "120,0%"
    assert texts.percent(None) == "—"
    assert texts.decimal_vn(33.56, 2) == "33,56"


async def test_chat_replies_use_the_period_label_and_the_decimal_comma(
    chat: Chat, db: Database, world: World
) -> None:
    async with db.transaction() as store:
        await store.targets.set(world.village_ids["T1"], "tt", "2026-11", 200)
        await store.commit()
    await chat.say("vneid 30 cks 4 tt 81")
    replies = {
        "toi": await chat.say("/toi"),
        "tiendo": await chat.say("/tiendo", user="binh"),
        "chitieu": await chat.say("/chitieu", user="binh"),
        "chuabaocao": await chat.say("/chuabaocao", user="binh"),
        "tonghop": await chat.say("/tonghop", user="binh"),
    }
    for command, reply in replies.items():
        assert not OLD_STYLE.search(reply), (command, reply)
    assert "Tiến độ Thôn 1 tháng 11/2026" in replies["toi"]
    assert "TT: 81/200 (40,5%)" in replies["toi"]
    assert "tháng 11/2026 (đến 21/11)" in replies["tiendo"]
    assert "TT 81/200 (40,5%)" in replies["tiendo"]
    assert "Chỉ tiêu Xã Hoằng Kim tháng 11/2026" in replies["chitieu"]
    assert "<b>Xã Hoằng Kim</b>, tháng 11/2026" in replies["chuabaocao"]
    assert "TT +81 · 81/200 40,5%" in replies["tonghop"]
    (reply,) = await chat.send("/xuat", user="binh")
    assert "Bảng tổng hợp <b>Xã Hoằng Kim</b> tháng 11/2026" in reply.html
    sheet = load_workbook(io.BytesIO(reply.files[0].data))["Tổng hợp"]
    assert sheet["A1"].value.endswith("— tháng 11/2026")
    (reply,) = await chat.send("/xuat 2026-Q4", user="binh")
    assert "quý IV/2026" in reply.html
    async with db.transaction() as store:  # Thôn <2> has only a quarter's target
        await store.targets.set(world.village_ids["T2"], "cks", "2026-Q4", 30)
        await store.commit()
    await chat.say("cks 3", user="cuc")
    assert "Tiến độ Thôn &lt;2&gt; quý IV/2026:\n• CKS: 3/30 (10,0%)" in await chat.say(
        "/toi", user="cuc"
    )


async def test_indicator_names_and_order_come_from_the_indicators_table(
    chat: Chat, db: Database
) -> None:
    async with db.transaction() as store:
        tt = await store.session.get(Indicator, "tt")
        assert tt is not None
        tt.short, tt.position = "Thanh toán", -1  # a province puts payments first
        await store.commit()
    assert "chưa ghi là của chỉ tiêu nào (tt, vneid, cks)" in await chat.say("5")
    await chat.say("vneid 3 tt 2")
    tally = await chat.say("/tonghop", user="binh")
    assert "Thôn 1: Thanh toán +2 · 2/—; VNeID +3 · 3/100 3,0%; CKS +0 · 0/40 0,0%" in tally
    progress = await chat.say("/tiendo", user="binh")
    assert "Tổng: Thanh toán 2 · VNeID 3/100 (3,0%) · CKS 0/40 (0,0%)" in progress
    (reply,) = await chat.send("/xuat", user="binh")
    rows = list(load_workbook(io.BytesIO(reply.files[0].data))["Tổng hợp"].values)
    headers = [h for h in rows[1] if h]
    assert headers[:3] == ["STT", "Đơn vị", "Tài khoản thanh toán không dùng tiền mặt"]
    assert "TT" not in rows[1]  # the row number is STT; "TT" would read as the indicator


def _progress(name: str, targets: dict[str, int]) -> UnitProgress:
    return UnitProgress(Unit(name=name, code="x", level=Level.village, path="/1/"), {}, targets)


def test_the_chart_legend_follows_the_indicators_table(monkeypatch: pytest.MonkeyPatch) -> None:
    import reminders.chart

    seen = []
    monkeypatch.setattr(
        reminders.chart, "render_progress_chart", lambda rows, labels: seen.append(labels) or b""
    )
    rows = [_progress("Thôn 1", {"vneid": 10, "cks": 5, "dvc": 3})]
    labels = {"dvc": "DVC", "vneid": "VNeID", "cks": "CKS"}  # display order from the table
    texts_reminders.WORDING.chart(rows[0], rows, month_of(date(2026, 11, 3)), labels)
    (chart_labels,) = seen
    assert list(chart_labels.indicators) == ["dvc", "vneid", "cks"]
    assert list(chart_labels.indicators.values()) == ["DVC", "VNeID", "CKS"]
    assert chart_labels.title == "Thôn 1 — tiến độ tháng 11/2026"


async def test_villages_and_members_in_vietnamese_alphabetical_order(
    chat: Chat, db: Database, world: World
) -> None:
    async with db.transaction() as store:
        commune = await store.units.get(world.commune_id)
        assert commune is not None
        for code, name in (("TY", "Thôn Tây"), ("DG", "Thôn Đông"), ("DU", "Thôn Dư")):
            village = await store.units.add(code, name, Level.village, commune)
            for person in ("Đỗ Văn Ánh", "Đinh Thị Ba", "Dương Văn Cả"):
                await store.members.add(person, village)
        await store.commit()
    missing = await chat.say("/chuabaocao", user="binh")
    assert "Thôn &lt;2&gt;, Thôn 1, Thôn Dư, Thôn Đông, Thôn Tây" in missing
    members = await chat.say("/thanhvien DG", user="binh")
    names = re.findall(r"#\d+ (.*?) —", members)
    assert names == ["Dương Văn Cả", "Đinh Thị Ba", "Đỗ Văn Ánh"]
    progress = await chat.say("/tiendo", user="binh")
    ranked = re.findall(r"\d\. <b>(.*?)</b>", progress)
    assert ranked[-3:] == ["Thôn Dư", "Thôn Đông", "Thôn Tây"]  # all at 0%: by name
    (reply,) = await chat.send("/xuat", user="binh")
    rows = list(load_workbook(io.BytesIO(reply.files[0].data))["Tổng hợp"].values)
    listed = [r[1] for r in rows[3:-1]]
    assert listed == ["Thôn <2>", "Thôn 1", "Thôn Dư", "Thôn Đông", "Thôn Tây"]


async def test_example_dates_are_near_the_persons_own_days(chat: Chat) -> None:
    # Today is 21/11/2026 in the fixtures: examples a week ahead and two days back.
    assert "<code>/vang 28/11</code>" in await chat.say("/vang mai")
    help_text = await chat.say("/help")
    assert "/vang 28/11" in help_text and "“19/11”" in help_text
    reminder = texts_reminders.WORDING.reminder("An", "Thôn 1", "2027-02", date(2027, 2, 19))
    assert "<code>/vang 26/2</code>" in reminder and "tháng 2/2027" in reminder
    assert "30/11" not in reminder
    assert not any("30/11" in d for d in menus.PRIVATE.values())


def test_the_deadline_summary_and_escalation_name_the_month() -> None:
    unit = Unit(name="Thôn Đông", code="x", level=Level.village, path="/1/")
    unreachable = ["Đỗ Ánh", "Dương Cả", "Vũ Ba"]
    escalation = texts_reminders.WORDING.escalation(
        "Xã A", [unit], "2026-11", date(2026, 11, 20), unreachable, Outreach(reminded=2)
    )
    assert "Xã A</b>, tháng 11/2026, hạn 20/11/2026" in escalation
    assert "Dương Cả, Đỗ Ánh, Vũ Ba" in escalation
    rows = [_progress("Thôn Tây", {}), _progress("Thôn Đông", {})]
    summary = texts_reminders.WORDING.deadline_summary("Huyện B", rows, "2026-11")
    assert "hạn báo cáo tháng 11/2026 là hôm nay" in summary
    assert summary.index("Thôn Đông") < summary.index("Thôn Tây")
    assert week_of(date(2026, 11, 21)).key == "2026-W47"


def test_each_span_of_the_members_totals_has_its_label() -> None:
    day = date(2026, 11, 21)
    labels = {span: texts_progress.period_label(span, day) for span in Span}
    assert labels == {
        Span.today: "Hôm nay (21/11)",
        Span.week: "Tuần này",
        Span.month: "Tháng 11/2026",
    }
