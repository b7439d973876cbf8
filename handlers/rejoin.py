"""An invite used by someone who is already a member (or was locked): it moves them to the
invite's unit and role, reopens a locked account, or says exactly why it cannot."""

from __future__ import annotations

from handlers import texts_join, texts_members
from handlers.context import Ctx, UserError
from handlers.permissions import RANK, inside
from handlers.types import Reply
from storage.models import AuditAction, Invite, Unit, pk


async def apply_invite(ctx: Ctx, invite: Invite, code: str) -> Reply:
    member, was_unit = ctx.me()
    unit = await ctx.store.units.get(invite.unit_id)
    assert unit is not None
    if member.active and unit.id == member.unit_id and invite.role == member.role:
        return Reply(texts_members.invite_changes_nothing(unit.name, member.role))
    # Refusals below roll the counted use back with everything else.
    if not await ctx.store.invites.use(invite, ctx.now):
        raise UserError(texts_join.invite_spent(code))
    if RANK[invite.role] < RANK[member.role]:
        raise UserError(texts_members.invite_would_demote(code, invite.role, member.role))
    if not await _creator_may_give(ctx, invite, unit):
        raise UserError(texts_members.invite_not_entitled(code))
    was_role, was_locked = member.role, not member.active
    await ctx.store.members.place(member, unit, invite.role)
    ctx.role_changed.append(member)
    await ctx.store.rosters.joined(pk(invite), pk(member))  # a roster card: joined
    state = " locked" if was_locked else ""
    await ctx.store.audit(
        member.id,
        AuditAction.rejoin,
        f"{code} {unit.code} {invite.role} (was {was_unit.code} {was_role}{state})",
    )
    return Reply(
        texts_members.rejoined(
            member.name, unit.name, invite.role, was_unit.name, was_role, was_locked
        )
    )


async def _creator_may_give(ctx: Ctx, invite: Invite, unit: Unit) -> bool:
    """Whoever made the invite may, today, give its unit and role: still active, the unit
    inside their subtree, the role up to theirs. Invites made with the CLI (no creator) come
    from whoever runs the server."""
    if invite.created_by is None:
        return True
    creator = await ctx.store.members.get(invite.created_by)
    scope = await ctx.store.units.get(creator.unit_id) if creator else None
    if creator is None or scope is None or not creator.active:
        return False
    return inside(unit, scope) and RANK[invite.role] <= RANK[creator.role]
