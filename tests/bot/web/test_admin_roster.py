"""The roster over HTTP: a file checked line by line, a personal invite per row, the
invite pack (PDF and XLSX), who joined, and the admin's actions on cards and members."""

from __future__ import annotations

import html
import io
import json

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from storage.models import AuditLog, Invite, Member, Role, RosterEntry
from tests.bot.web.admin_site import BOT, AdminSite, admin_site
from tests.conftest import Chat

pytestmark = pytest.mark.slow  # serves the web app on 127.0.0.1 (aiohttp's test server)

__all__ = ["admin_site"]

ROSTER = (
    "name,phone,village_code,role\n"
    "Hoàng Văn Tú,0912 345 678,16012-T1,\n"
    '=HYPERLINK("x"),,16012-T2,thành viên tổ\n'
    "Mai Thị Lan,+84987654321,16012-T2,tổ trưởng thôn\n"
).encode()


async def _entries(site: AdminSite) -> list[RosterEntry]:
    async with site.db.reading() as store:
        return list((await store.session.exec(select(RosterEntry))).all())


async def _upload(site: AdminSite, data: bytes, name: str = "ds.csv") -> str:
    check = await site.form("/app/admin/16012/roster", {"mode": "check"}, (name, data))
    page = await check.text()
    assert check.status == 200, page
    rows = html.unescape(page.split('name="rows" value="')[1].split('"')[0])
    applied = await site.form("/app/admin/16012/roster", {"mode": "apply", "rows": rows})
    assert applied.status == 303
    return applied.headers["Location"]


async def test_a_roster_is_checked_then_each_row_gets_a_personal_invite(
    admin_site: AdminSite,
) -> None:
    site = admin_site
    await site.sign_in("binh")
    check = await site.form("/app/admin/16012/roster", {"mode": "check"}, ("ds.csv", ROSTER))
    assert 'id="count">3<' in await check.text()
    assert await _entries(site) == []  # the check keeps nothing
    assert (await _upload(site, ROSTER)).endswith("/roster?xong=3")
    entries = await _entries(site)
    assert [(e.name, e.phone, e.role) for e in entries] == [
        ("Hoàng Văn Tú", "0912345678", Role.member),
        ('=HYPERLINK("x")', "", Role.member),
        ("Mai Thị Lan", "0987654321", Role.village_lead),
    ]
    async with site.db.reading() as store:
        invites = {i.id: i for i in (await store.session.exec(select(Invite))).all()}
    assert all(invites[e.invite_id].max_uses == 1 for e in entries)
    assert len({invites[e.invite_id].code for e in entries}) == 3
    page = await (await site.client.get("/app/admin/16012/roster?xong=3")).text()
    assert "Đã tạo 3 thẻ mời" in page and 'data-status="waiting">3<' in page


async def test_a_bad_roster_names_its_lines_and_changes_nothing(admin_site: AdminSite) -> None:
    site = admin_site
    await site.sign_in("binh")
    bad = (
        "họ tên,điện thoại,mã thôn,vai trò\n"
        ",,16012-T1,\n"  # 2: no name
        "Lý Văn A,123,16012-T1,\n"  # 3: bad phone
        "Lý Văn B,,16013-T1,\n"  # 4: another commune
        "Lý Văn C,,16012,\n"  # 5: not a village
        "Lý Văn D,,16012-T1,quản trị tỉnh\n"  # 6: a role above mine
        "Lý Văn E,,16012-T1,phó chủ tịch\n"  # 7: unknown role
        "Lý Văn F,,16012-T1,\n"  # 8: fine
        "Lý Văn F,,16012-T1,\n"  # 9: repeats 8
        "Lý Văn G,,KHONG,\n"  # 10: no such village
    ).encode()
    for mode in ("check", "apply"):
        response = await site.form("/app/admin/16012/roster", {"mode": mode}, ("x.csv", bad))
        page = await response.text()
        assert response.status == 400
        for line in (2, 3, 4, 5, 6, 7, 9, 10):
            assert f"Dòng {line}:" in page, line
        assert "Dòng 8:" not in page and "trùng người với dòng 8" in page
    assert await _entries(site) == []


