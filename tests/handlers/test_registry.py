"""The command registry: one declaration per command, from which routing, /help and the
platform menus are generated (the routing and /help per role: test_permissions)."""

from __future__ import annotations

from sqlmodel import col, select

from bot.tg import menus
from handlers import texts_help
from handlers.commands import REPORT_COMMANDS
from handlers.registry import BY_NAME, REGISTRY, group_menu, help_keys, private_menu
from handlers.types import Incoming, MenuChange, Outcome
from storage.db import Database
from storage.models import Invite, Role
from tests.conftest import Chat


def test_names_and_aliases_are_declared_once() -> None:
    names = [name for c in REGISTRY for name in c.names]
    assert len(names) == len(set(names)) == len(BY_NAME)


def test_every_help_and_menu_line_is_written() -> None:
    for declared in REGISTRY:
        assert all(key in texts_help.COMMAND_HELP for key in declared.help), declared.name
        assert not declared.private_menu or declared.name in menus.PRIVATE, declared.name
        assert not declared.group_menu or declared.name in menus.GROUP, declared.name
    used = {c.name for c in REGISTRY if c.private_menu}
    assert set(menus.PRIVATE) == used
    assert set(menus.GROUP) == {c.name for c in REGISTRY if c.group_menu}
    assert set(texts_help.COMMAND_HELP) == {key for c in REGISTRY for key in c.help}


def test_members_menu_has_no_leaders_commands() -> None:
    member = private_menu(Role.member)
    lead = private_menu(Role.village_lead)
    assert member == ["bc", "huy", "sua", "khongphatsinh", "toi", "vang", "web", "help"]
    assert {"tiendo", "chuabaocao", "thanhvien", "moi"} <= set(lead) - set(member)
    assert all(BY_NAME[name].min_role is Role.member for name in member)


def test_group_menu_and_help_follow_the_registry_order() -> None:
    assert group_menu() == ["bc", "toi", "tonghop", "ganhom", "help"]
    assert help_keys(Role.member)[:3] == ["bc", "vneid", "huy"]
    assert help_keys(Role.member)[-1] == "help"
    assert "xuat" not in help_keys(Role.village_lead)
    assert "xuat" in help_keys(Role.commune_leader)


async def _outcome(chat: Chat, text: str, user: str) -> Outcome:
    msg = Incoming(
        key=f"test:menu:{user}:{text}", platform="test", chat_id=user, user_id=user, text=text,
        display_name=user,
    )  # fmt: skip
    return await chat.handlers.handle(msg)


async def test_joining_and_a_role_change_name_the_chats_whose_menu_changes(
    chat: Chat, db: Database
) -> None:
    await chat.say("/moi 16012-T1 tổ trưởng thôn", user="binh")
    async with db.transaction() as store:
        invite = (await store.session.exec(select(Invite).order_by(col(Invite.id).desc()))).first()
        an = await store.members.by_identity("test", "an")
        await store.commit()
    assert invite is not None and an is not None
    joined = await _outcome(chat, f"/thamgia {invite.code}", user="moi-nguoi")
    assert joined.menus == [MenuChange("test", "moi-nguoi", Role.village_lead)]
    assert (await _outcome(chat, "/toi", user="an")).menus == []
    changed = await _outcome(chat, f"/vaitro {an.id} tổ trưởng thôn", user="binh")
    assert changed.menus == [MenuChange("test", "an", Role.village_lead)]


def test_the_report_commands_the_parser_knows_are_the_declared_ones() -> None:
    # handlers.commands sits below the registry (cnsbot parse reads through it): kept equal.
    assert BY_NAME["bc"].names == REPORT_COMMANDS
