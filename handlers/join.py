"""Joining a unit with an invite code (`/start CODE` from a deep link, `/thamgia CODE`)."""

from __future__ import annotations

from handlers import rejoin, texts_join, throttle
from handlers.context import Ctx, UserError
from handlers.throttle import Guarded
from handlers.types import Reply
from storage.models import AuditAction, pk


async def join(ctx: Ctx, args: str) -> Reply:
    code = args.strip().split()[0].upper() if args.strip() else ""
    if not code:
        if ctx.member is not None:
            _, unit = ctx.me()
            return Reply(texts_join.already_member(unit.name))
        raise UserError(texts_join.INVITE_MISSING)
    await throttle.check(ctx, Guarded.invite)
    invite = await ctx.store.invites.by_code(code)
    if invite is None:  # returned, not raised: the wrong try is counted (handlers.throttle)
        return await throttle.failed(ctx, Guarded.invite, texts_join.invite_unknown(code))
    if ctx.member is not None:  # already a member, or locked: the invite may change that
        await throttle.succeeded(ctx, Guarded.invite)
        return await rejoin.apply_invite(ctx, invite, code)
    if not await ctx.store.invites.use(invite, ctx.now):
        return await throttle.failed(ctx, Guarded.invite, texts_join.invite_spent(code))
    await throttle.succeeded(ctx, Guarded.invite)
    joined_unit = await ctx.store.units.get(invite.unit_id)
    assert joined_unit is not None
    name = ctx.msg.display_name.strip() or f"{ctx.msg.platform}:{ctx.msg.user_id}"
    member = await ctx.store.members.add(name[:80], joined_unit, invite.role)
    identity = await ctx.store.members.link(member, ctx.msg.platform, ctx.msg.user_id, name[:80])
    identity.last_seen_at = ctx.now
    if not ctx.msg.is_group:
        identity.private_chat_id = ctx.msg.chat_id
    ctx.role_changed.append(member)
    await ctx.store.rosters.joined(pk(invite), pk(member))  # a roster card: joined
    await ctx.store.audit(member.id, AuditAction.joined, f"{code} {joined_unit.code} {invite.role}")
    labels = await ctx.labels()
    return Reply(texts_join.joined(member.name, joined_unit.name, invite.role, labels))
