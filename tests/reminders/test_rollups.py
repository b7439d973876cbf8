"""Quarter and year targets: set for the period, else the sum of the months (a year: of
the quarters, each set or summed from its months); they roll up the tree as before."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from handlers.export import export_unit
from reminders.calendar import parse_period
from reminders.cumulative import year_to, year_to_date
from reminders.progress import tally_view
from storage.db import Database
from storage.models import Level, Role
from storage.store import Store


async def commune(store: Store) -> tuple[int, int, int]:
    province = await store.units.add("38", "Thanh Hóa", Level.province)
    hk = await store.units.add("HK", "Xã Hoằng Kim", Level.commune, province)
    t1 = await store.units.add("T1", "Thôn 1", Level.village, hk)
    t2 = await store.units.add("T2", "Thôn 2", Level.village, hk)
    return hk.id or 0, t1.id or 0, t2.id or 0


async def test_a_quarter_without_a_target_sums_its_months(db: Database) -> None:
    async with db.transaction() as store:  # rolled back: checked inside it
        hk, t1, t2 = await commune(store)
        for month, value in (("2026-10", 100), ("2026-11", 100), ("2026-12", 50)):
            await store.targets.set(t1, "vneid", month, value)
        await store.targets.set(t2, "vneid", "2026-11", 30)
        await store.targets.set(t2, "vneid", "2026-Q4", 200)  # its own quarter target wins
        await store.targets.set(t2, "cks", "2026-12", 7)
        scope = await store.units.get(hk)
        assert scope is not None
        top, children, _ = await tally_view(store, scope, parse_period("2026-Q4"))
        by_name = {c.unit.name: c.targets for c in children}
        assert by_name == {"Thôn 1": {"vneid": 250}, "Thôn 2": {"vneid": 200, "cks": 7}}
        assert top.targets == {"vneid": 450, "cks": 7}
        # A month is only its own targets.
        november, _, _ = await tally_view(store, scope, parse_period("2026-11"))
        assert november.targets == {"vneid": 130}


async def test_a_year_sums_its_quarters_set_or_summed(db: Database) -> None:
    async with db.transaction() as store:  # rolled back: checked inside it
        hk, t1, _ = await commune(store)
        await store.targets.set(t1, "vneid", "2026-03", 10)  # Q1 from its months
        await store.targets.set(t1, "vneid", "2026-Q2", 60)  # Q2 set
        await store.targets.set(t1, "vneid", "2026-05", 999)  # ignored: Q2 is set
        await store.targets.set(t1, "vneid", "2026-11", 100)
        scope = await store.units.get(hk)
        assert scope is not None
        top, _, _ = await tally_view(store, scope, parse_period("2026"))
        assert top.targets == {"vneid": 170}
        await store.targets.set(hk, "vneid", "2026", 500)  # the commune's own year target
        top, _, _ = await tally_view(store, scope, parse_period("2026"))
        assert top.targets == {"vneid": 500}


async def test_year_to_date_counts_from_january_against_the_year(db: Database) -> None:
    async with db.transaction() as store:  # rolled back: checked inside it
        hk, t1, _ = await commune(store)
        scope = await store.units.get(hk)
        village = await store.units.get(t1)
        assert scope is not None and village is not None
        member = await store.members.add("An", village, Role.member)
        for day, n in ((date(2025, 12, 31), 9), (date(2026, 1, 5), 4), (date(2026, 11, 20), 6)):
            await store.entries.add_report(
                member_id=member.id or 0, unit_id=t1, counts={"vneid": n}, day=day, source="t"
            )
        await store.entries.add_report(
            member_id=member.id or 0, unit_id=t1, counts={"vneid": 50}, day=date(2026, 11, 25),
            source="t",
        )  # fmt: skip
        await store.targets.set(t1, "vneid", "2026-11", 100)
        await store.targets.set(t1, "vneid", "2026-01", 20)
        assert year_to(date(2026, 11, 21)).key == "2026"
        top, children = await year_to_date(store, scope, date(2026, 11, 21))
        assert top.counts == {"vneid": 10} and top.targets == {"vneid": 120}
        assert {c.unit.name: c.counts for c in children} == {"Thôn 1": {"vneid": 10}, "Thôn 2": {}}


async def test_the_export_of_a_quarter_shows_the_summed_target_and_a_year_sheet(
    db: Database,
) -> None:
    async with db.transaction() as store:  # rolled back: checked inside it
        hk, t1, _ = await commune(store)
        for month in ("2026-10", "2026-11", "2026-12"):
            await store.targets.set(t1, "vneid", month, 100)
        village = await store.units.get(t1)
        scope = await store.units.get(hk)
        assert village is not None and scope is not None
        member = await store.members.add("An", village, Role.member)
        for day in (date(2026, 2, 1), date(2026, 11, 2)):
            await store.entries.add_report(
                member_id=member.id or 0, unit_id=t1, counts={"vneid": 15}, day=day, source="t"
            )
        xlsx, _ = await export_unit(store, scope, parse_period("2026-Q4"))
    book = load_workbook(io.BytesIO(xlsx))
    summary = book.worksheets[0]
    rows = {r[1]: r for r in summary.iter_rows(min_row=4, values_only=True)}
    assert rows["Thôn 1"][2:5] == (300, 15, 0.05)
    year = book["Lũy kế từ đầu năm"]
    assert year["A1"].value == "Lũy kế từ đầu năm 2026 đến 31/12/2026 — Xã Hoằng Kim"
    rows = {r[1]: r for r in year.iter_rows(min_row=4, values_only=True)}
    assert rows["Thôn 1"][2:5] == (300, 30, 0.1)
    assert rows["Tổng cộng"][2:5] == (300, 30, 0.1)
