"""The web dashboard shows the month's sign-off as a badge with who and when, and the
on-time rate, through the same state as /tiendo; what people typed is escaped."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.models import Role
from tests.bot.web.conftest import Site
from tests.conftest import Chat, World

pytestmark = pytest.mark.slow  # serves the web app on 127.0.0.1 (aiohttp's test server)


async def test_the_dashboard_shows_the_sign_off_with_who_and_when(site: Site, chat: Chat) -> None:
    await chat.say("vneid 5")
    await site.sign_in("binh")
    before = await (await site.client.get("/app/unit")).text()
    assert 'data-status="open"' in before and "Chốt số liệu: chưa chốt" in before
    await chat.say("/chot", user="binh")
    page = await (await site.client.get("/app/unit")).text()
    assert 'data-status="signed"' in page
    assert "Chốt số liệu: đã chốt — Lê Thị Bình, 10:00 21/11/2026" in page
    assert "Đúng hạn (hạn 20/11/2026): 0/2 thôn (0,0%)" in page  # both reported on the 21st


async def test_a_return_reason_is_escaped_on_the_page(
    site: Site, chat: Chat, db: Database, world: World
) -> None:
    async with db.transaction() as store:
        commune = await store.units.get(world.commune_id)
        assert commune is not None and commune.parent_id is not None
        province = await store.units.get(commune.parent_id)
        assert province is not None
        tinh = await store.members.add("Tỉnh <i>", province, Role.province_admin)
        await store.members.link(tinh, "test", "tinh")
        await store.commit()
    await chat.say("/chot", user="binh")
    assert "Đã trả lại" in await chat.say("/tralai 16012 <script>alert(1)</script>", user="tinh")
    await site.sign_in("binh")
    page = await (await site.client.get("/app/unit")).text()
    assert 'data-status="returned"' in page
    assert "<script>alert(1)" not in page and "<i>" not in page
    assert "Lý do: &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "trả lại — Tỉnh &lt;i&gt;, 10:00 21/11/2026" in page
