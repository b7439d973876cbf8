"""Groups, absences and notices: `/ganhom`, `/vang`, `/tonghop`, `/thongbao`, `/huythongbao`."""

from __future__ import annotations

from datetime import timedelta

from handlers import texts_notices, texts_reminders, texts_safety, texts_team
from handlers.context import Ctx, UserError
from handlers.folding import fold
from handlers.grammar import ReportError, parse_day
from handlers.permissions import RANK, inside
from handlers.progress import unit_arg
from handlers.types import Button, File, Reply
from reminders.calendar import month_of, week_of
from reminders.cumulative import year_to_date
from reminders.progress import tally_view
from storage.models import AuditAction, BroadcastStatus, OutboxKind, pk

MAX_ABSENCE = timedelta(days=180)
MAX_NOTICE = 1500  # leaves room for the header within Zalo's 2,000 characters


# Commands for which a channel adapter asks the platform, before handling, whether the
# sender administers the group (`Incoming.sender_is_admin`).
ADMIN_COMMANDS = frozenset({"ganhom"})


async def bind_group(ctx: Ctx, args: str) -> Reply:
    """`/ganhom UNIT` in a group: weekly tallies of that unit go to this group.

    Only a group administrator (where the platform tells), and a group already bound is
    only moved by the person who bound it, or by someone of a higher role whose subtree
    holds the bound unit (anyone of that subtree at least the binder's role, once the
    binder is locked or gone). A leader of another commune never takes a group."""
    if not ctx.msg.is_group:
        raise UserError(texts_team.GROUP_ONLY)
    if ctx.msg.sender_is_admin is False:
        raise UserError(texts_safety.BIND_NOT_ADMIN)
    if not args.strip():
        raise UserError(texts_team.BIND_USAGE)
    unit = await unit_arg(ctx, args)
    member, _ = ctx.me()
    await _may_rebind(ctx)
    await ctx.store.chats.bind(
        ctx.msg.platform, ctx.msg.chat_id, unit, title=ctx.msg.chat_title, by=member.id
    )
    await ctx.store.audit(
        member.id, AuditAction.bind, f"{ctx.msg.platform}:{ctx.msg.chat_id} {unit.code}"
    )
    return Reply(texts_team.group_bound(unit.name))


async def _may_rebind(ctx: Ctx) -> None:
    member, scope = ctx.me()
    chat = await ctx.store.chats.find(ctx.msg.platform, ctx.msg.chat_id)
    if chat is None or chat.unit_id is None:
        return
    binder = await ctx.store.members.get(chat.bound_by) if chat.bound_by else None
    if binder is not None and binder.id == member.id:
        return
    bound = await ctx.store.units.get(chat.unit_id)
    assert bound is not None
    if inside(bound, scope):
        if binder is None:  # no binder recorded: anyone responsible for the unit
            return
        # Above an active binder; a locked binder's peers may take over.
        if RANK[member.role] > RANK[binder.role] - (0 if binder.active else 1):
            return
    name, role = (binder.name, binder.role) if binder else (None, None)
    raise UserError(texts_safety.bind_taken(bound.name, name, role))


async def away(ctx: Ctx, args: str) -> Reply:
    """`/vang 30/11`: no reminders until that day; `/vang hủy` ends it early."""
    member, _ = ctx.me()
    if fold(args).strip() in ("huy", "xong", "het"):
        await ctx.store.members.set_absent(member, None)
        return Reply(texts_team.AWAY_CLEARED)
    try:
        until = parse_day(args, ctx.today)
    except ReportError as err:
        raise UserError(texts_team.away_usage(ctx.today)) from err
    if until is None or until < ctx.today or until > ctx.today + MAX_ABSENCE:
        raise UserError(texts_team.away_usage(ctx.today))
    await ctx.store.members.set_absent(member, until)
    return Reply(texts_team.away_set(until))


