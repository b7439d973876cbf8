"""The web app in a real browser (Debian's chromium driven by Playwright): what a member and
a leader do on a phone, with screenshots at phone and desktop width in build/screenshots/.

Chromium is installed by `.ci/browser.sh` (CI runs it); on a machine without it these tests
are skipped, except under CI where a missing browser is a failure."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from storage.models import Entry
from tests.bot.web.conftest import Site
from tests.bot.web.test_web_app import _init_data, _telegram_member
from tests.conftest import Chat

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[3] / "build" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 860}

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError("chromium is missing: .ci/browser.sh installs it")
    pytest.skip("no chromium here (bash .ci/browser.sh installs it)", allow_module_level=True)

playwright_api = pytest.importorskip("playwright.async_api")


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    async with playwright_api.async_playwright() as p:
        launched = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync",
            ],
        )  # fmt: skip
        yield launched
        await launched.close()


def _url(site: Site, path: str) -> str:
    return str(site.client.make_url(path))


async def _page(browser: object, viewport: dict[str, int]):  # type: ignore[no-untyped-def]
    context = await browser.new_context(viewport=viewport, accept_downloads=True)  # type: ignore[attr-defined]
    return await context.new_page()


async def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def _active(site: Site) -> list[Entry]:
    async with site.db.reading() as store:
        rows = (await store.session.exec(select(Entry))).all()
    return [e for e in rows if e.cancelled_at is None]


async def test_a_member_reports_with_the_steppers_and_undoes(site: Site, browser: object) -> None:
    page = await _page(browser, PHONE)
    await page.goto(_url(site, await site.ticket("an")))
    assert await page.inner_text("h1") == "Chào Nguyễn Văn An"
    plus_vneid = page.get_by_role("button", name="Thêm VNeID")
    for _ in range(3):
        await plus_vneid.click()
    await page.get_by_role("button", name="Thêm CKS").click()
    await page.get_by_role("button", name="Thêm CKS").click()
    await page.get_by_role("button", name="Bớt CKS").click()
    assert await page.input_value("#n_vneid") == "3"
    await _shot(page, "member-form-phone")
    await page.get_by_role("button", name="Gửi báo cáo").click()
    result = page.locator("#result")
    assert await result.get_attribute("data-refused") == "no"
    assert {(e.indicator, e.count) for e in await _active(site)} == {("vneid", 3), ("cks", 1)}
    (receipt,) = {e.receipt for e in await _active(site)}
    assert receipt in await result.inner_text()
    await _shot(page, "member-receipt-phone")
    await page.locator(f'li[data-receipt="{receipt}"]').get_by_role("button", name="Hủy").click()
    assert await page.locator("#result").get_attribute("data-refused") == "no"
    assert await _active(site) == []


async def test_a_leader_reads_drills_down_and_downloads(
    site: Site, chat: Chat, browser: object
) -> None:
    await chat.say("vneid 30 cks 4")
    await chat.say("tt 2", user="cuc")
    for viewport, label in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page = await _page(browser, viewport)
        await page.goto(_url(site, await site.ticket("binh")))
        await page.get_by_role("link", name="Xem tiến độ Xã Hoằng Kim").click()
        assert await page.inner_text("h1") == "Xã Hoằng Kim"
        cells = page.locator("#top td.count")
        assert await cells.all_inner_texts() == ["30", "4", "2"]
        await _shot(page, f"leader-dashboard-{label}")
    vneid = page.locator("#children th", has_text="VNeID")
    await vneid.click()  # fewest first
    names = page.locator("#children tbody td:first-child")
    assert await names.all_inner_texts() == ["Thôn <2>", "Thôn 1"]
    await vneid.click()  # most first
    assert await names.all_inner_texts() == ["Thôn 1", "Thôn <2>"]
    await page.get_by_role("link", name="Thôn 1").click()
    assert await page.inner_text("h1") == "Thôn 1"
    await page.get_by_role("link", name="Xã Hoằng Kim").click()
    async with page.expect_download() as waiting:
        await page.get_by_role("button", name="Tải về").click()
    download = await waiting.value
    book = load_workbook(io.BytesIO(Path(await download.path()).read_bytes()))
    values = [c.value for row in book.worksheets[0].iter_rows() for c in row]
    assert "Thôn 1" in values and 30 in values
    await page.goto(_url(site, "/app/unit/38"))  # the province above: not theirs
    assert "không có quyền" in await page.inner_text("main")


async def test_a_spent_link_is_refused_in_the_browser(site: Site, browser: object) -> None:
    page = await _page(browser, PHONE)
    link = _url(site, await site.ticket("an"))
    await page.goto(link)
    other = await _page(browser, PHONE)
    response = await other.goto(link)
    assert response is not None and response.status == 410
    assert "đã dùng hoặc đã hết hạn" in await other.inner_text("main")


async def test_the_mini_app_signs_in_from_telegram_launch_data(site: Site, browser: object) -> None:
    await _telegram_member(site, 4242)
    now = int(site.clock().timestamp())
    page = await _page(browser, PHONE)
    launch = quote(_init_data(4242, now), safe="")
    # (joined as text: yarl would decode the fragment that Telegram sends encoded)
    await page.goto(_url(site, "/web/tg") + f"#tgWebAppData={launch}&tgWebAppVersion=8.0")
    await page.wait_for_url("**/app")
    assert await page.inner_text("h1") == "Chào Nguyễn Văn An"
    tampered = await _page(browser, PHONE)
    launch = quote(_init_data(4242, now).replace("4242", "4243"), safe="")
    await tampered.goto(_url(site, "/web/tg") + f"#tgWebAppData={launch}")
    await tampered.wait_for_load_state("networkidle")
    assert "Không xác thực được" in await tampered.inner_text("main")
