"""What is due at a moment: reminders, escalations, the deadline summary, weekly tallies.

Each scheduled event has a key; running it claims the key and writes its notifications to
the outbox in the same transaction, so an event runs once even if the bot restarts, and an
event missed while the bot was down still runs at start-up within the grace window.
The words come through the `Wording` port (the texts live with the handlers).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol, assert_never

from reminders.alerts import AlertRules, Alerts, commune_alerts
from reminders.calendar import (
    Period,
    Schedule,
    WorkingDays,
    at_vn,
    deadline_of,
    month_of,
    parse_period,
    reminder_days,
    vn_today,
    week_of,
)
from reminders.cumulative import year_to_date
from reminders.ontime import MonthState, month_state
from reminders.progress import UnitProgress, children_progress, tally_view, villages_missing
from storage.db import Database
from storage.models import Level, Member, OutboxKind, Role, Unit, pk
from storage.store import Store

log = logging.getLogger(__name__)

VILLAGE_ROLES = (Role.member, Role.village_lead)
ADMIN_ROLES = (Role.district_admin, Role.province_admin)
LEADER_ROLES = (Role.commune_leader, *ADMIN_ROLES)


@dataclass(frozen=True)
class Outreach:
    """What one reminder run did for the members of some villages still without a report."""

    reminded: int = 0  # members a reminder went to
    away: tuple[str, ...] = ()  # names of members away (`/vang`): not reminded
    no_chat: tuple[str, ...] = ()  # names of members who never wrote to the bot privately
    empty: tuple[str, ...] = ()  # villages without any active member


@dataclass
class ReminderRun:
    """Per village id, what the reminder run did: the source of the escalations' words."""

    staffed: set[int]  # villages with at least one active member
    reminded: dict[int, list[str]] = field(default_factory=dict)
    away: dict[int, list[str]] = field(default_factory=dict)
    no_chat: dict[int, list[str]] = field(default_factory=dict)

    def outreach(self, villages: list[Unit]) -> Outreach:
        ids = [pk(v) for v in villages]
        return Outreach(
            reminded=sum(len(self.reminded.get(i, [])) for i in ids),
            away=tuple(name for i in ids for name in self.away.get(i, [])),
            no_chat=tuple(name for i in ids for name in self.no_chat.get(i, [])),
            empty=tuple(v.name for v in villages if v.id not in self.staffed),
        )


class Wording(Protocol):
    def reminder(
        self,
        name: str,
        unit: str,
        period: str,
        deadline: date,
        labels: Mapping[str, str] | None = None,  # the indicators in use, for the example
    ) -> str: ...
    def escalation(
        self,
        unit: str,
        missing: list[Unit],
        period: str,
        deadline: date,
        unreachable: list[str],
        outreach: Outreach,
    ) -> str: ...
    def deadline_summary(self, unit: str, rows: list[UnitProgress], period: str) -> str: ...
    def tally(
        self,
        top: UnitProgress,
        rows: list[UnitProgress],
        missing: list[Unit],
        week: Period,
        month: Period,
        labels: Mapping[str, str],
    ) -> str: ...
    def chart(
        self, top: UnitProgress, rows: list[UnitProgress], month: Period, labels: Mapping[str, str]
    ) -> bytes | None: ...
    def year_to_date(
        self, top: UnitProgress, year: str, upto: date, labels: Mapping[str, str]
    ) -> str: ...
    def alerts(self, unit: str, found: Alerts, labels: Mapping[str, str]) -> str: ...
    def month_state(self, state: MonthState) -> str: ...
    def not_signed_off(self, names: list[str], period: str) -> str: ...


class EventKind(enum.StrEnum):
    remind = "remind"  # reminders, and on their days escalations and deadline summaries
    tally = "tally"  # the weekly tally of each bound group


@dataclass(frozen=True)
class Event:
    key: str
    kind: EventKind
    day: date
    moment: datetime
    offsets: frozenset[int] = frozenset()
    month: str = ""  # the month a reminder is for (a deadline moved past its month's end)


