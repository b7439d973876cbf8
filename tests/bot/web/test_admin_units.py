"""Admin pages over HTTP: the unit tree and its file import (dry-run diff, then apply),
the official list, the target grid, the audit trail; every one inside the admin's subtree."""

from __future__ import annotations

import html
import json

import pytest
from sqlmodel import select

from storage.models import AuditLog, Target, Unit
from tests.bot.web.admin_site import AdminSite, admin_site

pytestmark = pytest.mark.slow  # serves the web app on 127.0.0.1 (aiohttp's test server)

__all__ = ["admin_site"]

VILLAGES = (
    "code,name,level,parent_code\n"
    "16012-T3,Thôn Kim Sơn,thôn,16012\n"
    "16012-T1,Thôn Một Mới,thôn,16012\n"
    "16012-T2,Thôn <2>,thôn,16012\n"
).encode()


async def _units(site: AdminSite) -> dict[str, str]:
    async with site.db.reading() as store:
        return {u.code: u.name for u in (await store.session.exec(select(Unit))).all()}


async def _audit(site: AdminSite) -> list[AuditLog]:
    async with site.db.reading() as store:
        return list((await store.session.exec(select(AuditLog))).all())


async def test_a_unit_file_shows_its_diff_changes_nothing_then_applies(
    admin_site: AdminSite,
) -> None:
    site = admin_site
    await site.sign_in("binh")
    before = await _units(site)
    check = await site.form("/app/admin/16012/units", {"mode": "check"}, ("v.csv", VILLAGES))
    page = await check.text()
    assert check.status == 200, page
    assert 'data-kind="added">1<' in page and 'data-kind="renamed">1<' in page
    assert 'data-kind="unchanged">1<' in page and "Thôn 1</s> → Thôn Một Mới" in page
    assert await _units(site) == before  # a dry run keeps nothing
    rows = json.loads(html.unescape(page.split('name="rows" value="')[1].split('"')[0]))
    applied = await site.form("/app/admin/16012/units", {"mode": "apply", "rows": json.dumps(rows)})
    text = await applied.text()
    assert applied.status == 200 and "Đã cập nhật cây đơn vị: thêm 1, sửa 1" in text, text[
        text.find("<main>") :
    ]
    after = await _units(site)
    assert after["16012-T3"] == "Thôn Kim Sơn" and after["16012-T1"] == "Thôn Một Mới"
    log = [a for a in await _audit(site) if a.action == "admin_units"]
    assert len(log) == 1 and json.loads(log[0].detail)["before"] == {
        "16012-T1": ["Thôn 1", "16012"]
    }


async def test_a_bad_unit_file_names_its_lines_in_vietnamese_and_changes_nothing(
    admin_site: AdminSite,
) -> None:
    site = admin_site
    await site.sign_in("binh")
    before = await _units(site)
    bad = (
        "code,name,level,parent_code\n"
        "A1,Thôn A,thôn,NOPE\n"  # 2: no such parent
        "A2,Thôn B,hamlet,16012\n"  # 3: unknown level
        "A3,,thôn,16012\n"  # 4: no name
        "A4,Thôn D,thôn,16013\n"  # 5: under another commune
        "16013-T1,Thôn Cướp,thôn,16012\n"  # 6: moving another commune's village here
        "A5,Thôn E,thôn,16012\n"  # 7: fine, but the file has errors
    ).encode()
    for mode in ("check", "apply"):
        response = await site.form("/app/admin/16012/units", {"mode": mode}, ("b.csv", bad))
        page = await response.text()
        assert response.status == 400
        for line in (2, 3, 4, 5, 6):
            assert f"Dòng {line}:" in page
        assert "Dòng 7" not in page and "chưa thay đổi gì" in page
        assert "không có trong hệ thống" in page and "nằm ngoài phạm vi" in page
    assert await _units(site) == before


async def test_the_tree_searches_without_diacritics(admin_site: AdminSite) -> None:
    await admin_site.sign_in("binh")
    page = await (await admin_site.client.get("/app/admin/16012/units?q=HOANG kim")).text()
    assert 'data-code="16012"' in page and 'data-code="16012-T2"' not in page
    page = await (await admin_site.client.get("/app/admin/16012/units?q=thon <2")).text()
    assert 'data-code="16012-T2"' in page and 'data-code="16012-T1"' not in page
    assert "Thôn &lt;2&gt;" in await (await admin_site.client.get("/app/admin/16012/units")).text()


async def test_a_commune_admin_cannot_see_or_change_another_commune(admin_site: AdminSite) -> None:
    site = admin_site
    await site.sign_in("binh")
    for path in ("units", "targets", "roster", "audit", "pack.pdf", "pack.xlsx"):
        response = await site.client.get(f"/app/admin/16013/{path}")
        assert response.status == 403, path
    tampered = await site.form("/app/admin/16013/targets", {"ky": "2026-11", "t|16013|vneid": "9"})
    assert tampered.status == 403
    sneaky = await site.form("/app/admin/16012/targets", {"ky": "2026-11", "t|16013-T1|vneid": "9"})
    assert sneaky.status == 403
    async with site.db.reading() as store:
        assert not (await store.session.exec(select(Target).where(Target.value == 9))).all()
    assert (await site.client.get("/app/admin/38/units")).status == 403  # above is outside too


async def test_a_village_member_has_no_admin_pages(admin_site: AdminSite) -> None:
    await admin_site.sign_in("an")
    response = await admin_site.client.get("/app/admin/16012-T1/units")
    assert response.status == 403 and "lãnh đạo xã trở lên" in await response.text()


