"""Roll-ups at every level and per period: written last in the unit of work, dropped with a
rolled-back savepoint, following unit moves and level changes, and read per unit shown."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime

from sqlalchemy import text

from reminders.calendar import Period, parse_period
from reminders.progress import tally_view
from storage import punctual, rollup_check, rollups
from storage.db import Database
from storage.models import Level, Unit
from storage.store import Store
from tests.storage.test_rollups import _country, _random_step

DAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 3, tzinfo=UTC)


async def _daily(store: Store, unit_id: int) -> dict[tuple[date, str], int]:
    rows = await store.session.exec(  # type: ignore[call-overload]
        text("SELECT day, indicator, n FROM subtree_daily WHERE unit_id = :u AND n != 0"),
        params={"u": unit_id},
    )
    return {(rollups._day(d), i): n for d, i, n in rows.all()}


async def _reported(store: Store, unit_id: int, period: str) -> int:
    rows = await store.tallies.periods([unit_id], period)
    return rows.get(unit_id, (0, 0))[1]


async def _units(store: Store) -> dict[str, Unit]:
    rows = (await store.session.exec(text("SELECT code FROM unit"))).all()  # type: ignore[call-overload]
    found = {}
    for (code,) in rows:
        unit = await store.units.by_code(code)
        assert unit is not None
        found[code] = unit
    return found


async def test_a_report_counts_for_its_village_and_every_ancestor(db: Database) -> None:
    _, people = await _country(db)
    member, village = people[0]
    async with db.transaction() as store:
        await store.entries.add_report(
            member_id=member, unit_id=village, counts={"vneid": 5, "cks": 2}, day=DAY, source="t"
        )
        await store.commit()
    async with db.reading() as store:
        units = await _units(store)
        for code in ("38", "C0", "V00"):
            assert await _daily(store, units[code].id or 0) == {(DAY, "vneid"): 5, (DAY, "cks"): 2}
        assert await _daily(store, units["C1"].id or 0) == {}
        for code in ("38", "C0", "V00"):
            for period in ("2026-11", "2026-Q4", "2026"):
                assert await _reported(store, units[code].id or 0, period) == 1
        assert await _reported(store, units["C1"].id or 0, "2026-11") == 0


async def test_deltas_are_written_at_commit_or_before_a_read_in_the_same_transaction(
    db: Database,
) -> None:
    province, people = await _country(db)
    member, village = people[0]
    async with db.transaction() as store:
        await store.entries.add_report(
            member_id=member, unit_id=village, counts={"vneid": 5}, day=DAY, source="t"
        )
        assert rollups.pending(store.session) == {(village, DAY, "vneid"): 5}
        assert await _daily(store, village) == {}  # not written yet: last, at commit
        counts, _, _ = await store.tallies.counts([province.id or 0], (DAY, DAY), (DAY, DAY))
        assert counts == {province.id: {"vneid": 5}}  # a read writes them first
        assert rollups.pending(store.session) == {}
        await store.entries.add_report(
            member_id=member, unit_id=village, counts={"vneid": 1}, day=DAY, source="t"
        )
        await store.commit()
    async with db.reading() as store:
        assert await _daily(store, province.id or 0) == {(DAY, "vneid"): 6}
        assert await rollup_check.differences(store.session) == []


async def test_a_rolled_back_savepoint_drops_its_deltas_and_keeps_the_earlier_ones(
    db: Database,
) -> None:
    province, people = await _country(db)
    member, village = people[0]
    async with db.transaction() as store:
        await store.entries.add_report(
            member_id=member, unit_id=village, counts={"vneid": 5}, day=DAY, source="t"
        )
        try:
            async with store.savepoint():
                await store.entries.add_report(
                    member_id=member, unit_id=village, counts={"cks": 9}, day=DAY, source="t"
                )
                raise RuntimeError("refused inside the savepoint")
        except RuntimeError:
            pass
        async with store.savepoint():  # a savepoint that is kept keeps its deltas
            await store.entries.add_report(
                member_id=member, unit_id=village, counts={"tt": 1}, day=DAY, source="t"
            )
        await store.commit()
    async with db.reading() as store:
        assert await _daily(store, province.id or 0) == {(DAY, "vneid"): 5, (DAY, "tt"): 1}
        assert await rollup_check.differences(store.session) == []


async def test_undoing_a_villages_only_report_takes_it_out_of_the_reported_villages(
    db: Database,
) -> None:
    province, people = await _country(db)
    member, village = people[0]
    async with db.transaction() as store:
        receipt = await store.entries.add_report(
            member_id=member, unit_id=village, counts={"vneid": 5}, day=DAY, source="t"
        )
        await store.commit()
    async with db.transaction() as store:
        await store.entries.cancel(receipt, by=member, at=NOW)
        await store.commit()
    async with db.reading() as store:
        assert await _reported(store, province.id or 0, "2026-11") == 0
        assert await _reported(store, village, "2026-11") == 0
        assert await rollup_check.differences(store.session) == []


async def test_a_moved_village_takes_its_counts_and_report_to_its_new_commune(
    db: Database,
) -> None:
    province, people = await _country(db)
    member, village = people[0]  # in C0
    async with db.transaction() as store:
        await store.entries.add_report(
            member_id=member, unit_id=village, counts={"vneid": 5}, day=DAY, source="t"
        )
        await store.commit()
    async with db.transaction() as store:
        units = await _units(store)
        await store.units.update(
            units["V00"], name="Thôn 0", level=Level.village, parent=units["C1"]
        )
        await store.commit()
    async with db.reading() as store:
        units = await _units(store)
        assert await _daily(store, units["C0"].id or 0) == {}
        assert await _daily(store, units["C1"].id or 0) == {(DAY, "vneid"): 5}
        assert await _daily(store, province.id or 0) == {(DAY, "vneid"): 5}
        assert await _reported(store, units["C0"].id or 0, "2026-11") == 0
        assert await _reported(store, units["C1"].id or 0, "2026-11") == 1
        assert await _reported(store, province.id or 0, "2026-11") == 1
        assert await rollup_check.differences(store.session) == []


async def test_a_village_made_a_commune_no_longer_counts_as_a_reported_village(
    db: Database,
) -> None:
    province, people = await _country(db)
    member, village = people[0]
    async with db.transaction() as store:
        await store.entries.add_report(
            member_id=member, unit_id=village, counts={"vneid": 5}, day=DAY, source="t"
        )
        await store.commit()
    async with db.transaction() as store:
        units = await _units(store)
        await store.units.update(units["V00"], name="Xã mới", level=Level.commune, parent=province)
        await store.commit()
    async with db.reading() as store:
        assert await _reported(store, province.id or 0, "2026-11") == 0
        assert await _daily(store, province.id or 0) == {(DAY, "vneid"): 5}
        assert await rollup_check.differences(store.session) == []


async def test_random_reports_and_unit_moves_keep_every_level_equal_to_entries(
    db: Database,
) -> None:
    _, people = await _country(db)
    rng = random.Random(7)
    for _ in range(20):
        async with db.transaction() as store:
            for _ in range(rng.randint(1, 4)):
                await _random_step(store, rng, people)
            if rng.random() < 0.4:
                units = await _units(store)
                villages = [u for u in units.values() if u.level is Level.village]
                communes = [units["C0"], units["C1"]]
                moved = rng.choice(villages)
                await store.units.update(
                    moved, name=moved.name, level=Level.village, parent=rng.choice(communes)
                )
            await store.commit()
    async with db.reading() as store:
        assert await rollup_check.daily_stored(store.session)
        assert await rollup_check.differences(store.session) == []


async def _tree_with_reports(db: Database) -> dict[str, Unit]:
    """Province > district > 2 communes > 2 villages each; V00 reports, V01 declares
    nothing, V10 reports and declares (counted once), V11 is silent."""
    async with db.transaction() as store:
        province = await store.units.add("P", "Tỉnh", Level.province)
        district = await store.units.add("D", "Huyện", Level.district, province)
        for c in range(2):
            commune = await store.units.add(f"C{c}", f"Xã {c}", Level.commune, district)
            for v in range(2):
                await store.units.add(f"V{c}{v}", f"Thôn {c}{v}", Level.village, commune)
        units = await _units(store)
        member = await store.members.add("An", units["V00"])
        for code in ("V00", "V10"):
            await store.entries.add_report(
                member_id=member.id or 0, unit_id=units[code].id or 0, counts={"vneid": 3},
                day=DAY, source="t",
            )  # fmt: skip
        for code in ("V01", "V10"):
            await store.nothing.declare(
                unit_id=units[code].id or 0, month="2026-11", member_id=member.id or 0, at=NOW
            )
        await store.commit()
    return units


async def test_a_tally_above_the_commune_counts_missing_villages_per_child(
    db: Database,
) -> None:
    units = await _tree_with_reports(db)
    async with db.reading() as store:
        top, children, missing = await tally_view(store, units["P"], parse_period("2026-11"))
        assert (top.villages, top.villages_reported, top.missing_listed) == (4, 3, False)
        assert missing == []
        assert [(c.unit.code, c.villages, c.villages_reported) for c in children] == [("D", 4, 3)]
        top, children, missing = await tally_view(store, units["D"], parse_period("2026-11"))
        by_code = {c.unit.code: (c.villages, c.villages_reported) for c in children}
        assert by_code == {"C0": (2, 2), "C1": (2, 1)} and top.counts == {"vneid": 6}


async def test_a_commune_tally_names_its_missing_villages(db: Database) -> None:
    units = await _tree_with_reports(db)
    async with db.reading() as store:
        top, children, missing = await tally_view(store, units["C1"], parse_period("2026-11"))
        assert top.missing_listed and [v.code for v in missing] == ["V11"]
        assert (top.villages, top.villages_reported) == (2, 1)
        assert {c.unit.code: c.nothing for c in children} == {"V10": False, "V11": False}
        _, children, _ = await tally_view(store, units["C0"], parse_period("2026-11"))
        assert {c.unit.code: c.nothing for c in children} == {"V00": False, "V01": True}


async def test_a_part_of_a_period_counts_only_the_villages_reporting_in_it(db: Database) -> None:
    units = await _tree_with_reports(db)
    async with db.transaction() as store:
        member = await store.members.add("Bình", units["V11"])
        await store.entries.add_report(
            member_id=member.id or 0, unit_id=units["V11"].id or 0, counts={"cks": 1},
            day=date(2026, 2, 3), source="t",
        )  # fmt: skip
        await store.commit()
    async with db.reading() as store:
        year = parse_period("2026")
        whole, _, _ = await tally_view(store, units["C1"], year)
        assert whole.villages_reported == 2  # V10 (November) and V11 (February)
        to_march = Period("2026", year.start, date(2026, 3, 1))
        part, _, missing = await tally_view(store, units["C1"], to_march)
        assert part.villages_reported == 1 and [v.code for v in missing] == ["V10"]
        assert part.counts == {"cks": 1}


async def test_unit_moves_during_concurrent_reports_keep_every_level_equal_to_entries(
    db: Database,
) -> None:
    """On PostgreSQL the moves really overlap the reports: a move waits for the reports
    writing roll-ups, and the reports after it read the new paths."""
    _, people = await _country(db)

    async def reporter(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(8):
            async with db.transaction() as store:
                await _random_step(store, rng, people)
                await store.commit()

    await asyncio.gather(_mover(db), *(reporter(seed) for seed in range(6)))
    async with db.reading() as store:
        assert await rollup_check.differences(store.session) == []


async def _mover(db: Database) -> None:
    """Six moves of villages V00 and V11 between the two communes, one per transaction."""
    for n in range(6):
        async with db.transaction() as store:
            units = await _units(store)
            village = units[f"V{n % 2}{n % 2}"]
            target = units["C1"] if village.path.startswith(units["C0"].path) else units["C0"]
            await store.units.update(village, name=village.name, level=Level.village, parent=target)
            await store.commit()


async def test_reports_holding_their_units_and_moves_at_once_keep_every_level_equal_to_entries(
    db: Database,
) -> None:
    """As the chat's reports go on PostgreSQL: the report holds its units' rows FOR SHARE
    (storage/intake.py) with a unit loaded before, and the roll-ups take the paths read
    under that lock instead of reading them again."""
    _, people = await _country(db)

    async def reporter(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(8):
            member, village = rng.choice(people)
            async with db.transaction() as store:
                unit = await store.units.get(village)
                assert unit is not None
                await asyncio.sleep(0)  # a move may commit between the load and the hold
                await store.intake.hold(member, unit)
                await store.entries.add_report(
                    member_id=member, unit_id=village, counts={"vneid": rng.randint(1, 9)},
                    day=DAY, source="t",
                )  # fmt: skip
                await store.commit()

    await asyncio.gather(_mover(db), *(reporter(seed) for seed in range(6)))
    async with db.reading() as store:
        assert await rollup_check.differences(store.session) == []


async def test_a_report_and_a_move_in_one_transaction_roll_up_along_the_new_tree(
    db: Database,
) -> None:
    _, people = await _country(db)
    member, village = people[0]
    async with db.transaction() as store:
        units = await _units(store)
        await store.entries.add_report(
            member_id=member, unit_id=village, counts={"vneid": 5}, day=DAY, source="t"
        )
        await store.units.update(
            units["V00"], name="Thôn 0", level=Level.village, parent=units["C1"]
        )
        await store.entries.add_report(
            member_id=member, unit_id=village, counts={"cks": 2}, day=DAY, source="t"
        )
        await store.commit()
    async with db.reading() as store:
        units = await _units(store)
        assert await _daily(store, units["C1"].id or 0) == {(DAY, "vneid"): 5, (DAY, "cks"): 2}
        assert await _daily(store, units["C0"].id or 0) == {}
        assert await rollup_check.differences(store.session) == []


async def test_the_bulk_fill_rebuilds_every_level_from_the_entries(db: Database) -> None:
    """The SQL of migration 0016 and the benchmarks' generators (both dialects)."""
    _, people = await _country(db)
    rng = random.Random(11)
    async with db.transaction() as store:
        for _ in range(30):
            await _random_step(store, rng, people)
        await store.commit()
    async with db.transaction() as store:  # rolled back: checked inside it
        await store.session.exec(text("UPDATE subtree_daily SET n = n + 1"))  # type: ignore[call-overload]
        await store.session.exec(text("DELETE FROM unit_period"))  # type: ignore[call-overload]
        assert await rollup_check.differences(store.session) != []
        await rollup_check.fill(store.session)
        assert await rollup_check.differences(store.session) == []
        assert await rollup_check.periods_stored(store.session)


def test_the_roll_ups_key_periods_as_the_calendar_does() -> None:
    """storage cannot import reminders: its period keys and month spans are written twice,
    kept equal here."""
    for day in (date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 1), date(2026, 12, 31)):
        month, quarter, year = rollups.period_keys(day)
        for key in (month, quarter, year):
            period = parse_period(key)
            assert period.start <= day <= period.end and period.key == key
    assert rollups.period_keys(date(2026, 11, 27)) == ("2026-11", "2026-Q4", "2026")
    for key in ("2026-02", "2028-02", "2026-11", "2026-12"):
        month = parse_period(key)
        assert punctual.month_span(key) == (month.start, month.end)