@dataclass
class Planner:
    schedule: Schedule = field(default_factory=Schedule)
    days: WorkingDays = field(default_factory=WorkingDays)
    grace: timedelta = timedelta(hours=12)
    alerts: AlertRules = field(default_factory=AlertRules)

    def events_between(self, start: datetime, end: datetime) -> list[Event]:
        """Events whose moment is in (start, end], oldest first."""
        events = []
        day = vn_today(start)
        while day <= vn_today(end):
            if found := self.reminders_on(day):
                month, offsets = found
                moment = at_vn(day, self.schedule.send_at)
                found_offsets = frozenset(offsets)
                key = f"remind:{day}"
                events.append(Event(key, EventKind.remind, day, moment, found_offsets, month.key))
            if day.weekday() == self.schedule.tally_weekday:
                week = week_of(day - timedelta(days=7))
                moment = at_vn(day, self.schedule.tally_at)
                events.append(Event(f"tally:{week.key}", EventKind.tally, day, moment))
            day += timedelta(days=1)
        return sorted((e for e in events if start < e.moment <= end), key=lambda e: e.moment)

    def reminders_on(self, day: date) -> tuple[Period, set[int]] | None:
        """The month whose reminders fall on a day, and their offsets: the day's own month,
        or the month before when its deadline moved past its end (art. 148)."""
        this = month_of(day)
        for month in (this, month_of(this.start - timedelta(days=1))):
            if offsets := reminder_days(month, self.schedule, self.days).get(day):
                return month, offsets
        return None

    def is_escalation_day(self, day: date, month: Period | None = None) -> bool:
        """The last two reminder days of the month."""
        days = sorted(reminder_days(month or month_of(day), self.schedule, self.days))
        return day in days[-2:]


async def run_due(db: Database, now: datetime, planner: Planner, wording: Wording) -> list[str]:
    """Run every event due in the grace window that has not run yet; return their keys."""
    ran = []
    for event in planner.events_between(now - planner.grace, now):
        async with db.transaction() as store:
            if not await store.claim_update(f"job:{event.key}"):
                continue
            count = await run_event(store, event, planner, wording)
            log.info("ran %s: %d notifications queued", event.key, count)
            ran.append(event.key)
            await store.commit()
    return ran


async def run_event(store: Store, event: Event, planner: Planner, wording: Wording) -> int:
    """Queue an event's notifications; returns how many were new."""
    match event.kind:
        case EventKind.remind:
            return await remind(store, event, planner, wording)
        case EventKind.tally:
            queued = await tally(store, event, wording, planner.schedule)
            return queued + await alert_leaders(store, event, planner.alerts, wording)
        case unreachable:
            assert_never(unreachable)


async def _queue(
    store: Store,
    key: str,
    kind: OutboxKind,
    chat: tuple[str, str],
    html: str,
    *,
    recipient: Member | None = None,
    is_group: bool = False,
    file: tuple[str, bytes] | None = None,
) -> int:
    """Queue one message; `recipient`: the member it is for, where it is for one."""
    platform, chat_id = chat
    added = await store.outbox.enqueue(
        key, kind=kind, platform=platform, chat_id=chat_id, html=html, is_group=is_group,
        file_name=file[0] if file else None, file_data=file[1] if file else None,
        recipient_id=pk(recipient) if recipient else None,
    )  # fmt: skip
    return int(added)


async def _private_chats(
    store: Store, people: list[tuple[Member, Unit]]
) -> dict[int, tuple[str, str]]:
    return await store.members.private_chats([pk(m) for m, _ in people])


async def remind(store: Store, event: Event, planner: Planner, wording: Wording) -> int:
    """One message per person (several reminders falling on one day make one)."""
    month = parse_period(event.month) if event.month else month_of(event.day)
    deadline = deadline_of(month, planner.schedule, planner.days)
    queued = 0
    run, people = await members_to_remind(store, month, event.day)
    chats = await _private_chats(store, people)
    labels = await store.indicators.labels() if people else {}
    for member, unit in people:
        chat = chats.get(pk(member))
        if chat is None:
            run.no_chat.setdefault(pk(unit), []).append(member.name)
            continue
        html = wording.reminder(member.name, unit.name, month.key, deadline, labels)
        key = f"reminder:{month.key}:{event.day}:{member.id}"
        queued += await _queue(store, key, OutboxKind.reminder, chat, html, recipient=member)
        run.reminded.setdefault(pk(unit), []).append(member.name)
    if planner.is_escalation_day(event.day, month):
        queued += await _escalate(store, event, month, deadline, wording, run)
    if 0 in event.offsets:
        queued += await _deadline_summaries(store, event, month, wording, planner.schedule)
    return queued


async def members_to_remind(
    store: Store, month: Period, today: date
) -> tuple[ReminderRun, list[tuple[Member, Unit]]]:
    """Active village members, not away, whose village has no report in the month yet;
    and the run's record, with who is away and which villages have no active member."""
    people = [
        (m, u) for m, u in await store.members.with_roles(VILLAGE_ROLES) if u.level is Level.village
    ]
    run = ReminderRun(staffed={pk(u) for _, u in people})
    reported = await store.tallies.villages_with_reports(month.key)
    for root in await store.units.roots():  # "không phát sinh": reported, with zeros
        reported |= await store.nothing.in_subtree(root, [month.key])
    due = []
    for member, unit in people:
        if unit.id in reported:
            continue
        if member.absent_until is not None and member.absent_until >= today:
            run.away.setdefault(pk(unit), []).append(member.name)
        else:
            due.append((member, unit))
    return run, due


