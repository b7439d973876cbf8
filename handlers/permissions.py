"""Who may do what, and where: a role at least as high as the command needs, and a unit
inside the person's own subtree."""

from __future__ import annotations

from handlers import texts
from handlers.context import Ctx, UserError
from storage.models import Role, Unit

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
