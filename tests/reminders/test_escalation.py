"""Escalations say what the reminder run really did: how many members it reminded, who is
away, who cannot be written to, which villages have no member at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlmodel import col, select

from handlers.texts_reminders import Wording
from reminders.calendar import VN
from reminders.due import Outreach, Planner, run_due
from storage.db import Database
from storage.models import Level, OutboxMessage, Role, Unit, pk

ESCALATION_DAY = datetime.combine(date(2026, 11, 18), time(9), tzinfo=VN).astimezone(UTC)


@dataclass
class RecordingWording(Wording):
    """The real words, and what each escalation was told."""

    told: list[Outreach] = field(default_factory=list)

    def escalation(
        self,
        unit: str,
        missing: list[Unit],
        period: str,
        deadline: date,
        unreachable: list[str],
        outreach: Outreach,
    ) -> str:
        self.told.append(outreach)
        return super().escalation(unit, missing, period, deadline, unreachable, outreach)


async def commune_with(db: Database, people: list[tuple[str, int, bool, bool]]) -> None:
    """Four villages; people as (name, village number, away, wrote privately); a leader."""
    async with db.transaction() as store:
        province = await store.units.add("38", "Thanh Hóa", Level.province)
        commune = await store.units.add("HK", "Xã Hoằng Kim", Level.commune, province)
        villages = {
            n: await store.units.add(f"T{n}", f"Thôn {n}", Level.village, commune)
            for n in (1, 2, 3, 4)
        }
        leader = await store.members.add("lead", commune, Role.commune_leader)
        (await store.members.link(leader, "test", "lead")).private_chat_id = "dm-lead"
        for name, village, away, wrote in people:
            member = await store.members.add(name, villages[village])
            identity = await store.members.link(member, "test", name)
            identity.private_chat_id = f"dm-{name}" if wrote else None
            if away:
                await store.members.set_absent(member, date(2026, 11, 30))
        reporter = await store.members.add("an", villages[1])
        await store.entries.add_report(
            member_id=pk(reporter), unit_id=pk(villages[1]), counts={"vneid": 3},
            day=date(2026, 11, 10), source="test",
        )  # fmt: skip
        await store.commit()


async def escalations(db: Database) -> list[str]:
    async with db.reading() as store:
        stmt = select(OutboxMessage).where(OutboxMessage.kind == "escalation")
        rows = (await store.session.exec(stmt.order_by(col(OutboxMessage.id)))).all()
    return [row.html for row in rows if row.key.startswith("escalation:")]


async def test_nobody_reminded_is_not_called_reminded(db: Database) -> None:
    # Thôn 2's only member is away; Thôn 3 and Thôn 4 have no member at all.
    await commune_with(db, [("binh", 2, True, True)])
    wording = RecordingWording()
    assert await run_due(db, ESCALATION_DAY, Planner(), wording) == ["remind:2026-11-18"]
    assert wording.told == [Outreach(reminded=0, away=("binh",), empty=("Thôn 3", "Thôn 4"))]
    (html,) = await escalations(db)
    assert "đã được nhắc" not in html
    assert "không nhắc được thành viên nào" in html
    assert "Đang vắng nên không nhắc: binh" in html
    assert "Chưa có thành viên nào: Thôn 3, Thôn 4" in html


async def test_the_escalation_counts_the_reminders_of_the_same_run(db: Database) -> None:
    await commune_with(
        db,
        [("binh", 2, False, True), ("cuc", 2, False, True), ("dung", 4, True, True),
         ("nochat", 4, False, False)],
    )  # fmt: skip
    wording = RecordingWording()
    await run_due(db, ESCALATION_DAY, Planner(), wording)
    assert wording.told == [
        Outreach(reminded=2, away=("dung",), no_chat=("nochat",), empty=("Thôn 3",))
    ]
    async with db.reading() as store:
        stmt = select(OutboxMessage).where(OutboxMessage.kind == "reminder")
        reminded = sorted(row.chat_id for row in (await store.session.exec(stmt)).all())
    assert reminded == ["dm-binh", "dm-cuc"]  # the same two the escalation counts
    (html,) = await escalations(db)
    assert "bot đã nhắc 2 thành viên" in html
    assert "nhắn riêng cho bot nên không nhắc được: nochat" in html


async def test_no_escalation_when_every_village_reported(db: Database) -> None:
    await commune_with(db, [])
    async with db.transaction() as store:
        for n in (2, 3, 4):
            village = await store.units.by_code(f"T{n}")
            assert village is not None
            member = await store.members.add(f"m{n}", village)
            await store.entries.add_report(
                member_id=pk(member), unit_id=pk(village), counts={"tt": 1},
                day=date(2026, 11, 12), source="test",
            )  # fmt: skip
        await store.commit()
    wording = RecordingWording()
    await run_due(db, ESCALATION_DAY, Planner(), wording)
    assert wording.told == [] and await escalations(db) == []