async def test_an_xlsx_roster_and_the_packs(admin_site: AdminSite) -> None:
    site = admin_site
    await site.sign_in("binh")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Phone", "Village_code", "Role"])
    sheet.append(["Hoàng Văn Tú", 912345678, "16012-T1", None])  # Excel ate the leading 0
    sheet.append(["@SUM(1)", None, "16012-T2", None])
    buffer = io.BytesIO()
    book.save(buffer)
    await _upload(site, buffer.getvalue(), "ds.xlsx")
    pdf = await site.client.get("/app/admin/16012/pack.pdf")
    assert pdf.status == 200 and pdf.content_type == "application/pdf"
    assert (await pdf.read()).startswith(b"%PDF")
    xlsx = await site.client.get("/app/admin/16012/pack.xlsx")
    rows = list(load_workbook(io.BytesIO(await xlsx.read())).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][:3] == ("STT", "Họ tên", "Điện thoại")
    assert rows[1][1] == "Hoàng Văn Tú" and rows[1][2] == "0912345678"
    assert rows[2][1] == "'@SUM(1)"  # a name never runs as a formula
    assert rows[1][7] == f"https://t.me/{BOT}?start={rows[1][6]}"


async def test_a_member_who_joins_with_a_card_shows_as_joined(
    admin_site: AdminSite, chat: Chat
) -> None:
    site = admin_site
    await site.sign_in("binh")
    await _upload(site, ROSTER)
    entry = (await _entries(site))[0]
    async with site.db.reading() as store:
        invite = await store.session.get(Invite, entry.invite_id)
    assert invite is not None
    await chat.send(f"/start {invite.code}", user="tu", name="Tú")
    page = await (await site.client.get("/app/admin/16012/roster")).text()
    assert 'data-status="joined">1<' in page and 'data-status="waiting">2<' in page
    assert f'data-entry="{entry.id}" data-status="joined"' in page
    xlsx = await site.client.get("/app/admin/16012/pack.xlsx")  # the pack: only unused cards
    rows = list(load_workbook(io.BytesIO(await xlsx.read())).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert len(rows) == 3 and "Hoàng Văn Tú" not in [r[1] for r in rows]


async def test_revoke_and_reissue_a_card(admin_site: AdminSite, chat: Chat) -> None:
    site = admin_site
    await site.sign_in("binh")
    await _upload(site, ROSTER)
    first, second, *_ = await _entries(site)
    async with site.db.reading() as store:
        old = await store.session.get(Invite, first.invite_id)
    assert old is not None
    revoked = await site.form(f"/app/admin/card/{first.id}/revoke", {})
    assert "Đã thu hồi thẻ mời của Hoàng Văn Tú" in await revoked.text()
    reply = await chat.send(f"/start {old.code}", user="tu", name="Tú")
    assert "Tú" not in {m.name for m in await _members(site)}, reply  # a revoked card joins no one
    again = await site.form(f"/app/admin/card/{second.id}/reissue", {})
    assert "Đã cấp thẻ mời mới" in await again.text()
    entries = {e.id: e for e in await _entries(site)}
    assert entries[second.id].invite_id != second.invite_id
    log = [a.action for a in await _audit(site)]
    assert "admin_revoke" in log and "admin_reissue" in log
    detail = json.loads(next(a for a in await _audit(site) if a.action == "admin_reissue").detail)
    assert detail["before"]["invite"] != detail["after"]["invite"]


async def test_member_actions_go_through_the_chat_checks(admin_site: AdminSite, chat: Chat) -> None:
    site = admin_site
    await site.sign_in("binh")
    await _upload(site, ROSTER)
    entry = (await _entries(site))[0]
    async with site.db.reading() as store:
        invite = await store.session.get(Invite, entry.invite_id)
    assert invite is not None
    await chat.send(f"/start {invite.code}", user="tu", name="Tú")
    tu = next(m for m in await _members(site) if m.name == "Tú")
    locked = await site.form(f"/app/admin/member/{tu.id}/lock", {"nonce": "a1"})
    assert locked.status == 200 and not (await _member(site, tu.id)).active
    await site.form(f"/app/admin/member/{tu.id}/unlock", {"nonce": "a2"})
    assert (await _member(site, tu.id)).active
    role = await site.form(
        f"/app/admin/member/{tu.id}/role", {"nonce": "a3", "role": "village_lead"}
    )
    assert role.status == 200 and (await _member(site, tu.id)).role is Role.village_lead
    too_high = await site.form(
        f"/app/admin/member/{tu.id}/role", {"nonce": "a4", "role": "province_admin"}
    )
    assert too_high.status == 403 and (await _member(site, tu.id)).role is Role.village_lead
    await site.client.post("/app/logout", data={"csrf": await site.csrf()})
    await site.sign_in("dung")  # the neighbouring commune's leader
    outside = await site.form(f"/app/admin/member/{tu.id}/lock", {"nonce": "b1"})
    assert outside.status == 403 and (await _member(site, tu.id)).active
    card = await site.form(f"/app/admin/card/{entry.id + 1}/revoke", {})
    assert card.status == 403
    assert all(e.revoked_at is None for e in await _entries(site))


async def _members(site: AdminSite) -> list[Member]:
    async with site.db.reading() as store:
        return list((await store.session.exec(select(Member))).all())


async def _member(site: AdminSite, member_id: int | None) -> Member:
    async with site.db.reading() as store:
        found = await store.session.get(Member, member_id)
    assert found is not None
    return found


async def _audit(site: AdminSite) -> list[AuditLog]:
    async with site.db.reading() as store:
        return list((await store.session.exec(select(AuditLog))).all())


async def test_an_unreadable_file_is_refused_in_vietnamese(admin_site: AdminSite) -> None:
    site = admin_site
    await site.sign_in("binh")
    garbage = await site.form(
        "/app/admin/16012/roster", {"mode": "apply"}, ("x.csv", b"\xff\xfe\x00")
    )
    assert garbage.status == 400 and "Không đọc được tệp" in await garbage.text()
    broken_xlsx = await site.form(
        "/app/admin/16012/roster", {"mode": "apply"}, ("x.xlsx", b"PK\x03")
    )
    assert broken_xlsx.status == 400 and "Không đọc được tệp" in await broken_xlsx.text()
    missing = await site.form("/app/admin/16012/roster", {"mode": "check"})
    assert missing.status == 400 and "Hãy chọn một tệp" in await missing.text()
    assert await _entries(site) == []


async def test_a_long_roster_is_shown_a_page_at_a_time(admin_site: AdminSite) -> None:
    site = admin_site
    await site.sign_in("binh")
    lines = ["name,village_code"] + [f"Người {n:03},16012-T1" for n in range(230)]
    await _upload(site, ("\n".join(lines) + "\n").encode())
    first = await (await site.client.get("/app/admin/16012/roster")).text()
    assert first.count("data-entry=") == 100 and "Trang 1/3" in first
    assert 'data-status="waiting">230<' in first
    last = await (await site.client.get("/app/admin/16012/roster?tt=waiting&trang=3")).text()
    assert last.count("data-entry=") == 30 and "Người 229" in last
    none = await (await site.client.get("/app/admin/16012/roster?tt=joined")).text()
    assert none.count("data-entry=") == 0


async def test_a_file_over_the_limit_is_refused_in_vietnamese(admin_site: AdminSite) -> None:
    site = admin_site
    await site.sign_in("binh")
    huge = b"name,village_code\n" + b"Ng\xc6\xb0\xe1\xbb\x9di A,16012-T1\n" * 300_000  # ~6 MB
    response = await site.form("/app/admin/16012/roster", {"mode": "apply"}, ("big.csv", huge))
    assert response.status == 400 and "Tệp quá lớn" in await response.text()
    assert await _entries(site) == []


async def test_members_who_joined_another_way_are_managed_too(admin_site: AdminSite) -> None:
    site = admin_site
    await site.sign_in("binh")
    page = await (await site.client.get("/app/admin/16012/roster?tt=others")).text()
    an = next(m for m in await _members(site) if m.name == "Nguyễn Văn An")
    assert f'data-member="{an.id}"' in page and "Trần Thị Cúc" in page
    assert "Lê Thị Bình" not in page.split('id="roster"')[1]  # not oneself
    assert (await site.form(f"/app/admin/member/{an.id}/lock", {"nonce": "o1"})).status == 200
    assert not (await _member(site, an.id)).active
