"""`/ganhom` on a group already bound: only its binder, or someone of a higher role whose
subtree holds the bound unit, may move it; and only a group administrator (issue 12, item 5)."""

from __future__ import annotations

from handlers.types import Incoming
from storage.db import Database
from storage.models import Level, Role, pk
from tests.conftest import Chat, World


async def bound_to(db: Database) -> str | None:
    async with db.transaction() as store:
        chat = await store.chats.find("test", "group-1")
        unit = await store.units.get(chat.unit_id) if chat and chat.unit_id else None
        await store.commit()
        return unit.code if unit else None


async def add_person(db: Database, user: str, unit_code: str, role: Role) -> int:
    async with db.transaction() as store:
        unit = await store.units.by_code(unit_code)
        assert unit is not None
        person = await store.members.add(user, unit, role)
        await store.members.link(person, "test", user, user)
        await store.commit()
        return pk(person)


async def test_a_village_lead_cannot_move_a_group_a_commune_leader_bound(
    chat: Chat, db: Database
) -> None:
    assert "đã gắn với" in await chat.say("/ganhom 16012", user="binh", group=True)
    await add_person(db, "dung", "16012-T1", Role.village_lead)
    refused = await chat.say("/ganhom 16012-T1", user="dung", group=True)
    assert "Nhóm này đang gắn với <b>Xã Hoằng Kim</b>" in refused
    assert "Lê Thị Bình, lãnh đạo xã" in refused and "Không thay đổi gì" in refused
    assert await bound_to(db) == "16012"


async def test_another_communes_leader_in_the_group_cannot_take_it(
    chat: Chat, db: Database
) -> None:
    await chat.say("/ganhom 16012", user="binh", group=True)
    async with db.transaction() as store:
        province = await store.units.by_code("38")
        await store.units.add("16013", "Xã Hoằng Trung", Level.commune, province)
        await store.commit()
    await add_person(db, "hoa", "16013", Role.commune_leader)
    await add_person(db, "tinh", "38", Role.province_admin)
    assert "đang gắn với <b>Xã Hoằng Kim</b>" in await chat.say(
        "/ganhom 16013", user="hoa", group=True
    )
    assert await bound_to(db) == "16012"
    # The province, whose subtree holds the commune, ranks above its leader: it may.
    assert "đã gắn với <b>Xã Hoằng Trung</b>" in await chat.say(
        "/ganhom 16013", user="tinh", group=True
    )
    assert await bound_to(db) == "16013"


async def test_the_binder_and_a_higher_leader_of_the_unit_may_move_it(
    chat: Chat, db: Database
) -> None:
    await add_person(db, "dung", "16012-T1", Role.village_lead)
    assert "đã gắn với <b>Thôn 1</b>" in await chat.say("/ganhom 16012-T1", user="dung", group=True)
    assert "đã gắn với <b>Thôn 1</b>" in await chat.say("/ganhom 16012-T1", user="dung", group=True)
    assert "đã gắn với <b>Xã Hoằng Kim</b>" in await chat.say(
        "/ganhom 16012", user="binh", group=True
    )
    assert "đang gắn với" in await chat.say("/ganhom 16012-T1", user="dung", group=True)
    assert await bound_to(db) == "16012"


async def test_a_peer_takes_over_only_once_the_binder_is_locked(chat: Chat, db: Database) -> None:
    await add_person(db, "dung", "16012-T1", Role.village_lead)
    await add_person(db, "em", "16012-T1", Role.village_lead)
    await chat.say("/ganhom 16012-T1", user="dung", group=True)
    assert "đang gắn với <b>Thôn 1</b>" in await chat.say("/ganhom 16012-T1", user="em", group=True)
    async with db.transaction() as store:
        dung = await store.members.by_identity("test", "dung")
        assert dung is not None
        dung.active = False
        await store.commit()
    assert "đã gắn với <b>Thôn 1</b>" in await chat.say("/ganhom 16012-T1", user="em", group=True)


async def test_a_sender_the_platform_says_is_no_admin_is_refused(
    chat: Chat, db: Database, world: World
) -> None:
    async def bind(admin: bool | None, key: str) -> str:
        msg = Incoming(
            key=key, platform="test", chat_id="group-1", user_id="binh", text="/ganhom 16012",
            is_group=True, sender_is_admin=admin,
        )  # fmt: skip
        (reply,) = (await chat.handlers.handle(msg)).replies
        return reply.html

    assert "Chỉ quản trị viên của nhóm" in await bind(False, "k1")
    assert await bound_to(db) is None
    assert "đã gắn với" in await bind(True, "k2")
    assert "đã gắn với" in await bind(None, "k3")  # a platform that cannot tell
