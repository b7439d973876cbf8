"""The permission matrix, whole: every command x every role x a unit inside / outside the
person's subtree. README's table says the same in words."""

from __future__ import annotations

import asyncio
import itertools
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from handlers.app import Handlers
from handlers.permissions import RANK
from handlers.registry import BY_NAME, REGISTRY, Who
from handlers.types import Kind, Rules
from storage.db import Database
from storage.models import Level, MonthStatus, Role, pk
from tests.conftest import Chat, FixedClock
from tests.shared_sqlite import load_copy

# P1 > D1 > C1 > V1, V2 ; D1 > C2 > V3 ; P1 > D2 > C3 > V4 ; P2 > C4 > V5
TREE = [
    ("P1", Level.province, None), ("D1", Level.district, "P1"), ("C1", Level.commune, "D1"),
    ("V1", Level.village, "C1"), ("V2", Level.village, "C1"), ("C2", Level.commune, "D1"),
    ("V3", Level.village, "C2"), ("D2", Level.district, "P1"), ("C3", Level.commune, "D2"),
    ("V4", Level.village, "C3"), ("P2", Level.province, None), ("C4", Level.commune, "P2"),
    ("V5", Level.village, "C4"),
]  # fmt: skip
PEOPLE = {  # role -> (their unit, a unit inside their subtree, a unit outside it)
    Role.member: ("V1", "V1", "V2"),
    Role.village_lead: ("V1", "V1", "V2"),
    Role.commune_leader: ("C1", "V2", "V3"),
    Role.district_admin: ("D1", "V3", "V4"),
    Role.province_admin: ("P1", "V4", "V5"),
}
SUCCESS = {
    "bc": "Đã ghi nhận", "huy": "Đã hủy", "sua": "Đã sửa", "toi": "📊", "chitieu": "Chỉ tiêu",
    "tiendo": "Tiến độ", "chuabaocao": "báo cáo tháng 11/2026", "thanhvien": "Thành viên",
    "khoa": "Khóa <b>", "mokhoa": "Đã mở khóa", "vaitro": "Đã đổi vai trò", "moi": "Mã mời",
    "xuat": "Bảng tổng hợp", "vang": "vắng đến hết",
    "tonghop": "Tổng hợp tuần", "ganhom": "Nhóm này đã gắn", "thongbao": "Thông báo tới",
    "huythongbao": "đang gửi", "web": "dùng được một lần",
    "nhacnho": "không cần nhắc ai",  # every village of the matrix has reported
}  # fmt: skip
REFUSALS = ("dành cho", "không thuộc đơn vị", "không phải của bạn", "Không có thành viên số")
# Commands that act on a member: the member of the unit (a locked one for /mokhoa).
MEMBER_COMMANDS = {
    "khoa": "/khoa {}",
    "mokhoa": "/mokhoa {}",
    "vaitro": "/vaitro {} tổ trưởng thôn",
}
# Commands about one's own doings have no unit argument: they are always inside.
OWN_ONLY = {"bc", "toi", "vang", "thongbao", "huythongbao", "web"}
OWN_TEXT = {
    "bc": "/bc vneid 1", "toi": "/toi", "vang": "/vang 30/11", "thongbao": "/thongbao Họp",
    "huythongbao": "/huythongbao", "web": "/web",
}  # fmt: skip


@dataclass
class Matrix:
    chat: Chat
    receipts: dict[str, str]  # unit code -> receipt of the member reporting there
    member_ids: dict[str, int]  # unit code -> id of a plain member there
    locked_ids: dict[str, int]  # unit code -> id of a locked plain member there


async def build_matrix(db: Database, clock: FixedClock) -> Matrix:
    member_ids: dict[str, int] = {}
    locked_ids: dict[str, int] = {}
    async with db.transaction() as store:
        units = {}
        for code, level, parent in TREE:
            units[code] = await store.units.add(code, code, level, units.get(parent or ""))
            await store.targets.set(pk(units[code]), "vneid", "2026-11", 10)
        for role, (home, _, _) in PEOPLE.items():
            person = await store.members.add(role.value, units[home], role)
            await store.members.link(person, "test", role.value)
        for code in ("V1", "V2", "V3", "V4", "V5"):
            person = await store.members.add(f"m-{code}", units[code])
            await store.members.link(person, "test", f"m-{code}")
            member_ids[code] = pk(person)
            locked = await store.members.add(f"l-{code}", units[code])
            await store.members.set_active(locked, False)
            locked_ids[code] = pk(locked)
        await store.commit()
    chat = Chat(Handlers(db, clock=clock, rules=Rules()))
    receipts = {}
    for code in member_ids:
        receipt = (await chat.reply("vneid 1", user=f"m-{code}")).receipt_code
        assert receipt is not None
        receipts[code] = receipt
    return Matrix(chat, receipts, member_ids, locked_ids)


