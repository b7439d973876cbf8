"""Indicators managed as data: an added one is reported, targeted and tallied at once; a
retired one is refused by name and its history stays; aliases that would count the wrong
thing are refused with the reason."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import SQLModel, func, select

from handlers import indicators as service
from handlers import texts_indicators
from handlers.context import IndicatorCache
from handlers.export import export_unit
from handlers.indicators import IndicatorError
from handlers.target_import import apply_targets, plan_targets, target_rows
from reminders.calendar import month_of, week_of
from reminders.progress import tally_view
from storage.db import Database
from storage.models import AuditLog, IndicatorAlias
from storage.store import Store
from tests.conftest import Chat, FixedClock, World

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


async def add_sskdt(db: Database) -> None:
    async with db.transaction() as store:
        await service.add_indicator(
            store,
            "sskdt",
            "Sổ sức khỏe điện tử",
            short="Sổ SKĐT",
            aliases=["sổ sức khỏe", "sổ khám sức khỏe điện tử", "SSKĐT"],
        )
        await store.commit()


async def totals(db: Database) -> dict[str, int]:
    async with db.reading() as store:
        return await store.entries.totals(*NOVEMBER)


async def refused(db: Database, work: object) -> list[service.Problem]:
    with pytest.raises(IndicatorError) as caught:
        async with db.transaction() as store:
            await work(store)  # type: ignore[operator]
            await store.commit()
    return caught.value.problems


@pytest.mark.parametrize(
    "text",
    ["sskdt 3", "/sskdt 3", "sổ sức khỏe 3", "SO SUC KHOE 3", "cài sổ khám sức khỏe điện tử cho 3"],
)
async def test_an_added_indicator_is_reported_by_code_alias_and_shortcut(
    chat: Chat, db: Database, text: str
) -> None:
    await add_sskdt(db)
    reply = await chat.say(text)
    assert "Sổ SKĐT: <b>3</b>" in reply
    assert await totals(db) == {"sskdt": 3}


async def test_the_seeds_preset_makes_the_vssid_shortcut_work(chat: Chat, db: Database) -> None:
    assert "Mình không biết lệnh /vssid" in await chat.say("/vssid 3")
    chat.handlers.indicators.invalidate()  # the preset runs in this process here
    async with db.transaction() as store:
        await service.apply_preset(store, "seeds")
        await store.commit()
    assert "VssID: <b>3</b>" in await chat.say("/vssid 3")
    assert "VssID: <b>2</b>" in await chat.say("bhxh so 2 hôm qua")
    assert "TT: <b>4</b>" in await chat.say("mở tài khoản ngân hàng 4")
    assert "TT: <b>1</b>" in await chat.say("viettel money 1")
    assert "DVC: <b>2</b>" in await chat.say("dịch vụ công trực tuyến 2")
    assert await totals(db) == {"vssid": 5, "tt": 5, "dvc": 2}
    help_text = await chat.say("/help")
    assert "/vssid 1" in help_text and "/sskdt" in help_text and "/dvc" in help_text


async def test_a_change_made_in_another_process_is_seen_after_the_cache_ttl(
    chat: Chat, db: Database
) -> None:
    now = [0.0]
    chat.handlers.indicators = IndicatorCache(ttl=10, clock=lambda: now[0])
    assert "Mình không biết lệnh /sskdt" in await chat.say("/sskdt 1")
    await add_sskdt(db)  # as `cnsbot indicators add` would, without telling the bot
    now[0] = 5
    assert "Mình không biết lệnh /sskdt" in await chat.say("/sskdt 1")
    now[0] = 11
    assert "Sổ SKĐT: <b>1</b>" in await chat.say("/sskdt 1")


async def test_targets_import_takes_a_column_for_a_new_indicator_seen_in_progress_and_tally(
    chat: Chat, db: Database, world: World, clock: FixedClock
) -> None:
    await add_sskdt(db)
    table = [
        (2, {"unit": "16012-T1", "period": "2026-11", "vneid": "100", "sổ sức khỏe": "40"}),
        (3, {"unit": "16012-T2", "period": "2026-11", "sskdt": "20", "cks": ""}),
    ]
    async with db.transaction() as store:
        plan = await plan_targets(store, target_rows(table))
        assert plan.errors == []
        await apply_targets(store, plan)
        await store.commit()
    await chat.say("sskdt 10")
    progress = await chat.say("/tiendo", user="binh")
    assert "Sổ SKĐT 10/60 (16,7%)" in progress  # the commune sums its villages' targets
    async with db.transaction() as store:
        scope = await store.units.get(world.commune_id)
        assert scope is not None
        month = month_of(date(2026, 11, 21))
        top, rows, _ = await tally_view(store, scope, month, week_of(date(2026, 11, 21)))
        await store.commit()
    village = next(r for r in rows if r.unit.code == "16012-T1")  # a bar of the chart
    assert village.targets["sskdt"] == 40 and village.counts["sskdt"] == 10
    assert top.targets["sskdt"] == 60


async def test_targets_import_refuses_an_unknown_column_and_a_retired_indicator(
    db: Database, world: World
) -> None:
    await add_sskdt(db)
    async with db.transaction() as store:
        await service.set_active(store, "sskdt", False)
        rows = target_rows([(2, {"unit": "16012-T1", "period": "2026-11", "sskdt": "4"})])
        rows += target_rows([(3, {"unit": "16012-T1", "period": "2026-11", "vssid": "4"})])
        plan = await plan_targets(store, rows)
        await store.commit()
    assert plan.errors == [
        (2, "chỉ tiêu «sskdt» đã ngừng dùng"),
        (3, "không có chỉ tiêu «vssid» (có: vneid, cks, tt)"),
    ]


async def test_a_retired_indicator_is_refused_by_name_and_its_history_stays(
    chat: Chat, db: Database, world: World, clock: FixedClock
) -> None:
    await add_sskdt(db)
    await chat.say("sskdt 3")
    async with db.transaction() as store:
        assert await service.set_active(store, "sskdt", False) != []
        await store.commit()
    chat.handlers.indicators.invalidate()
    for text in ("sskdt 2", "/sskdt 2", "so suc khoe 2", "vneid 1 sổ sức khỏe 2"):
        reply = await chat.say(text)
        assert "<b>Sổ SKĐT</b> đã ngừng theo dõi" in reply and "Chưa ghi nhận gì" in reply
    assert await totals(db) == {"sskdt": 3}
    assert "Tháng 11/2026: VNeID 0 · CKS 0 · TT 0 · Sổ SKĐT 3" in await chat.say("/toi")
    assert "/sskdt" not in await chat.say("/help")
    async with db.transaction() as store:
        scope = await store.units.get(world.commune_id)
        assert scope is not None
        _, csv = await export_unit(store, scope, month_of(date(2026, 11, 1)))
        await store.commit()
    assert "Sổ sức khỏe điện tử - Kết quả" in csv.decode("utf-8-sig")  # its full name
    async with db.transaction() as store:
        assert scope is not None
        _, december = await export_unit(store, scope, month_of(date(2026, 12, 1)))
        await store.commit()
    assert "Sổ sức khỏe điện tử" not in december.decode("utf-8-sig")  # nothing of it then
    assert "Kích hoạt VNeID mức 2" in december.decode("utf-8-sig")  # the active ones stay
    clock.advance(days=15)  # December: nothing of it, so not shown
    assert "Sổ SKĐT" not in await chat.say("/toi")
    async with db.transaction() as store:
        await service.set_active(store, "sskdt", True)
        await store.commit()
    chat.handlers.indicators.invalidate()
    assert "Sổ SKĐT: <b>1</b>" in await chat.say("sskdt 1")


async def test_an_alias_of_another_indicator_or_its_code_is_refused_with_the_reason(
    db: Database,
) -> None:
    problems = await refused(db, lambda s: service.change_aliases(s, "tt", ["Định Danh", "cks"]))
    assert [(p.kind, p.params["other"]) for p in problems] == [
        ("alias_taken", "VNeID"),
        ("alias_taken", "CKS"),
    ]
    assert texts_indicators.problem_vi(problems[0]) == (
        "Tên gọi “Định Danh” đã là của chỉ tiêu VNeID."
    )


@pytest.mark.parametrize(
    ("alias", "kind"),
    [
        ("vnied", "alias_too_close"),  # a swap away from vneid
        ("chu ky sô", "alias_taken"),  # folded, it is cks's alias
        ("chữ ký sớ", "alias_taken"),
        ("chu ky sa", "alias_too_close"),  # one letter from "chu ky so"
        ("ttt", "alias_too_close"),
        ("người dân", "alias_filler"),
        ("hôm qua", "alias_day"),
        ("vneid2", "alias_not_words"),
        ("5", "alias_not_words"),
        ("!!", "alias_empty"),
    ],
)
async def test_an_alias_that_would_count_the_wrong_thing_is_refused(
    db: Database, alias: str, kind: str
) -> None:
    await add_sskdt(db)
    problems = await refused(db, lambda s: service.change_aliases(s, "sskdt", [alias]))
    assert [p.kind for p in problems] == [kind]
    assert texts_indicators.problem_vi(problems[0])  # worded for chat and web
    assert texts_indicators.problem_en(problems[0])  # and for the CLI


async def test_a_refused_alias_among_good_ones_changes_nothing(db: Database) -> None:
    await add_sskdt(db)
    await refused(db, lambda s: service.change_aliases(s, "sskdt", ["ssk", "vnied"]))
    async with db.reading() as store:
        assert ("ssk", "sskdt") not in await store.indicators.aliases()


async def test_codes_that_are_commands_or_not_plain_letters_are_refused(db: Database) -> None:
    for code, kind in (("toi", "code_is_command"), ("vss-id", "bad_code"), ("tt", "code_taken")):
        problems = await refused(db, lambda s, c=code: service.add_indicator(s, c, "Tên"))
        assert [p.kind for p in problems] == [kind]


async def test_aliases_are_added_once_removed_and_the_code_stays(db: Database) -> None:
    await add_sskdt(db)
    async with db.transaction() as store:
        written = {a for a, code in await store.indicators.aliases() if code == "sskdt"}
        assert written == {"sskdt", "sổ sức khỏe", "sổ khám sức khỏe điện tử"}  # not "SSKĐT"
        assert len(await service.change_aliases(store, "sskdt", ["ssk", "SSK", "ssk"])) == 1
        assert await service.change_aliases(store, "sskdt", ["ssk"]) == []
        removed = await service.change_aliases(store, "sskdt", ["SSK"], remove=True)
        assert [c.detail for c in removed] == ["ssk"]
        await store.commit()
    problems = await refused(
        db, lambda s: service.change_aliases(s, "sskdt", ["sskdt", "xyz"], remove=True)
    )
    assert [p.kind for p in problems] == ["alias_is_code", "alias_missing"]


async def test_the_preset_runs_twice_and_changes_nothing_the_second_time(db: Database) -> None:
    async with db.transaction() as store:
        first = await service.apply_preset(store, "seeds")
        await store.commit()
    assert {c.code for c in first if c.action == "add"} == {"vssid", "sskdt", "dvc"}
    assert any(c.code == "tt" and c.detail == "momo" for c in first)
    async with db.transaction() as store:
        audits = await count(store, AuditLog)
        aliases = await count(store, IndicatorAlias)
        assert await service.apply_preset(store, "seeds") == []
        assert (await count(store, AuditLog), await count(store, IndicatorAlias)) == (
            audits,
            aliases,
        )
        codes = [i.code for i in await store.indicators.all()]
        await store.commit()
    assert codes == ["vneid", "cks", "tt", "vssid", "sskdt", "dvc"]


async def test_the_preset_restores_a_retired_indicator(db: Database) -> None:
    async with db.transaction() as store:
        await service.apply_preset(store, "seeds")
        await service.set_active(store, "dvc", False)
        again = await service.apply_preset(store, "seeds")
        await store.commit()
    assert [(c.action, c.code) for c in again] == [("restore", "dvc")]


async def test_order_rename_and_retire_are_audited(db: Database) -> None:
    await add_sskdt(db)
    async with db.transaction() as store:
        moves = await service.reorder(store, ["sskdt", "tt"])
        assert [(c.code, c.detail) for c in moves][:2] == [("sskdt", "3 → 0"), ("tt", "2 → 1")]
        await service.rename(store, "sskdt", "Sổ khám sức khỏe điện tử", short="SKĐT")
        await service.set_active(store, "sskdt", False)
        assert await service.set_active(store, "sskdt", False) == []  # already: nothing
        rows = (await store.session.exec(select(AuditLog.action))).all()
        got = [(i.code, i.short, i.position, i.active) for i in await store.indicators.all()]
        await store.commit()
    assert {"indicator_add", "indicator_order", "indicator_rename", "indicator_retire"} <= set(rows)
    assert got[:3] == [
        ("sskdt", "SKĐT", 0, False),
        ("tt", "TT", 1, True),
        ("vneid", "VNeID", 2, True),
    ]


async def test_a_new_indicator_can_take_a_place_in_the_order(db: Database) -> None:
    async with db.transaction() as store:
        await service.add_indicator(store, "dvc", "Dịch vụ công", position=1, aliases=["dvctt"])
        codes = [i.code for i in await store.indicators.all()]
        await store.commit()
    assert codes == ["vneid", "dvc", "cks", "tt"]


async def count(store: Store, table: type[SQLModel]) -> int:
    stmt = select(func.count()).select_from(table)
    return int((await store.session.exec(stmt)).one())


def test_typo_distance_matches_the_grammar_tiers() -> None:
    assert service.edit_distance("vnied", "vneid", 2) == 1
    assert service.edit_distance("ssk", "cks", 2) == 2  # allowed: 1 edit for 3-5 letters
    assert service.typo_edits(3) == 1 and service.typo_edits(6) == 2