async def _escalate(
    store: Store, event: Event, month: Period, deadline: date, wording: Wording, run: ReminderRun
) -> int:
    queued = 0
    leaders = await store.members.with_roles([Role.commune_leader])
    chats = await _private_chats(store, leaders)
    unreached = await _unreached(store, month)
    for leader, unit in leaders:
        missing = await villages_missing(store, unit, month)
        chat = chats.get(pk(leader))
        if missing and chat:
            names = sorted(m.name for m, u in unreached if u.path.startswith(unit.path))
            outreach = run.outreach(missing)
            html = wording.escalation(unit.name, missing, month.key, deadline, names, outreach)
            key = f"escalation:{month.key}:{event.day}:{leader.id}"
            queued += await _queue(store, key, OutboxKind.escalation, chat, html, recipient=leader)
    return queued


async def _unreached(store: Store, month: Period) -> list[tuple[Member, Unit]]:
    """Members whose reminders this month could not be delivered (e.g. outside a window)."""
    ids = await store.outbox.unreached(f"reminder:{month.key}:")
    people = []
    for member_id in sorted(ids):
        member = await store.members.get(member_id)
        unit = await store.units.get(member.unit_id) if member else None
        if member and unit:
            people.append((member, unit))
    return people


async def _deadline_summaries(
    store: Store, event: Event, month: Period, wording: Wording, schedule: Schedule
) -> int:
    queued = 0
    admins = await store.members.with_roles(ADMIN_ROLES)
    chats = await _private_chats(store, admins)
    for admin, unit in admins:
        chat = chats.get(pk(admin))
        if not chat:
            continue
        _, rows = await children_progress(store, unit, month)
        html = wording.deadline_summary(unit.name, rows, month.key)
        state = await month_state(store, unit, month, event.moment, schedule)
        if state.communes:  # the communes that have not signed the month off
            html += f"\n{wording.not_signed_off(state.not_signed, month.key)}"
        key = f"deadline:{month.key}:{admin.id}"
        queued += await _queue(store, key, OutboxKind.escalation, chat, html, recipient=admin)
    return queued


async def tally(
    store: Store, event: Event, wording: Wording, schedule: Schedule | None = None
) -> int:
    week = week_of(event.day - timedelta(days=7))
    whole_month = month_of(week.end)
    month = Period(whole_month.key, whole_month.start, week.end)  # to date: as of that Sunday
    targets: list[tuple[str, tuple[str, str], bool, Unit]] = []
    bound = await store.chats.bound()
    for chat, unit in bound:
        key = f"tally:{week.key}:{chat.platform}:{chat.chat_id}"
        targets.append((key, (chat.platform, chat.chat_id), True, unit))
    # A unit without a group (Zalo groups are in beta, some communes have none) still gets
    # its tally: in its leaders' private chats.
    with_group = {unit.id for _, unit in bound}
    leaders = [
        (m, u) for m, u in await store.members.with_roles(LEADER_ROLES) if u.id not in with_group
    ]
    chats = await _private_chats(store, leaders)
    for leader, unit in leaders:
        if private := chats.get(pk(leader)):
            targets.append((f"tally:{week.key}:member:{leader.id}", private, False, unit))
    queued = 0
    labels = await store.indicators.labels()
    for key, target, is_group, unit in targets:
        top, rows, missing = await tally_view(store, unit, month, week)
        html = wording.tally(top, rows, missing, week, month, labels)
        year, _ = await year_to_date(store, unit, week.end)
        html += "\n" + wording.year_to_date(year, str(week.end.year), week.end, labels)
        if unit.level is not Level.village:  # the month's sign-off and on-time rate
            state = await month_state(store, unit, whole_month, event.moment, schedule)
            html += f"\n{wording.month_state(state)}"
        png = wording.chart(top, rows, month, labels)
        file = (f"tien-do-{unit.code}-{week.key}.png", png) if png else None
        queued += await _queue(
            store, key, OutboxKind.tally, target, html, is_group=is_group, file=file
        )
    return queued


async def alert_leaders(store: Store, event: Event, rules: AlertRules, wording: Wording) -> int:
    """With the weekly tally: each commune leader's alerts (reminders.alerts), in a private
    message; none when there is nothing to say."""
    week = week_of(event.day - timedelta(days=7))
    leaders = await store.members.with_roles([Role.commune_leader])
    chats = await _private_chats(store, leaders)
    labels = await store.indicators.labels()
    found: dict[int, Alerts] = {}
    queued = 0
    for leader, unit in leaders:
        chat = chats.get(pk(leader))
        if chat is None:
            continue
        if (pk(unit)) not in found:
            found[pk(unit)] = await commune_alerts(store, unit, week, rules)
        if alerts := found[pk(unit)]:
            html = wording.alerts(unit.name, alerts, labels)
            key = f"alerts:{week.key}:{leader.id}"
            queued += await _queue(store, key, OutboxKind.alert, chat, html, recipient=leader)
    return queued
