"""Leaders manage their people: `/moi` (an invite with its QR code), `/thanhvien`, `/khoa`."""

from __future__ import annotations

from datetime import timedelta

from handlers import texts
from handlers.context import Ctx, UserError
from handlers.folding import fold
from handlers.permissions import RANK, inside, require_role
from handlers.progress import unit_arg
from handlers.qr import invite_link, qr_png
from handlers.types import File, Reply
from storage.models import Role

INVITE_DAYS = 30
ROLE_WORDS = {fold(name): role for role, name in texts.ROLE_NAMES.items()} | {
    "thanhvien": "member", "totruong": "village_lead", "lanhdaoxa": "commune_leader",
    "quantrihuyen": "district_admin", "quantritinh": "province_admin",
} | {role.value: role.value for role in Role}  # fmt: skip


async def invite(ctx: Ctx, args: str) -> Reply:
    """`/moi [UNIT] [ROLE]`: a 30-day invite to a unit of my subtree, for a role up to mine."""
    require_role(ctx, Role.village_lead)
    member, _ = ctx.me()
    words = args.split()
    unit = await unit_arg(ctx, words[0] if words else "")
    role_word = fold("".join(words[1:])) if len(words) > 1 else "member"
    role = ROLE_WORDS.get(role_word) or ROLE_WORDS.get(role_word.replace(" ", ""))
    if role is None:
        raise UserError(texts.role_unknown(" ".join(words[1:])))
    if RANK[Role(role)] > RANK[member.role]:
        raise UserError(texts.not_allowed(role))
    created = await ctx.store.invites.create(
        unit.id or 0,
        Role(role),
        expires_at=ctx.now + timedelta(days=INVITE_DAYS),
        created_by=member.id,
    )
    await ctx.store.audit(member.id, "invite", f"{created.code} {unit.code} {role}")
    link = invite_link(ctx.msg.bot_username or None, created.code)
    picture = File(f"moi-{created.code}.png", qr_png(link), photo=True)
    return Reply(
        texts.invite_created(created.code, link, unit.name, role, INVITE_DAYS), files=(picture,)
    )


async def members(ctx: Ctx, args: str) -> Reply:
    """`/thanhvien [UNIT]`: the people of a unit of my subtree, with their ids."""
    require_role(ctx, Role.village_lead)
    unit = await unit_arg(ctx, args)
    people = await ctx.store.members.in_subtree(unit)
    return Reply(texts.member_list(unit.name, people))


async def deactivate(ctx: Ctx, args: str) -> Reply:
    """`/khoa ID`: stop a member of my subtree (a lower role); their entries stay counted."""
    require_role(ctx, Role.village_lead)
    me, scope = ctx.me()
    number = args.strip().lstrip("#")
    if not number.isdigit():
        raise UserError(texts.DEACTIVATE_USAGE)
    target = await ctx.store.members.get(int(number))
    unit = await ctx.store.units.get(target.unit_id) if target else None
    if target is None or unit is None or not inside(unit, scope):
        raise UserError(texts.member_unknown(number))
    if RANK[target.role] >= RANK[me.role] or target.id == me.id:
        raise UserError(texts.not_allowed(target.role))
    if not target.active:
        return Reply(texts.already_inactive(target.name))
    target.active = False
    await ctx.store.audit(me.id, "deactivate", f"{target.id} {target.name}")
    return Reply(texts.deactivated(target.name, unit.name))