@pytest.fixture(scope="module")
def matrix_file(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path | None
) -> tuple[Path, Matrix] | None:
    """SQLite: the matrix's tree, people and reports built once for the module; each test
    starts from a copy of that file (building it costs ~0.15 s, x 200 tests)."""
    if sqlite_template is None:
        return None
    path = tmp_path_factory.mktemp("matrix") / "matrix.db"
    shutil.copyfile(sqlite_template, path)

    async def build() -> Matrix:
        db = Database(f"sqlite:///{path}")
        try:
            return await build_matrix(db, FixedClock())
        finally:
            await db.dispose()

    return path, asyncio.run(build())


@pytest.fixture
async def matrix(
    db: Database, clock: FixedClock, matrix_file: tuple[Path, Matrix] | None
) -> Matrix:
    if matrix_file is None:  # PostgreSQL: built in this test's database
        return await build_matrix(db, clock)
    path, built = matrix_file
    await load_copy(db, path)
    chat = Chat(Handlers(db, clock=clock, rules=Rules()))
    return Matrix(chat, built.receipts, built.member_ids, built.locked_ids)


def command_text(command: str, role: Role, inside: bool, m: Matrix) -> tuple[str, str]:
    """(the message, who sends it): the reporting member of the unit for receipt commands."""
    _, unit_in, unit_out = PEOPLE[role]
    unit = unit_in if inside else unit_out
    if command in ("huy", "sua"):
        # A plain member acts on their own receipt (inside) or a neighbour's (outside);
        # leaders on a receipt of a unit inside or outside their subtree.
        sender = "m-V1" if role is Role.member else role.value
        receipt = m.receipts[unit]
        text = f"/huy {receipt}" if command == "huy" else f"/sua {receipt} vneid 2"
        return text, sender
    if command in MEMBER_COMMANDS:
        ids = m.locked_ids if command == "mokhoa" else m.member_ids
        return MEMBER_COMMANDS[command].format(ids[unit]), role.value
    if command in OWN_ONLY:
        return OWN_TEXT[command], role.value
    return f"/{command} {unit}", role.value


def expected(command: str, role: Role, inside: bool) -> bool:
    if RANK[role] < RANK[BY_NAME[command].min_role]:
        return False
    return inside or command in OWN_ONLY


CASES = list(itertools.product(SUCCESS, PEOPLE, [True, False]))


@pytest.mark.parametrize("command, role, inside", CASES)
async def test_permission_matrix(matrix: Matrix, command: str, role: Role, inside: bool) -> None:
    text, sender = command_text(command, role, inside, matrix)
    reply = await matrix.chat.say(text, user=sender, group=command == "ganhom")
    if expected(command, role, inside):
        assert SUCCESS[command] in reply, (text, sender, reply)
    else:
        assert any(r in reply for r in REFUSALS), (text, sender, reply)
        assert SUCCESS[command] not in reply


# Checked by the confirmation they lead to (test_confirming_a_lock_is_checked_like_the_lock,
# and the notices' and held reports' own tests).
CONFIRMATIONS = {"xacnhan"}
# /khongphatsinh names no unit: a member declares for their own village only (its refusals,
# for a leader and for another village's receipt, are in test_nothing.py).
OWN_VILLAGE_ONLY = {"khongphatsinh"}


def test_every_command_for_members_is_in_the_matrix() -> None:
    declared = {c.name for c in REGISTRY if c.who is Who.member}
    assert set(SUCCESS) == declared - CONFIRMATIONS - OWN_VILLAGE_ONLY - set(SIGNOFF)


