"""Who may do what, and where: a role at least as high as the command needs, and a unit
inside the person's own subtree."""

from __future__ import annotations

import re

from handlers import texts, texts_members
from handlers.context import Ctx, UserError
from handlers.folding import fold
from storage.models import Member, Role, Unit

RANK = {
    Role.member: 0,
    Role.village_lead: 1,
    Role.commune_leader: 2,
    Role.district_admin: 3,
    Role.province_admin: 4,
}


def at_least(role: Role, needed: Role) -> bool:
    return RANK[role] >= RANK[needed]


def inside(unit: Unit, scope: Unit) -> bool:
    """True when `unit` is `scope` or below it in the tree."""
    return unit.path.startswith(scope.path)


def require_role(ctx: Ctx, needed: Role) -> None:
    member, _ = ctx.me()
    if not at_least(member.role, needed):
        raise UserError(texts.not_allowed(needed))


def require_inside(ctx: Ctx, unit: Unit) -> None:
    _, scope = ctx.me()
    if not inside(unit, scope):
        raise UserError(texts.outside_unit(unit.name))


def _squash(text: str) -> str:
    """Folded, with every space and mark gone: "Tổ trưởng thôn" -> "totruongthon"."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


# Role names as the bot lists them (with or without diacritics, any case), short forms,
# and the English enum names ("village_lead", "village lead").
ROLE_WORDS: dict[str, Role] = (
    {_squash(name): Role(role) for role, name in texts.ROLE_NAMES.items()}
    | {_squash(role.value): role for role in Role}
    | {
        "thanhvien": Role.member, "totruong": Role.village_lead, "lanhdaoxa": Role.commune_leader,
        "quantrihuyen": Role.district_admin, "quantricum": Role.district_admin,
        "quantritinh": Role.province_admin,
    }
)  # fmt: skip


def role_named(text: str) -> Role | None:
    return ROLE_WORDS.get(_squash(text))


def require_may_give(ctx: Ctx, role: Role) -> None:
    """A role can be given (by invite or /vaitro) up to one's own."""
    member, _ = ctx.me()
    if RANK[role] > RANK[member.role]:
        raise UserError(texts_members.role_too_high(role, member.role))


async def managed_member(ctx: Ctx, number: str, action: str, usage: str) -> tuple[Member, Unit]:
    """The member `#number` if I may manage them: in my subtree, of a lower role, not me.
    Each refusal names its reason."""
    me, scope = ctx.me()
    number = number.strip().lstrip("#")
    if not number.isdigit():
        raise UserError(usage)
    target = await ctx.store.members.get(int(number))
    unit = await ctx.store.units.get(target.unit_id) if target else None
    if target is None or unit is None:
        raise UserError(texts_members.member_not_found(number))
    if target.id == me.id:
        raise UserError(texts_members.not_yourself(action))
    if not inside(unit, scope):
        raise UserError(texts_members.member_outside(number))
    if RANK[target.role] >= RANK[me.role]:
        raise UserError(texts_members.target_too_high(target.name, target.role, me.role))
    return target, unit
