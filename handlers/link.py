"""`/lienket`: one person on two apps. A code asked for on one app, sent from the other,
makes both accounts one member: one set of reports, one reminder."""

from __future__ import annotations

from datetime import timedelta

from handlers import texts_join, texts_link, throttle
from handlers.context import Ctx, UserError
from handlers.throttle import Guarded
from handlers.types import Reply
from storage.models import AuditAction, pk

LIFETIME = timedelta(minutes=15)


async def link(ctx: Ctx, args: str) -> Reply:
    code = args.strip().split()[0].upper() if args.strip() else ""
    if not code:
        if ctx.member is None:
            raise UserError(texts_join.STRANGER)
        made = await ctx.store.links.create(pk(ctx.member), ctx.msg.platform, ctx.now + LIFETIME)
        minutes = int(LIFETIME.total_seconds() // 60)
        return Reply(texts_link.link_code(made, minutes), link_code=made)
    await throttle.check(ctx, Guarded.link)
    used = await ctx.store.links.use(code, ctx.now)
    if used is None:  # returned, not raised: the wrong try is counted (handlers.throttle)
        return await throttle.failed(ctx, Guarded.link, texts_link.LINK_BAD_CODE)
    await throttle.succeeded(ctx, Guarded.link)
    if used.platform == ctx.msg.platform:
        raise UserError(texts_link.LINK_SAME_APP)
    owner = await ctx.store.members.get(used.member_id)
    assert owner is not None
    if ctx.member is not None and ctx.member.id == owner.id:
        return Reply(texts_link.LINK_ALREADY)
    if ctx.member is None:
        identity = await ctx.store.members.link(
            owner, ctx.msg.platform, ctx.msg.user_id, ctx.msg.display_name
        )
        identity.last_seen_at = ctx.now
        if not ctx.msg.is_group:
            identity.private_chat_id = ctx.msg.chat_id
    elif ctx.member.unit_id != owner.unit_id:
        raise UserError(texts_link.LINK_OTHER_UNIT)
    else:
        await ctx.store.links.merge(owner, ctx.member)
    await ctx.store.audit(owner.id, AuditAction.link, f"{ctx.msg.platform}:{ctx.msg.user_id}")
    return Reply(texts_link.linked(owner.name))