async def tally_now(ctx: Ctx, args: str) -> Reply:
    """`/tonghop [UNIT]`: this week's tally now, as the Monday one (text and chart)."""
    unit = await unit_arg(ctx, args)
    week, month = week_of(ctx.today), month_of(ctx.today)
    top, rows, missing = await tally_view(ctx.store, unit, month, week)
    labels = await ctx.labels()
    wording = texts_reminders.WORDING
    html = wording.tally(top, rows, missing, week, month, labels)
    year, _ = await year_to_date(ctx.store, unit, ctx.today)
    html += "\n" + wording.year_to_date(year, str(ctx.today.year), ctx.today, labels)
    png = wording.chart(top, rows, month, labels)
    files = (File(f"tien-do-{unit.code}-{week.key}.png", png, photo=True),) if png else ()
    return Reply(html, files=files)


async def notice(ctx: Ctx, args: str) -> Reply:
    """`/thongbao TEXT`: shows who will receive it and asks to confirm."""
    member, unit = ctx.me()
    text = args.strip()
    if not text:
        raise UserError(texts_notices.NOTICE_USAGE)
    if len(text) > MAX_NOTICE:
        raise UserError(texts_notices.notice_too_long(len(text), MAX_NOTICE))
    people = await ctx.store.members.in_subtree(unit)
    chats = await ctx.store.members.private_chats([pk(m) for m, _ in people if m.active])
    groups = await ctx.store.chats.bound(unit)
    draft = await ctx.store.broadcasts.draft(
        pk(member), pk(unit), text, (ctx.msg.platform, ctx.msg.chat_id)
    )
    buttons = (
        Button(texts_notices.NOTICE_SEND, f"bcast:ok:{draft.id}"),
        Button(texts_notices.NOTICE_DROP, f"bcast:no:{draft.id}"),
    )
    preview = texts_notices.notice_preview(text, len(chats), len(groups), unit.name, pk(draft))
    return Reply(preview, buttons=buttons)


async def confirm(ctx: Ctx, action: str) -> Reply:
    """The confirm / drop buttons of a notice preview: queue one message per recipient."""
    member, unit = ctx.me()
    _, verb, number = [*action.split(":"), "", ""][:3]
    draft = await ctx.store.broadcasts.get(int(number)) if number.isdigit() else None
    if draft is None or draft.author_id != member.id:
        raise UserError(texts_notices.NOTICE_NOT_YOURS)
    if draft.status != BroadcastStatus.draft:
        raise UserError(texts_notices.NOTICE_ALREADY)
    if verb != "ok":
        draft.status = BroadcastStatus.cancelled
        return Reply(texts_notices.NOTICE_DROPPED, notice=True, clear_buttons=True)
    html = texts_notices.notice_message(member.name, unit.name, draft.text)
    people = await ctx.store.members.in_subtree(unit)
    targets = list(
        (await ctx.store.members.private_chats([pk(m) for m, _ in people if m.active])).values()
    )
    targets += [(c.platform, c.chat_id) for c, _ in await ctx.store.chats.bound(unit)]
    groups = {(c.platform, c.chat_id) for c, _ in await ctx.store.chats.bound(unit)}
    for platform, chat_id in dict.fromkeys(targets):
        await ctx.store.outbox.enqueue(
            f"broadcast:{draft.id}:{platform}:{chat_id}", kind=OutboxKind.broadcast,
            platform=platform, chat_id=chat_id, html=html, is_group=(platform, chat_id) in groups,
            broadcast_id=draft.id, not_before=ctx.now,
        )  # fmt: skip
    draft.status, draft.total = BroadcastStatus.sending, len(dict.fromkeys(targets))
    await ctx.store.audit(member.id, AuditAction.broadcast, f"{draft.id} to {draft.total}")
    return Reply(texts_notices.notice_sending(draft.total), clear_buttons=True)


async def stop_notice(ctx: Ctx, _args: str) -> Reply:
    """`/huythongbao`: what of my last notice has not gone out yet stays unsent."""
    member, _ = ctx.me()
    draft = await ctx.store.broadcasts.latest_sending(pk(member))
    if draft is None:
        raise UserError(texts_notices.NOTICE_NONE)
    stopped = await ctx.store.outbox.cancel_broadcast(pk(draft))
    draft.status = BroadcastStatus.cancelled
    await ctx.store.audit(member.id, AuditAction.broadcast_stop, f"{draft.id} stopped {stopped}")
    return Reply(texts_notices.notice_stopped(stopped, draft.total))
