"""Leaders manage people in chat: role names as the bot lists them, refusals that name the
real reason, `/khoa` with a confirmation, `/mokhoa`, `/vaitro`, and invites used by people
who are already members (or were locked). Results are read from the database."""

from __future__ import annotations

import unicodedata

import pytest
from sqlmodel import col, select

from handlers.types import Kind
from storage.db import Database
from storage.models import AuditLog, Invite, Member, Role
from tests.conftest import Chat, World


async def member_of(db: Database, user: str) -> Member:
    async with db.reading() as store:
        member = await store.members.by_identity("test", user)
    assert member is not None
    return member


async def last_invite(db: Database) -> Invite:
    async with db.transaction() as store:
        stmt = select(Invite).order_by(col(Invite.id).desc())
        invite = (await store.session.exec(stmt)).first()
        await store.commit()
    assert invite is not None
    return invite


async def audit_actions(db: Database) -> list[str]:
    async with db.reading() as store:
        rows = (await store.session.exec(select(AuditLog).order_by(col(AuditLog.id)))).all()
    return [row.action for row in rows]


@pytest.fixture
async def lead(db: Database, world: World) -> str:
    """Hà, the village lead of Thôn 1."""
    async with db.transaction() as store:
        t1 = await store.units.get(world.village_ids["T1"])
        assert t1 is not None
        ha = await store.members.add("Hà", t1, Role.village_lead)
        await store.members.link(ha, "test", "ha", "Hà")
        await store.commit()
    return "ha"


# --- item 3: role names as the bot lists them ----------------------------------------------

ROLE_TEXTS = [
    ("tổ trưởng thôn", Role.village_lead),
    ("Tổ Trưởng Thôn", Role.village_lead),
    ("to truong thon", Role.village_lead),
    (unicodedata.normalize("NFD", "tổ trưởng thôn"), Role.village_lead),
    ("thành viên tổ", Role.member),
    ("thanh vien to", Role.member),
    ("lãnh đạo xã", Role.commune_leader),
    ("village_lead", Role.village_lead),
    ("village lead", Role.village_lead),
    ("COMMUNE_LEADER", Role.commune_leader),
    ("member", Role.member),
]


@pytest.mark.parametrize("words, role", ROLE_TEXTS)
async def test_invite_roles_are_accepted_as_listed(
    chat: Chat, db: Database, words: str, role: Role
) -> None:
    reply = await chat.say(f"/moi 16012-T2 {words}", user="binh")
    assert "Mã mời" in reply, reply
    assert (await last_invite(db)).role is role


async def test_a_listed_role_above_mine_is_recognised_and_refused_as_too_high(
    chat: Chat,
) -> None:
    reply = await chat.say("/moi 16012-T2 quản trị huyện/cụm", user="binh")
    assert "không thể giao vai trò quản trị huyện/cụm" in reply


async def test_an_invite_role_without_a_unit_is_for_my_own_unit(
    chat: Chat, db: Database, world: World
) -> None:
    assert "Mã mời" in await chat.say("/moi tổ trưởng thôn", user="binh")
    invite = await last_invite(db)
    assert (invite.unit_id, invite.role) == (world.commune_id, Role.village_lead)


# --- item 4: refusals name the real reason ----------------------------------------------


async def test_a_village_lead_is_told_the_role_is_too_high_not_the_command(
    chat: Chat, lead: str
) -> None:
    reply = await chat.say("/moi 16012-T1 commune_leader", user=lead)
    assert "không thể giao vai trò lãnh đạo xã" in reply and "dành cho" not in reply


async def test_locking_oneself_a_peer_or_an_outsider_says_why(
    chat: Chat, db: Database, lead: str
) -> None:
    binh, cuc = await member_of(db, "binh"), await member_of(db, "cuc")
    own = await chat.say(f"/khoa {binh.id}", user="binh")
    assert "không thể tự khóa chính mình" in own and "dành cho" not in own
    outside = await chat.say(f"/khoa {cuc.id}", user=lead)  # Cúc is in Thôn 2
    assert "không thuộc đơn vị bạn phụ trách" in outside
    an = await member_of(db, "an")
    await chat.say(f"/vaitro {an.id} tổ trưởng thôn", user="binh")
    peer = await chat.say(f"/khoa {an.id}", user=lead)  # another lead of Thôn 1
    assert "là tổ trưởng thôn" in peer and "vai trò thấp hơn" in peer
    assert "Không có thành viên số 999" in await chat.say("/khoa 999", user="binh")
    assert all([(await member_of(db, u)).active for u in ("binh", "cuc", "an")])


# --- item 5: lock with a confirmation, unlock, change roles -----------------------------


async def test_lock_asks_first_and_the_button_locks(chat: Chat, db: Database) -> None:
    cuc = await member_of(db, "cuc")
    (question,) = await chat.send(f"/khoa {cuc.id}", user="binh")
    assert f"/xacnhan khoa {cuc.id}" in question.html
    assert [b.action for b in question.buttons] == [f"lock:ok:{cuc.id}", f"lock:no:{cuc.id}"]
    assert (await member_of(db, "cuc")).active  # nothing happened yet
    (dropped,) = await chat.send(f"lock:no:{cuc.id}", user="binh", kind=Kind.button)
    assert dropped.clear_buttons and (await member_of(db, "cuc")).active
    (done,) = await chat.send(f"lock:ok:{cuc.id}", user="binh", kind=Kind.button)
    assert "Đã khóa" in done.html and done.clear_buttons
    assert not (await member_of(db, "cuc")).active
    assert "ngừng hoạt động" in await chat.say("vneid 1", user="cuc")
    assert (await audit_actions(db)).count("deactivate") == 1


