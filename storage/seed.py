"""Default indicators, and the demo commune that `make run` starts with."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import SQLModel, col, select

from storage.models import (
    AuditAction,
    AuditLog,
    Chat,
    Level,
    Member,
    OaToken,
    OutboxMessage,
    Role,
    Unit,
    pk,
)
from storage.store import Store

DEMO_MARKER = AuditAction.demo_database  # marks a database the demo created

# (code, short label, full name, aliases)
DEFAULT_INDICATORS: list[tuple[str, str, str, list[str]]] = [
    (
        "vneid",
        "VNeID",
        "Kích hoạt VNeID mức 2",
        ["vneid", "vn eid", "vneid mức 2", "định danh", "định danh điện tử", "định danh mức 2"],
    ),
    (
        "cks",
        "CKS",
        "Chữ ký số cá nhân",
        [
            "cks",
            "chữ ký số",
            "chữ kí số",
            "ký số",
            "kí số",
            "chữ ký số cá nhân",
            "cks cá nhân",
            "chữ ký",
            "chữ kí",
        ],
    ),
    (
        "tt",
        "TT",
        "Tài khoản thanh toán không dùng tiền mặt",
        [
            "tt",
            "ttkdtm",
            "thanh toán",
            "tài khoản thanh toán",
            "tk thanh toán",
            "tk tt",
            "tài khoản tt",
            "ví điện tử",
            "không dùng tiền mặt",
            "ko dùng tiền mặt",
            "thanh toán ko dùng tiền mặt",
            "thanh toán k dùng tiền mặt",
            "k dùng tiền mặt",
            "thanh toán không dùng tiền mặt",
        ],
    ),
]


# Sets of indicators a province switches on with one command (`cnsbot indicators preset
# NAME`), in the same shape as DEFAULT_INDICATORS. An indicator that exists keeps its name
# and label and gains the aliases it lacks; a missing one is added at the end.
# "seeds": what the teams of the seed reports (Hoằng Kim commune) help residents with.
INDICATOR_PRESETS: dict[str, list[tuple[str, str, str, list[str]]]] = {
    "seeds": [
        (
            "vssid",
            "VssID",
            "Bảo hiểm xã hội số (VssID)",
            [
                "vss",
                "bhxh số",
                "bhxh điện tử",
                "bảo hiểm xã hội số",
                "bảo hiểm xã hội điện tử",
                "bảo hiểm xã hội",
                "bhxh",
                "ứng dụng vssid",
            ],
        ),
        (
            "sskdt",
            "Sổ SKĐT",
            "Sổ sức khỏe điện tử",
            [
                "ssk",
                "sổ sức khỏe",
                "sổ sức khỏe điện tử",
                "sổ khám sức khỏe",
                "sổ khám sức khỏe điện tử",
                "sức khỏe điện tử",
                "sổ skđt",
            ],
        ),
        (
            "dvc",
            "DVC",
            "Dịch vụ công trực tuyến",
            [
                "dvctt",
                "dvcqg",
                "dịch vụ công",
                "dịch vụ công trực tuyến",
                "dvc trực tuyến",
                "dịch vụ công quốc gia",
                "cổng dịch vụ công",
            ],
        ),
        (
            "tt",
            "TT",
            "Tài khoản thanh toán không dùng tiền mặt",
            [
                "mobile banking",
                "mobilebanking",
                "ngân hàng số",
                "ngân hàng điện tử",
                "tài khoản ngân hàng",
                "viettel money",
                "viettelmoney",
                "vnpt money",
                "mobile money",
                "momo",
                "ví momo",
                "zalopay",
                "zalo pay",
                "vnpay",
            ],
        ),
    ],
}

# Words of a report that carry no count and name no indicator (kind "filler"), and those that
# alone make a message a courtesy ("courtesy": thanks, ok). Data beside the aliases: a province
# adds its own words to the `report_word` table. A word that could be an alias mistyped
# ("ck", "t") is never used as one (see handlers.lexer.build_lexicon).
_FILLERS = """
cài | cài đặt | kích hoạt | mở | mở mới | đăng ký | đăng kí | hỗ trợ | cho | được | đã | người |
người dân | dân | công dân | nhân dân | bà con | ng | lượt | hộ | hộ dân | tài khoản | và | thêm |
báo cáo | bc | báo | gửi | gửi báo cáo | xin gửi | kính gửi | ngày | số lượng | sl | là | gồm |
tổng | số liệu | kết quả | kq | hôm nay | em | anh | chị | cô | chú | bác | ông | ơi | xin |
xin phép | ạ | à | nhé | nha | nhá | với | của | tại | ở | trên địa bàn | địa bàn | có | rồi |
xong | đã xong | thành công | hoàn thành | hướng dẫn | giúp | trường hợp | hồ sơ | app |
ứng dụng | phần mềm | tải | tải app | cài app | như sau | cụ thể | tình hình | thực hiện |
cụ thể như sau | tổ công nghệ số | tổ công nghệ số cộng đồng | tổ cns | cnscđ | cncđ | tổ cnscđ |
tổ cncđ | tổ cnsc | tổ trưởng | thành viên | các | bot | trong ngày | lên | vào | mình |
chúng em | bọn em | tôi | em xin | dạ em | cập nhật | cháu | bạn ơi | tổ em | thôn em | ah |
nhận | cho bà con | thêm được | điện thoại | trên điện thoại | qua điện thoại | lúc | buổi |
mức 2 | mức độ 2 | e | a | c ơi | a ơi | e ơi | em là | tôi là | mình là | chị là | anh là |
quên báo | quên chưa báo | bổ sung | báo bổ sung | ca | người cao tuổi | cao tuổi | lớn tuổi |
người già | đăng nhập | tích hợp | nhé ạ | ạ nhé | làm | làm được | dc | đc | ghi | ghi giúp |
ghi nhận | vừa rồi | vừa qua | nữa | nhanh | báo cáo nhanh |
"""
_COURTESY = """
dạ | vâng | dạ vâng | vâng ạ | cảm ơn | cám ơn | cảm ơn nhiều | cám ơn nhiều | cảm ơn bot |
xin cảm ơn | thanks | thank | thank you | thks | ok | oke | okie | oki | okay | okê |
được rồi | rõ | đã rõ | đã nhận | chào | xin chào | chào bot | alo | hi | hello | bot ơi |
"""
DEFAULT_WORDS: list[tuple[str, str]] = [
    *((w.strip(), "filler") for w in _FILLERS.split("|") if w.strip()),
    *((w.strip(), "courtesy") for w in _COURTESY.split("|") if w.strip()),
]


async def seed_indicators(store: Store) -> None:
    """The default indicators and lexicon, each only where none is stored yet."""
    if not await store.indicators.words():
        await store.indicators.add_words(DEFAULT_WORDS)
    if await store.indicators.all():
        return
    for position, (code, short, name, aliases) in enumerate(DEFAULT_INDICATORS):
        await store.indicators.add(code, name, [code, *aliases], short=short, position=position)


DEMO_VILLAGES = [("Thôn 1", 1200), ("Thôn 2", 900), ("Thôn Đông Thành", 700)]


async def _is_empty(store: Store, table: type[SQLModel]) -> bool:
    return (await store.session.exec(select(func.count()).select_from(table))).one() == 0


async def is_pristine(store: Store) -> bool:
    """Nothing was ever done in this database: no units, people, chats, messages, tokens or
    audit records (the default indicators do not count: every command adds them)."""
    for table in (Unit, Member, Chat, OutboxMessage, OaToken, AuditLog):
        if not await _is_empty(store, table):
            return False
    return True


async def is_demo_database(store: Store) -> bool:
    stmt = select(func.count()).select_from(AuditLog).where(col(AuditLog.action) == DEMO_MARKER)
    return (await store.session.exec(stmt)).one() > 0


async def seed_demo_if_pristine(store: Store, *, today: date, now: datetime) -> dict[str, str]:
    """Seed the demo commune into a database nothing else has used, and mark it as the
    demo's; any other database (one with data, or the demo's own) is left as it is.
    Returns the demo invite codes by role, empty when nothing was seeded."""
    if not await is_pristine(store):
        return {}
    await store.audit(None, DEMO_MARKER, "seeded the demo commune")
    return await seed_demo(store, today=today, now=now)


async def seed_demo(store: Store, *, today: date, now: datetime) -> dict[str, str]:
    """A small commune to chat with at once. Returns the demo invite codes by role."""
    await seed_indicators(store)
    province = await store.units.add("38", "Tỉnh Thanh Hóa", Level.province)
    commune = await store.units.add("16012", "Xã Hoằng Kim (demo)", Level.commune, province)
    month = f"{today:%Y-%m}"
    codes: dict[str, str] = {}
    for number, (name, target) in enumerate(DEMO_VILLAGES, start=1):
        village = await store.units.add(f"16012-T{number}", name, Level.village, commune)
        for indicator, share in (("vneid", 1.0), ("cks", 0.4), ("tt", 0.6)):
            await store.targets.set(pk(village), indicator, month, int(target * share / 12))
        if number == 1:
            member = await store.members.add("Nguyễn Văn An", village, Role.member)
            ident = await store.members.link(member, "console", "an", "Nguyễn Văn An")
            ident.private_chat_id = "an"  # the console chat: reminders reach it
            await store.entries.add_report(
                member_id=pk(member),
                unit_id=pk(village),
                counts={"vneid": 4, "cks": 1},
                day=today - timedelta(days=1) if today.day > 1 else today,
                source="demo",
            )
        codes[name] = await _demo_invite(store, pk(village), Role.member, now)
    for indicator, value in (("vneid", 233), ("cks", 93), ("tt", 140)):
        await store.targets.set(pk(commune), indicator, month, value)
    leader = await store.members.add("Lê Thị Bình", commune, Role.commune_leader)
    ident = await store.members.link(leader, "console", "binh", "Lê Thị Bình")
    ident.private_chat_id = "binh"
    codes["leader"] = await _demo_invite(store, pk(commune), Role.commune_leader, now)
    return codes


async def _demo_invite(store: Store, unit_id: int, role: Role, now: datetime) -> str:
    invite = await store.invites.create(unit_id, role, expires_at=now + timedelta(days=30))
    return invite.code
