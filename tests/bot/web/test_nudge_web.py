"""The dashboard's "nhắc" form is `/nhacnho` through the chat's handler: CSRF, a one-time
nonce, the same role and subtree checks; and "không phát sinh" is labelled."""

from __future__ import annotations

import re

import pytest
from sqlmodel import col, select

from storage.models import Level, OutboxMessage
from tests.bot.web.conftest import Site
from tests.conftest import Chat

pytestmark = pytest.mark.slow  # serves the web app on 127.0.0.1 (aiohttp's test server)


async def _nudges(site: Site) -> list[OutboxMessage]:
    async with site.db.reading() as store:
        stmt = select(OutboxMessage).where(col(OutboxMessage.key).startswith("nudge:"))
        return list((await store.session.exec(stmt)).all())


async def _dashboard_csrf(site: Site, path: str = "/app/unit") -> str:
    page = await (await site.client.get(path)).text()
    found = re.search(r'id="nudge">\s*<input type="hidden" name="csrf" value="([^"]+)"', page)
    assert found is not None, page
    return found.group(1)


async def test_the_dashboard_form_nudges_once(site: Site, chat: Chat) -> None:
    await chat.say("/toi", user="cuc")
    await chat.say("vneid 3")
    await site.sign_in("binh")
    csrf = await _dashboard_csrf(site)
    form = {"csrf": csrf, "nonce": "k1"}
    page = await (await site.client.post("/app/unit/16012/nhacnho", data=form)).text()
    assert 'data-refused="no"' in page
    assert "Đã gửi lời nhắc tới 1 thành viên: Trần Thị Cúc." in page
    again = await (await site.client.post("/app/unit/16012/nhacnho", data=form)).text()
    assert "đã được xử lý rồi" in again  # the same form twice: once
    assert [r.chat_id for r in await _nudges(site)] == ["cuc"]


async def test_the_form_needs_the_csrf_token(site: Site, chat: Chat) -> None:
    await chat.say("/toi", user="cuc")
    await site.sign_in("binh")
    form = {"csrf": "forged", "nonce": "k2"}
    assert (await site.client.post("/app/unit/16012/nhacnho", data=form)).status == 403
    assert await _nudges(site) == []


async def test_a_unit_outside_the_subtree_is_refused(site: Site, chat: Chat) -> None:
    await chat.say("/toi", user="cuc")
    async with site.db.transaction() as store:
        other = await store.units.add("99999", "Xã Khác", Level.commune)
        await store.units.add("99999-T1", "Thôn Khác", Level.village, other)
        await store.commit()
    await site.sign_in("binh")
    csrf = await _dashboard_csrf(site)
    response = await site.client.post("/app/unit/99999/nhacnho", data={"csrf": csrf, "nonce": "k3"})
    assert response.status == 403
    assert await _nudges(site) == []


async def test_a_member_cannot_nudge_from_the_web(site: Site, chat: Chat) -> None:
    await chat.say("/toi", user="cuc")
    await site.sign_in("an")
    csrf = await site.csrf()
    response = await site.client.post("/app/unit/16012/nhacnho", data={"csrf": csrf, "nonce": "k4"})
    assert response.status == 403
    assert await _nudges(site) == []


async def test_the_dashboard_labels_nothing_to_report(site: Site, chat: Chat) -> None:
    await chat.say("không phát sinh", user="cuc")
    await site.sign_in("binh")
    page = await (await site.client.get("/app/unit")).text()
    assert re.search(r"Thôn &lt;2&gt;</a> <span class=\"muted nothing\">\(không phát sinh\)", page)
    assert "Không phát sinh số liệu (1)" in page
    assert "Thôn 1</a> <span" not in page