# The sign-off chain acts on a commune: /chot on the sender's own (a commune leader's), the
# others on a commune strictly below the sender. Each case starts with every commune's
# November signed off (approved, for /mochot), except /chot's.
SIGNOFF = {
    "chot": "Đã chốt số liệu", "duyet": "Đã duyệt", "tralai": "Đã trả lại",
    "mochot": "Đã mở lại",
}  # fmt: skip
SIGNOFF_TEXT = {
    "chot": "/chot", "duyet": "/duyet {}", "tralai": "/tralai {} thiếu số",
    "mochot": "/mochot {} sửa số",
}  # fmt: skip
SIGNOFF_COMMUNES = {  # role -> (a commune inside their subtree, one outside it)
    Role.member: ("C1", "C2"),
    Role.village_lead: ("C1", "C2"),
    Role.commune_leader: ("C1", "C2"),  # their own: not one they approve
    Role.district_admin: ("C2", "C3"),
    Role.province_admin: ("C3", "C4"),
}
SIGNOFF_REFUSALS = (*REFUSALS, "không phải là một xã", "Chỉ lãnh đạo một xã")


def signoff_expected(command: str, role: Role, inside: bool) -> bool:
    if command == "chot":
        return role is Role.commune_leader  # their own commune; no unit to name
    return RANK[role] >= RANK[Role.district_admin] and inside


@pytest.mark.parametrize(
    "command, role, inside", list(itertools.product(SIGNOFF, PEOPLE, [True, False]))
)
async def test_signoff_permission_matrix(
    matrix: Matrix, db: Database, clock: FixedClock, command: str, role: Role, inside: bool
) -> None:
    if command != "chot":
        async with db.transaction() as store:
            member = await store.members.by_identity("test", Role.commune_leader.value)
            assert member is not None
            for code in ("C1", "C2", "C3", "C4"):
                unit = await store.units.by_code(code)
                assert unit is not None
                row = await store.signoffs.sign(
                    unit.id or 0, "2026-11", by=member.id or 0, at=clock(), figures={}
                )
                if command == "mochot":
                    await store.signoffs.decide(
                        row, MonthStatus.approved, by=member.id or 0, at=clock()
                    )
            await store.commit()
    commune = SIGNOFF_COMMUNES[role][0 if inside else 1]
    text = SIGNOFF_TEXT[command].format(commune)
    reply = await matrix.chat.say(text, user=role.value)
    if signoff_expected(command, role, inside):
        assert SIGNOFF[command] in reply, (text, role, reply)
    else:
        assert any(r in reply for r in SIGNOFF_REFUSALS), (text, role, reply)
        assert SIGNOFF[command] not in reply


@pytest.mark.parametrize("role, inside", list(itertools.product(PEOPLE, [True, False])))
async def test_confirming_a_lock_is_checked_like_the_lock(
    matrix: Matrix, role: Role, inside: bool
) -> None:
    """`/xacnhan khoa ID` and the "Khóa" button can be sent without asking first: they check
    everything again."""
    _, unit_in, unit_out = PEOPLE[role]
    target = matrix.member_ids[unit_in if inside else unit_out]
    typed = await matrix.chat.say(f"/xacnhan khoa {target}", user=role.value)
    pressed = await matrix.chat.send(f"lock:ok:{target}", user=role.value, kind=Kind.button)
    if expected("khoa", role, inside):
        assert "Đã khóa" in typed and "đã bị khóa từ trước" in pressed[0].html
    else:
        for reply in (typed, pressed[0].html):
            assert any(r in reply for r in REFUSALS), reply
            assert "Đã khóa" not in reply


async def test_every_declared_command_and_alias_is_routed(matrix: Matrix) -> None:
    for declared in REGISTRY:
        for name in declared.names:
            reply = await matrix.chat.say(f"/{name}", user=Role.province_admin.value)
            assert "không biết lệnh" not in reply, (name, reply)


@pytest.mark.parametrize("role", list(PEOPLE))
async def test_help_lists_exactly_the_commands_the_role_may_use(matrix: Matrix, role: Role) -> None:
    lines = (await matrix.chat.say("/help", user=role.value)).splitlines()
    for declared in REGISTRY:
        if not declared.help:
            continue
        listed = any(line.startswith(f"/{declared.name} ") for line in lines)
        assert listed == declared.allows(role), (declared.name, role)