async def test_the_lock_button_rechecks_who_presses_it(chat: Chat, db: Database, lead: str) -> None:
    cuc = await member_of(db, "cuc")
    (refused,) = await chat.send(f"lock:ok:{cuc.id}", user=lead, kind=Kind.button)
    assert "không thuộc đơn vị" in refused.html
    assert (await member_of(db, "cuc")).active


async def test_unlock_lets_a_member_report_again(chat: Chat, db: Database) -> None:
    cuc = await member_of(db, "cuc")
    assert "Đã khóa" in await chat.say(f"/xacnhan khóa {cuc.id}", user="binh")
    assert "Đã mở khóa" in await chat.say(f"/mokhoa {cuc.id}", user="binh")
    assert (await member_of(db, "cuc")).active
    assert "Đã ghi nhận" in await chat.say("vneid 1", user="cuc")
    assert "đang hoạt động" in await chat.say(f"/mokhoa {cuc.id}", user="binh")
    assert (await audit_actions(db))[-2:] == ["reactivate", "report"]


async def test_a_leader_changes_a_role_up_to_their_own(chat: Chat, db: Database, lead: str) -> None:
    an = await member_of(db, "an")
    assert "Đã đổi vai trò" in await chat.say(f"/vaitro {an.id} tổ trưởng thôn", user="binh")
    assert (await member_of(db, "an")).role is Role.village_lead
    too_high = await chat.say(f"/vaitro {an.id} quản trị tỉnh", user="binh")
    assert "không thể giao vai trò quản trị tỉnh" in too_high
    ha = await member_of(db, lead)
    assert "tự đổi vai trò" in await chat.say(f"/vaitro {ha.id} member", user=lead)
    assert "Không rõ vai trò" in await chat.say(f"/vaitro {an.id} vua", user="binh")
    assert "/vaitro 12" in await chat.say("/vaitro", user="binh")
    assert (await member_of(db, "an")).role is Role.village_lead
    assert (await audit_actions(db)).count("role") == 1


# --- item 5: an invite used by someone already a member ------------------------------------


async def invite_code(chat: Chat, text: str, user: str = "binh") -> str:
    reply = await chat.reply(text, user=user)
    assert reply.invite_code, reply.html
    assert f"Mã mời <code>{reply.invite_code}</code>" in reply.html
    return reply.invite_code


async def test_a_locked_members_new_invite_reopens_and_moves_them(
    chat: Chat, db: Database, world: World
) -> None:
    cuc = await member_of(db, "cuc")
    await chat.say(f"/xacnhan khoa {cuc.id}", user="binh")
    code = await invite_code(chat, "/moi 16012-T1")
    reply = await chat.say(f"/thamgia {code}", user="cuc")
    assert "đã được áp dụng" in reply and "đã là thành viên" not in reply
    cuc = await member_of(db, "cuc")
    assert cuc.active and cuc.unit_id == world.village_ids["T1"] and cuc.role is Role.member
    assert (await last_invite(db)).used == 1
    assert (await audit_actions(db))[-1] == "rejoin"


async def test_a_member_given_a_village_lead_invite_becomes_village_lead(
    chat: Chat, db: Database, world: World
) -> None:
    code = await invite_code(chat, "/moi 16012-T1 tổ trưởng thôn")
    assert "tổ trưởng thôn" in await chat.say(f"/start {code}", user="an")
    an = await member_of(db, "an")
    assert an.role is Role.village_lead and an.unit_id == world.village_ids["T1"]


async def test_an_invite_that_changes_nothing_is_not_used_up(chat: Chat, db: Database) -> None:
    code = await invite_code(chat, "/moi 16012-T1")
    assert "không thay đổi gì" in await chat.say(f"/thamgia {code}", user="an")
    assert (await last_invite(db)).used == 0


async def test_an_invite_does_not_demote(chat: Chat, db: Database) -> None:
    code = await invite_code(chat, "/moi 16012-T1")
    reply = await chat.say(f"/thamgia {code}", user="binh")
    assert "Mã mời không hạ vai trò" in reply
    assert (await member_of(db, "binh")).role is Role.commune_leader
    assert (await last_invite(db)).used == 0


async def test_an_invite_from_someone_no_longer_entitled_says_so(
    chat: Chat, db: Database, lead: str
) -> None:
    code = await invite_code(chat, "/moi 16012-T1 tổ trưởng thôn", user=lead)
    ha = await member_of(db, lead)
    await chat.say(f"/vaitro {ha.id} thành viên tổ", user="binh")  # Hà is no longer a lead
    reply = await chat.say(f"/thamgia {code}", user="an")
    assert "không còn quyền" in reply
    assert (await member_of(db, "an")).role is Role.member
    assert (await last_invite(db)).used == 0


async def test_help_lists_the_new_commands_for_leaders_only(chat: Chat) -> None:
    leader_help = await chat.say("/help", user="binh")
    assert "/mokhoa SỐ" in leader_help and "/vaitro SỐ VAI_TRÒ" in leader_help
    member_help = await chat.say("/help", user="an")
    assert "/mokhoa" not in member_help and "/vaitro" not in member_help
    assert "/vaitro" in await chat.say("/thanhvien", user="binh")
