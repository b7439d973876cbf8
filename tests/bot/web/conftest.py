"""The web app served in-process on 127.0.0.1 (aiohttp's test server), over the test world."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.web.app import WebConfig, web_routes
from handlers.context import IndicatorCache
from handlers.types import Rules
from handlers.web import WebApp
from storage.db import Database
from storage.models import pk
from tests.conftest import FixedClock, World

BOT_TOKEN = "123456789:AAE-test-token-for-web-app-checks-0123"


@dataclass
class Site:
    client: TestClient
    db: Database
    clock: FixedClock
    world: World

    async def ticket(self, member: str) -> str:
        """A fresh /web login path for a test member (by their test identity)."""
        async with self.db.transaction() as store:
            found = await store.members.by_identity("test", member)
            assert found is not None
            token = await store.web.issue_ticket(pk(found), self.clock() + timedelta(minutes=10))
            await store.commit()
        return f"/web/login/{token}"

    async def sign_in(self, member: str) -> None:
        response = await self.client.get(await self.ticket(member), allow_redirects=False)
        assert response.status == 303, await response.text()

    async def csrf(self) -> str:
        page = await (await self.client.get("/app")).text()
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        assert found is not None
        return found.group(1)


@pytest.fixture
async def site(db: Database, clock: FixedClock, world: World) -> AsyncIterator[Site]:
    app = web.Application()
    webapp = WebApp(db, clock=clock, rules=Rules(), cache=IndicatorCache())
    web_routes(app, webapp, WebConfig(False, 12, BOT_TOKEN), clock)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Site(client, db, clock, world)
