"""What commune leaders do in chat: progress, missing villages, invites, members, exports."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from storage.db import Database
from storage.models import Role
from tests.conftest import Chat, World


async def test_progress_ranks_villages_against_their_targets(chat: Chat) -> None:
    await chat.say("vneid 30 cks 4")
    reply = await chat.say("/tiendo", user="binh")
    assert "Tiến độ Xã Hoằng Kim</b> — tháng 11/2026" in reply
    # The commune has no target of its own: it shows the sum of its villages' targets.
    assert "Tổng: VNeID 30/100 (30,0%) · CKS 4/40 (10,0%) · TT 0" in reply
    assert "Đã báo cáo: 1/2 thôn" in reply
    first, second = re.findall(r"\d\. <b>(.*?)</b>", reply)
    assert (first, second) == ("Thôn 1", "Thôn &lt;2&gt;")
    assert "Chưa báo cáo (1): Thôn &lt;2&gt;" in reply


async def test_a_commune_target_of_its_own_wins(chat: Chat, db: Database, world: World) -> None:
    async with db.transaction() as store:
        await store.targets.set(world.commune_id, "vneid", "2026-11", 300)
        await store.commit()
    await chat.say("vneid 30")
    reply = await chat.say("/tiendo", user="binh")
    assert "Tổng: VNeID 30/300 (10,0%) · CKS 0/40 (0,0%)" in reply
    assert "VNeID: 300" in await chat.say("/chitieu", user="binh")


async def test_missing_villages(chat: Chat) -> None:
    assert "Chưa báo cáo (2): Thôn &lt;2&gt;, Thôn 1" in await chat.say("/chuabaocao", user="binh")
    await chat.say("tt 1", user="cuc")
    assert "Chưa báo cáo (1): Thôn 1" in await chat.say("/chuabaocao", user="binh")
    await chat.say("tt 1")
    assert "Mọi thôn" in await chat.say("/chuabaocao", user="binh")


async def test_a_member_cannot_see_progress(chat: Chat) -> None:
    assert "dành cho tổ trưởng thôn trở lên" in await chat.say("/tiendo")


async def test_a_leader_invites_with_a_link_and_a_qr_picture(chat: Chat) -> None:
    (reply,) = await chat.send("/moi 16012-T2", user="binh")
    code = reply.invite_code
    assert code and f"Mã mời <code>{code}</code>" in reply.html
    assert f"https://t.me/CnsBot?start={code}" in reply.html
    (picture,) = reply.files
    assert picture.photo and picture.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert "Thôn &lt;2&gt;" in await chat.say(f"/start {code}", user="moi")


async def test_no_one_invites_above_their_own_role(chat: Chat) -> None:
    too_high = await chat.say("/moi 16012-T2 quản trị tỉnh", user="binh")
    assert "không thể giao vai trò quản trị tỉnh" in too_high and "dành cho" not in too_high
    assert "Không rõ vai trò" in await chat.say("/moi 16012-T2 vua", user="binh")
    assert "tổ trưởng thôn" in await chat.say("/moi 16012-T2 tổ trưởng thôn", user="binh")


async def test_members_are_listed_and_deactivated_with_their_entries_kept(chat: Chat) -> None:
    await chat.say("vneid 5", user="cuc")
    listing = await chat.say("/thanhvien", user="binh")
    cuc_id = re.search(r"#(\d+) Trần Thị Cúc", listing).group(1)  # type: ignore[union-attr]
    assert "Khóa <b>Trần Thị Cúc</b>" in await chat.say(f"/khoa {cuc_id}", user="binh")
    assert "Đã khóa Trần Thị Cúc" in await chat.say(f"/xacnhan khoa {cuc_id}", user="binh")
    assert "đã bị khóa từ trước" in await chat.say(f"/khoa {cuc_id}", user="binh")
    assert "ngừng hoạt động" in await chat.say("vneid 1", user="cuc")
    assert "Tổng: VNeID 5/100" in await chat.say("/tiendo", user="binh")
    assert "đã khóa" in await chat.say("/thanhvien", user="binh")


async def test_a_leader_cannot_deactivate_a_peer_or_themselves(chat: Chat) -> None:
    listing = await chat.say("/thanhvien", user="binh")
    binh_id = re.search(r"#(\d+) Lê Thị Bình", listing).group(1)  # type: ignore[union-attr]
    assert "không thể tự khóa chính mình" in await chat.say(f"/khoa {binh_id}", user="binh")
    assert "Hãy ghi số" in await chat.say("/khoa Bình", user="binh")


async def test_the_export_arrives_as_an_excel_document(chat: Chat) -> None:
    await chat.say("vneid 30 cks 4")
    (reply,) = await chat.send("/xuat 2026-11", user="binh")
    (document,) = reply.files
    assert document.name == "tong-hop-16012-2026-11.xlsx" and not document.photo
    sheet = load_workbook(io.BytesIO(document.data))["Tổng hợp"]
    rows = list(sheet.iter_rows(values_only=True))
    (village,) = [r for r in rows if r[1] == "Thôn 1"]
    assert village[2:5] == (100, 30, 0.3)
    assert "Kỳ báo cáo ghi dạng" in await chat.say("/xuat 2026-13", user="binh")


async def test_a_leader_undoes_and_corrects_inside_the_commune(chat: Chat, db: Database) -> None:
    code = (await chat.reply("vneid 9", user="cuc")).receipt_code
    fixed = await chat.reply(f"/sua {code} vneid 8", user="binh")
    corrected = fixed.html
    assert "Đã sửa" in corrected
    async with db.reading() as store:
        cuc = await store.members.by_identity("test", "cuc")
        assert fixed.receipt_code and f"Phiếu mới <code>{fixed.receipt_code}</code>" in corrected
        (entry,) = await store.entries.by_receipt(fixed.receipt_code)
        assert cuc is not None and entry.member_id == cuc.id  # still Cúc's report


async def test_a_province_tally_counts_missing_villages_per_commune_without_naming_them(
    chat: Chat, db: Database, world: World
) -> None:
    async with db.transaction() as store:
        province = await store.units.by_code("38")
        assert province is not None
        admin = await store.members.add("Phạm Văn Dũng", province, Role.province_admin)
        await store.members.link(admin, "test", "dung", "Dũng")
        await store.commit()
    await chat.say("vneid 30")
    reply = await chat.say("/tiendo", user="dung")
    assert "Tiến độ Thanh Hóa</b>" in reply and "Đã báo cáo: 1/2 thôn" in reply
    assert "⏳ Chưa báo cáo: 1/2 thôn" in reply  # under the commune's line
    assert "Thôn &lt;2&gt;" not in reply and "Chưa báo cáo (" not in reply
