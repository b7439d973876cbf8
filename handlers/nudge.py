"""`/nhacnho [UNIT]`: a leader reminds, now, only the members of the villages of their
subtree still missing this month; each member at most once a Vietnam day (the `nudge`
log's unique key), through the outbox. The button under `/chuabaocao` and the web
dashboard's form come here too."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from handlers import texts_nudge
from handlers.context import Ctx, UserError
from handlers.permissions import require_inside, require_role
from handlers.progress import NUDGE_ACTION, unit_arg
from handlers.types import Reply
from reminders.calendar import month_of
from reminders.progress import villages_missing
from storage.models import AuditAction, Member, OutboxKind, Role, Unit, pk

ACTION = NUDGE_ACTION  # the button under `/chuabaocao`: `nudge:UNIT_ID`
VILLAGE_ROLES = (Role.member, Role.village_lead)


@dataclass
class Outcome:
    reached: list[str] = field(default_factory=list)
    nudged_today: list[str] = field(default_factory=list)
    away: list[str] = field(default_factory=list)
    no_chat: list[str] = field(default_factory=list)


async def nudge(ctx: Ctx, args: str) -> Reply:
    """`/nhacnho [UNIT]` (and the web form): the role and the unit's place in the subtree
    are checked (the registry checks the role of a chat command too: the web form comes
    here without it)."""
    require_role(ctx, Role.village_lead)
    return await _nudge(ctx, await unit_arg(ctx, args))


async def press(ctx: Ctx, action: str) -> Reply:
    """The button `nudge:UNIT_ID`: the command's own role and subtree checks."""
    require_role(ctx, Role.village_lead)
    _, _, number = action.partition(":")
    unit = await ctx.store.units.get(int(number)) if number.isdigit() else None
    if unit is None:
        raise UserError(texts_nudge.BUTTON_STALE)
    require_inside(ctx, unit)
    return await _nudge(ctx, unit)


async def _nudge(ctx: Ctx, scope: Unit) -> Reply:
    leader, _ = ctx.me()
    period = month_of(ctx.today)
    missing = await villages_missing(ctx.store, scope, period)
    if not missing:
        return Reply(texts_nudge.nothing_missing(scope.name, period.key))
    villages = {v.id: v for v in missing}
    people = [
        (m, u)
        for m, u in await ctx.store.members.in_subtree(scope)
        if u.id in villages and m.active and m.role in VILLAGE_ROLES and m.id != leader.id
    ]
    staffed = {u.id for _, u in people}
    ids = [pk(m) for m, _ in people]
    already = await ctx.store.nudges.nudged_on(ids, ctx.today) | await _reminded_today(ctx, ids)
    chats = await ctx.store.members.private_chats(ids)
    done = Outcome()
    for member, village in people:
        await _one(ctx, done, member, village, period.key, already, chats.get(pk(member)))
    empty = [v.name for v in missing if v.id not in staffed]
    await ctx.store.audit(
        leader.id, AuditAction.nudge, f"{scope.code} {period.key} {len(done.reached)}"
    )
    html = texts_nudge.nudge_done(
        scope.name, period.key, len(missing), done.reached, done.nudged_today, done.away,
        done.no_chat, empty,
    )  # fmt: skip
    return Reply(html)


async def _reminded_today(ctx: Ctx, member_ids: list[int]) -> set[int]:
    """Members the schedule reminded today (reminders.due's keys: this month's, or the
    month before's when its deadline moved into this one): one reminder a day is enough."""
    this = month_of(ctx.today)
    months = (this.key, month_of(this.start - timedelta(days=1)).key)
    keys = {f"reminder:{m}:{ctx.today}:{i}": i for i in member_ids for m in months}
    return {keys[k] for k in await ctx.store.nudges.queued(list(keys))}


async def _one(
    ctx: Ctx,
    done: Outcome,
    member: Member,
    village: Unit,
    month: str,
    already: set[int],
    chat: tuple[str, str] | None,
) -> None:
    leader, _ = ctx.me()
    member_id = pk(member)
    if member_id in already:
        done.nudged_today.append(member.name)
    elif member.absent_until is not None and member.absent_until >= ctx.today:
        done.away.append(member.name)
    elif chat is None:
        done.no_chat.append(member.name)
    elif not await ctx.store.nudges.record(
        member_id=member_id, unit_id=pk(village), day=ctx.today, by=pk(leader),
        at=ctx.now,
    ):  # fmt: skip
        done.nudged_today.append(member.name)  # another leader's nudge at the same moment
    else:
        html = texts_nudge.nudge_message(member.name, village.name, month, leader.name)
        await ctx.store.outbox.enqueue(
            f"nudge:{ctx.today}:{member_id}", kind=OutboxKind.reminder, platform=chat[0],
            chat_id=chat[1], html=html, recipient_id=member_id, not_before=ctx.now,
        )  # fmt: skip
        done.reached.append(member.name)
