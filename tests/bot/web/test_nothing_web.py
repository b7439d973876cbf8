"""The web dashboard counts a village that declared "không phát sinh" as reported."""

from __future__ import annotations

import pytest

from tests.bot.web.conftest import Site
from tests.conftest import Chat

pytestmark = pytest.mark.slow  # serves the web app on 127.0.0.1 (aiohttp's test server)


async def test_the_dashboard_counts_a_declaration_as_reported(site: Site, chat: Chat) -> None:
    await chat.say("vneid 30")
    await site.sign_in("binh")
    before = await (await site.client.get("/app/unit")).text()
    assert "đã báo cáo 1/2 thôn" in before
    await chat.say("không phát sinh", user="cuc")
    page = await (await site.client.get("/app/unit")).text()
    assert "đã báo cáo 2/2 thôn" in page and "Chưa báo cáo (0)" in page
