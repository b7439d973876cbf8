"""The admin pages in a real browser (Debian's chromium, Playwright) at phone width: a unit
file's diff then apply, a target grid edit, a 200-person roster whose PDF pack is rendered
(pdftoppm) and whose QR codes decode (zxing-cpp) to the members' links, a card used to
join, and a commune admin refused another commune. Screenshots in build/screenshots/."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlmodel import col, select

from storage.models import Invite, RosterEntry, Unit
from tests.bot.web.admin_site import BOT, AdminSite, admin_site
from tests.bot.web.test_browser import _page, _shot, _url, browser
from tests.conftest import Chat

__all__ = ["admin_site", "browser"]
pytestmark = pytest.mark.slow
PHONE = {"width": 390, "height": 844}


async def test_a_unit_file_is_previewed_then_applied(
    admin_site: AdminSite, browser: object, tmp_path: Path
) -> None:
    site = admin_site
    page = await _page(browser, PHONE)
    await page.goto(_url(site, await site.ticket("binh")))
    await page.goto(_url(site, "/app/admin/16012/units"))
    villages = tmp_path / "thon.csv"
    villages.write_text(
        "code,name,level,parent_code\n16012-T3,Thôn Kim Sơn,thôn,16012\n"
        "16012-T1,Thôn Một Mới,thôn,16012\n",
        encoding="utf-8",
    )
    await page.set_input_files('input[name="file"]', str(villages))
    await page.get_by_role("button", name="Kiểm tra").click()
    await page.wait_for_selector("#diff")
    assert await page.inner_text('[data-kind="added"]') == "1"
    assert await page.inner_text('[data-kind="renamed"]') == "1"
    await _shot(page, "admin-units-diff-phone")
    async with site.db.reading() as store:
        assert await store.units.by_code("16012-T3") is None  # the preview kept nothing
    await page.get_by_role("button", name="Áp dụng các thay đổi").click()
    assert "thêm 1, sửa 1" in await page.inner_text("#result")
    async with site.db.reading() as store:
        added = await store.units.by_code("16012-T3")
    assert added is not None and added.name == "Thôn Kim Sơn"
    await page.goto(_url(site, "/app/admin/16012/units"))
    await _shot(page, "admin-units-phone")


async def test_a_target_is_edited_in_the_grid(admin_site: AdminSite, browser: object) -> None:
    site = admin_site
    page = await _page(browser, PHONE)
    await page.goto(_url(site, await site.ticket("binh")))
    await page.goto(_url(site, "/app/admin/16012/targets?ky=2026-11"))
    cell = page.locator('input[name="t|16012-T2|vneid"]')
    await cell.fill("150")
    await page.get_by_role("button", name="Lưu chỉ tiêu").click()
    assert "Đã lưu 1 chỉ tiêu" in await page.inner_text("#result")
    assert await page.locator('input[name="t|16012-T2|vneid"]').input_value() == "150"
    rollup = await page.inner_text('tr.scope td[data-indicator="vneid"] .rollup')
    assert "cấp dưới 250" in rollup
    await _shot(page, "admin-targets-phone")
    async with site.db.reading() as store:
        got = await store.targets.for_unit(site.world.village_ids["T2"], "2026-11")
    assert got == {"vneid": 150}
    await page.get_by_role("link", name="Nhật ký").click()
    entry = page.locator('#audit li[data-action="admin_targets"]')
    assert "Sửa chỉ tiêu" in await entry.inner_text() and "Lê Thị Bình" in await entry.inner_text()
    await _shot(page, "admin-audit-phone")


def _decode(png: Path) -> list[str]:
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    with Image.open(png) as image:
        return [found.text for found in zxingcpp.read_barcodes(image)]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm: .ci/browser.sh")
async def test_a_roster_of_200_becomes_a_printable_pack_whose_qr_codes_decode(
    admin_site: AdminSite, browser: object, tmp_path: Path, chat: Chat
) -> None:
    site = admin_site
    page = await _page(browser, PHONE)
    await page.goto(_url(site, await site.ticket("binh")))
    await page.goto(_url(site, "/app/admin/16012/roster"))
    roster = tmp_path / "danh-sach.csv"
    lines = ["name,phone,village_code,role"]
    lines += [f"Nguyễn Thị Hường {n:03},,16012-T{1 + n % 2}," for n in range(200)]
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    await page.set_input_files('input[name="file"]', str(roster))
    await page.get_by_role("button", name="Kiểm tra").click()
    assert await page.inner_text("#count") == "200"
    await _shot(page, "admin-roster-check-phone")
    await page.get_by_role("button", name="Tạo 200 thẻ mời").click()
    assert await page.inner_text('[data-status="waiting"]') == "200"
    await _shot(page, "admin-roster-phone")
    async with site.db.reading() as store:
        rows = (
            await store.session.exec(
                select(RosterEntry, Invite, Unit)
                .join(Invite, col(Invite.id) == col(RosterEntry.invite_id))
                .join(Unit, col(Unit.id) == col(RosterEntry.unit_id))
                .order_by(col(Unit.path), col(RosterEntry.id))
            )
        ).all()
    assert len(rows) == 200 and len({invite.code for _, invite, _ in rows}) == 200
    async with page.expect_download() as waiting:
        await page.locator("#pack-pdf").click()
    pdf = tmp_path / "pack.pdf"
    await (await waiting.value).save_as(str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(
        ["pdftoppm", "-r", "200", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "p")],
        check=True, timeout=60,
    )  # fmt: skip
    first_page = next(tmp_path.glob("p*.png"))
    shutil.copy(first_page, Path(__file__).resolve().parents[3] / "build" / "screenshots"
                / "admin-pack-page1.png")  # fmt: skip
    decoded = _decode(first_page)
    expected = [f"https://t.me/{BOT}?start={invite.code}" for _, invite, _ in rows[:8]]
    assert sorted(decoded) == sorted(expected)  # 8 cards a page, each its member's own link
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout  # fmt: skip
    text = " ".join(text.split())  # a long name wraps on its card
    assert rows[0][0].name in text and "Quét mã QR" in text  # Vietnamese glyphs, not boxes

    # The first card's member joins with it: the roster shows them as joined.
    entry, invite, _ = rows[0]
    await chat.send(f"/start {invite.code}", user="huong", name="Hường")
    await page.reload()
    assert await page.inner_text('[data-status="joined"]') == "1"
    status = await page.get_attribute(f'li[data-entry="{entry.id}"]', "data-status")
    assert status == "joined"
    shots = Path(__file__).resolve().parents[3] / "build" / "screenshots"
    await page.locator("#summary").screenshot(path=str(shots / "admin-roster-summary-phone.png"))
    joined = page.locator(f'li[data-entry="{entry.id}"]')
    await joined.screenshot(path=str(shots / "admin-roster-joined-phone.png"))


async def test_a_commune_admin_is_refused_another_commune(
    admin_site: AdminSite, browser: object
) -> None:
    site = admin_site
    page = await _page(browser, PHONE)
    await page.goto(_url(site, await site.ticket("binh")))
    for path in ("roster", "units", "targets", "audit"):
        response = await page.goto(_url(site, f"/app/admin/16013/{path}"))
        assert response is not None and response.status == 403
        assert "không có quyền" in await page.inner_text("main")
    await _shot(page, "admin-forbidden-phone")
