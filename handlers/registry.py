"""Every command, declared once: its name and aliases, the lowest role that may use it, who
needs to be known, its help lines and its place in the Telegram menus. Routing (`app`),
`/help` and the platform menus are generated from `REGISTRY`, in its order.

A command's lowest role is checked here only (handlers.app, before its handler runs); the
handlers check what depends on the arguments (the unit, the member acted on). Paths that
reach an action without a command (buttons, `/xacnhan`) check the role in the action.

The Vietnamese lines live in `texts_help.COMMAND_HELP` and, for the Telegram menus, in
`bot.tg.menus`, keyed by the command's name; a declaration names the keys it shows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from handlers import (
    join,
    link,
    me,
    nothing,
    notices,
    nudge,
    pending,
    progress,
    report,
    signoff,
    team,
    texts_help,
    texts_indicators,
    texts_join,
    web,
)  # fmt: skip
from handlers.context import Ctx
from handlers.folding import fold
from handlers.permissions import at_least
from handlers.types import Reply
from storage.models import Role

Handler = Callable[[Ctx, str], Awaitable[Reply]]


class Who(StrEnum):
    anyone = "anyone"  # strangers too: joining, linking, help
    member = "member"  # a known, active member of at least `min_role`


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    min_role: Role = Role.member
    aliases: tuple[str, ...] = ()
    who: Who = Who.member
    help: tuple[str, ...] = ()  # keys of texts_help.COMMAND_HELP, shown in this order
    private_menu: bool = False  # in the private-chat menu (bot.tg.menus.PRIVATE[name])
    group_menu: bool = False  # in the group menu (bot.tg.menus.GROUP[name])

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def allows(self, role: Role) -> bool:
        return at_least(role, self.min_role)


async def _help(ctx: Ctx, _args: str) -> Reply:
    role = ctx.member.role if ctx.member else Role.member
    labels = await ctx.labels()  # the indicators in use, for the examples
    shortcuts = texts_indicators.shortcut_help(labels)
    private = not ctx.msg.is_group
    keys = help_keys(role)
    return Reply(texts_help.help_text(keys, role, private, ctx.today, shortcuts, labels))


async def _start(ctx: Ctx, args: str) -> Reply:
    if args.strip():
        return await join.join(ctx, args)
    return await _help(ctx, "") if ctx.member else Reply(texts_join.STRANGER)


async def _confirm_typed(ctx: Ctx, args: str) -> Reply:
    """`/xacnhan 12` sends notice 12; `/xacnhan khoa 12` locks member 12; `/xacnhan CODE`
    records a held report or a whole day's undo (codes are never all digits)."""
    first, _, rest = args.strip().partition(" ")
    if fold(first) == "khoa":
        return await team.confirm_lock(ctx, f"{team.LOCK_ACTION}:ok:{rest.strip()}")
    if not args.strip().isdigit():
        return await pending.confirm(ctx, args)
    return await notices.confirm(ctx, f"bcast:ok:{args.strip()}")


LEAD, COMMUNE, ADMIN = Role.village_lead, Role.commune_leader, Role.district_admin
ANY = Who.anyone

REGISTRY: tuple[Command, ...] = (
    Command("bc", report.submit_report, aliases=("baocao", "report"), help=("bc", "vneid"),
            private_menu=True, group_menu=True),
    Command("huy", report.undo, help=("huy",), private_menu=True),
    Command("sua", report.correct, help=("sua",), private_menu=True),
    Command("khongphatsinh", nothing.declare, help=("khongphatsinh",), private_menu=True),
    Command("toi", me.my_totals, help=("toi",), private_menu=True, group_menu=True),
    Command("chitieu", progress.targets, help=("chitieu",)),
    Command("tiendo", progress.progress, LEAD, help=("tiendo",), private_menu=True),
    Command("chuabaocao", progress.not_reported, LEAD, help=("chuabaocao",), private_menu=True),
    Command("nhacnho", nudge.nudge, LEAD, help=("nhacnho",)),
    Command("thanhvien", team.members, LEAD, help=("thanhvien",), private_menu=True),
    Command("khoa", team.deactivate, LEAD, help=("khoa",)),
    Command("mokhoa", team.reactivate, LEAD, help=("mokhoa",)),
    Command("vaitro", team.change_role, LEAD, help=("vaitro",)),
    Command("moi", team.invite, LEAD, help=("moi",), private_menu=True),
    Command("xuat", progress.export, COMMUNE, help=("xuat",)),
    Command("chot", signoff.sign_off, COMMUNE, help=("chot",)),
    Command("duyet", signoff.approve, ADMIN, help=("duyet",)),
    Command("tralai", signoff.send_back, ADMIN, help=("tralai",)),
    Command("mochot", signoff.reopen, ADMIN, help=("mochot",)),
    Command("lienket", link.link, who=ANY, help=("lienket",)),
    Command("vang", notices.away, help=("vang",), private_menu=True),
    Command("tonghop", notices.tally_now, LEAD, help=("tonghop",), group_menu=True),
    Command("ganhom", notices.bind_group, LEAD, help=("ganhom",), group_menu=True),
    Command("thongbao", notices.notice, COMMUNE, help=("thongbao",)),
    Command("huythongbao", notices.stop_notice, COMMUNE, help=("huythongbao",)),
    Command("web", web.web_link, help=("web",), private_menu=True),
    Command("help", _help, aliases=("trogiup",), who=ANY, help=("help",),
            private_menu=True, group_menu=True),
    Command("start", _start, who=ANY),
    Command("thamgia", join.join, who=ANY),
    # The typed twin of a confirm button (no buttons on Zalo); each confirmation checks
    # the role its action needs.
    Command("xacnhan", _confirm_typed),
)  # fmt: skip

BY_NAME: dict[str, Command] = {name: c for c in REGISTRY for name in c.names}


def help_keys(role: Role) -> list[str]:
    """The help lines of the commands `role` may use, in the registry's order."""
    return [key for c in REGISTRY if c.allows(role) for key in c.help]


def private_menu(role: Role) -> list[str]:
    """The commands of a private chat's menu, in order: those `role` may use (each
    platform words its own menu: `bot.tg.menus`)."""
    return [c.name for c in REGISTRY if c.private_menu and c.allows(role)]


def group_menu() -> list[str]:
    """The commands of groups' menu. A group's menu is the same for everyone in it, so it
    lists every group command; each one still checks the sender's role."""
    return [c.name for c in REGISTRY if c.group_menu]
