"""A leader sends a notice from the operations pages in a real browser: compose, preview
(who receives it, per unit), confirm, watch its progress."""

from __future__ import annotations

import pytest

from tests.bot.web import test_browser as shared
from tests.bot.web.conftest import Site
from tests.bot.web.ops_site import Other, ops_fixture  # noqa: F401 (the fixture)
from tests.bot.web.test_browser import PHONE, _page, _shot, _url

pytestmark = pytest.mark.slow
browser = shared.browser  # the browser tests' own fixture, used here by its name


async def test_compose_preview_confirm_a_notice(ops: tuple[Site, Other], browser: object) -> None:
    site, _ = ops
    page = await _page(browser, PHONE)
    await page.goto(_url(site, await site.ticket("binh")))
    await page.goto(_url(site, "/app/ops/notices"))
    await page.fill("#text", "Họp tổ <CNSCĐ> lúc 8h thứ Hai")
    await page.get_by_role("button", name="Xem trước người nhận").click()
    assert await page.inner_text("#people") == "3" and await page.inner_text("#groups") == "1"
    rows = await page.locator("#per-unit tbody tr").all_inner_texts()
    assert any(r.startswith("Thôn 1") for r in rows)
    assert "Họp tổ <CNSCĐ> lúc 8h" in await page.inner_text("#preview")  # escaped, shown as typed
    await _shot(page, "ops-notice-preview-phone")
    await page.click("#send")
    await page.wait_for_selector("#progress")
    assert await page.inner_text("#total") == "4"
    assert await page.inner_text("#waiting") == "4"
    async with site.db.reading() as store:
        counts = await store.outbox.counts()
    assert counts.get("pending") == 4  # queued for the delivery worker, as /thongbao does
    await _shot(page, "ops-notice-progress-phone")
