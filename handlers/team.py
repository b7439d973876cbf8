"""Leaders manage their people: `/moi` (an invite with its QR code), `/thanhvien`,
`/khoa` (asks to confirm first), `/mokhoa`, `/vaitro`."""

from __future__ import annotations

from datetime import timedelta

from handlers import texts_join, texts_members, texts_team
from handlers.context import Ctx, UserError
from handlers.permissions import managed_member, require_may_give, require_role, role_named
from handlers.progress import unit_arg
from handlers.qr import invite_link, qr_png
from handlers.types import Button, File, Reply
from storage.models import AuditAction, Role, pk

INVITE_DAYS = 30
LOCK_ACTION = "lock"  # buttons "lock:ok:12" / "lock:no:12"; typed twin "/xacnhan khoa 12"


async def invite(ctx: Ctx, args: str) -> Reply:
    """`/moi [UNIT] [ROLE]`: a 30-day invite to a unit of my subtree, for a role up to mine."""
    member, _ = ctx.me()
    words = args.split()
    if words and role_named(" ".join(words)) is not None:  # `/moi tổ trưởng thôn`: my unit
        words = ["", *words]
    unit = await unit_arg(ctx, words[0] if words else "")
    role_text = " ".join(words[1:]) or Role.member.value
    role = role_named(role_text)
    if role is None:
        raise UserError(texts_members.role_unknown(role_text))
    require_may_give(ctx, role)
    created = await ctx.store.invites.create(
        pk(unit),
        role,
        expires_at=ctx.now + timedelta(days=INVITE_DAYS),
        created_by=member.id,
    )
    await ctx.store.audit(member.id, AuditAction.invite, f"{created.code} {unit.code} {role}")
    link = invite_link(ctx.msg.bot_username or None, created.code)
    picture = File(f"moi-{created.code}.png", qr_png(link), photo=True)
    html = texts_join.invite_created(created.code, link, unit.name, role, INVITE_DAYS)
    return Reply(html, files=(picture,), invite_code=created.code)


async def members(ctx: Ctx, args: str) -> Reply:
    """`/thanhvien [UNIT]`: the people of a unit of my subtree, with their ids."""
    unit = await unit_arg(ctx, args)
    people = await ctx.store.members.in_subtree(unit)
    return Reply(texts_team.member_list(unit.name, people))


async def deactivate(ctx: Ctx, args: str) -> Reply:
    """`/khoa ID`: asks to confirm locking a member of my subtree (a lower role)."""
    target, unit = await managed_member(ctx, args, "lock", texts_members.LOCK_USAGE)
    if not target.active:
        return Reply(texts_team.already_inactive(target.name))
    number = pk(target)
    buttons = (
        Button(texts_members.LOCK_BUTTON, f"{LOCK_ACTION}:ok:{number}"),
        Button(texts_members.LOCK_DROP_BUTTON, f"{LOCK_ACTION}:no:{number}"),
    )
    return Reply(texts_members.lock_confirm(target.name, unit.name, number), buttons=buttons)


async def confirm_lock(ctx: Ctx, action: str) -> Reply:
    """The buttons of `/khoa`'s question, or `/xacnhan khoa ID`: every check again, then lock.
    Their entries stay counted."""
    require_role(ctx, Role.village_lead)
    me, _ = ctx.me()
    _, verb, number = [*action.split(":"), "", ""][:3]
    if verb != "ok":
        return Reply(texts_members.LOCK_DROPPED, notice=True, clear_buttons=True)
    target, unit = await managed_member(ctx, number, "lock", texts_members.LOCK_USAGE)
    if not target.active:
        return Reply(texts_team.already_inactive(target.name), clear_buttons=True)
    await ctx.store.members.set_active(target, False)
    await ctx.store.audit(me.id, AuditAction.deactivate, f"{target.id} {target.name}")
    return Reply(texts_members.locked(target.name, unit.name, pk(target)), clear_buttons=True)


async def reactivate(ctx: Ctx, args: str) -> Reply:
    """`/mokhoa ID`: a locked member of my subtree (a lower role) may report again."""
    me, _ = ctx.me()
    target, unit = await managed_member(ctx, args, "unlock", texts_members.UNLOCK_USAGE)
    if target.active:
        return Reply(texts_members.already_active(target.name))
    await ctx.store.members.set_active(target, True)
    await ctx.store.audit(me.id, AuditAction.reactivate, f"{target.id} {target.name}")
    return Reply(texts_members.unlocked(target.name, unit.name))


async def change_role(ctx: Ctx, args: str) -> Reply:
    """`/vaitro ID ROLE`: a member of my subtree (a lower role) gets a role up to mine."""
    me, _ = ctx.me()
    number, _, role_text = args.strip().partition(" ")
    if not role_text.strip():
        raise UserError(texts_members.role_usage())
    target, _ = await managed_member(ctx, number, "role", texts_members.role_usage())
    role = role_named(role_text)
    if role is None:
        raise UserError(texts_members.role_unknown(role_text.strip()))
    require_may_give(ctx, role)
    if role == target.role:
        return Reply(texts_members.role_same(target.name, role))
    old = target.role
    await ctx.store.members.set_role(target, role)
    ctx.role_changed.append(target)
    await ctx.store.audit(me.id, AuditAction.role, f"{target.id} {old} -> {role}")
    return Reply(texts_members.role_changed(target.name, old, role))