async def test_a_form_without_csrf_changes_nothing(admin_site: AdminSite) -> None:
    site = admin_site
    await site.sign_in("binh")
    response = await site.client.post(
        "/app/admin/16012/targets", data={"ky": "2026-11", "t|16012|vneid": "5"}
    )
    assert response.status == 403
    async with site.db.reading() as store:
        assert (await store.targets.for_unit(site.world.commune_id, "2026-11")) == {}


async def test_the_target_grid_saves_in_place_and_rolls_up(admin_site: AdminSite) -> None:
    site = admin_site
    await site.sign_in("binh")
    page = await (await site.client.get("/app/admin/16012/targets?ky=2026-11")).text()
    assert 'name="t|16012-T1|vneid" value="100"' in page
    assert "cấp dưới 100" in page  # the commune's row sums its villages' targets
    saved = await site.form(
        "/app/admin/16012/targets",
        {"ky": "2026-11", "t|16012|vneid": "500", "t|16012-T2|vneid": "150", "t|16012-T2|cks": ""},
    )
    text = await saved.text()
    assert saved.status == 200 and "Đã lưu 2 chỉ tiêu" in text
    assert "cấp dưới 250" in text
    async with site.db.reading() as store:
        assert await store.targets.for_unit(site.world.village_ids["T2"], "2026-11") == {
            "vneid": 150
        }
        assert await store.targets.for_unit(site.world.commune_id, "2026-11") == {"vneid": 500}
    bad = await site.form("/app/admin/16012/targets", {"ky": "2026-11", "t|16012-T1|cks": "nhiều"})
    assert bad.status == 400 and "không phải số nguyên" in await bad.text()
    async with site.db.reading() as store:
        assert (await store.targets.for_unit(site.world.village_ids["T1"], "2026-11"))["cks"] == 40


async def test_a_target_file_is_checked_then_applied(admin_site: AdminSite) -> None:
    site = admin_site
    await site.sign_in("binh")
    sheet = b"unit,period,vneid,cks\n16012-T2,2026-11,80,20\n16013-T1,2026-11,5,5\n"
    refused = await site.form("/app/admin/16012/targets/file", {"mode": "apply", "ky": "2026-11"},
                              ("t.csv", sheet))  # fmt: skip
    assert refused.status == 400 and "Dòng 3: đơn vị 16013-T1 nằm ngoài" in await refused.text()
    good = b"unit,period,vneid,cks\n16012-T2,2026-11,80,20\n"
    check = await site.form("/app/admin/16012/targets/file", {"mode": "check", "ky": "2026-11"},
                            ("t.csv", good))  # fmt: skip
    assert check.status == 200 and "2 chỉ tiêu sẽ thay đổi" in await check.text()
    async with site.db.reading() as store:
        assert await store.targets.for_unit(site.world.village_ids["T2"], "2026-11") == {}
    await site.form("/app/admin/16012/targets/file", {"mode": "apply", "ky": "2026-11"},
                    ("t.csv", good))  # fmt: skip
    async with site.db.reading() as store:
        got = await store.targets.for_unit(site.world.village_ids["T2"], "2026-11")
    assert got == {"vneid": 80, "cks": 20}


async def test_the_official_list_is_for_the_province_admin_of_that_province(
    admin_site: AdminSite,
) -> None:
    site = admin_site
    await site.sign_in("binh")
    assert (await site.form("/app/admin/16012/official", {"province": "38"})).status == 403
    await site.client.post("/app/logout", data={"csrf": await site.csrf()})
    await site.sign_in("hoa")
    count_before = len(await _units(site))
    check = await site.form("/app/admin/38/official", {"province": "38", "mode": "check"})
    assert check.status == 200 and "Áp dụng các thay đổi" in await check.text()
    assert len(await _units(site)) == count_before
    applied = await site.form("/app/admin/38/official", {"province": "38", "mode": "apply"})
    assert applied.status == 200
    assert len(await _units(site)) > count_before + 100  # Thanh Hóa's communes
    assert (await site.form("/app/admin/38/official", {"province": "01"})).status == 403


async def test_the_audit_is_seen_by_the_admin_above_not_by_a_neighbour(
    admin_site: AdminSite,
) -> None:
    site = admin_site
    await site.sign_in("binh")
    await site.form("/app/admin/16012/targets", {"ky": "2026-11", "t|16012|vneid": "500"})
    mine = await (await site.client.get("/app/admin/16012/audit")).text()
    assert 'data-action="admin_targets"' in mine and "Sửa chỉ tiêu" in mine
    await site.client.post("/app/logout", data={"csrf": await site.csrf()})
    await site.sign_in("hoa")
    above = await (await site.client.get("/app/admin/38/audit")).text()
    assert 'data-action="admin_targets"' in above and "Lê Thị Bình" in above
    await site.client.post("/app/logout", data={"csrf": await site.csrf()})
    await site.sign_in("dung")
    neighbour = await (await site.client.get("/app/admin/16013/audit")).text()
    assert "admin_targets" not in neighbour


async def test_the_province_admin_moves_a_village_between_communes(admin_site: AdminSite) -> None:
    site = admin_site
    await site.sign_in("hoa")
    move = "code,name,level,parent_code\n16012-T2,Thôn <2>,thôn,16013\n".encode()
    check = await site.form("/app/admin/38/units", {"mode": "check"}, ("m.csv", move))
    page = await check.text()
    assert 'data-kind="moved">1<' in page and "16012 → 16013" in page
    await site.form("/app/admin/38/units", {"mode": "apply"}, ("m.csv", move))
    async with site.db.reading() as store:
        village, other = await store.units.by_code("16012-T2"), await store.units.by_code("16013")
    assert village is not None and other is not None and village.parent_id == other.id
