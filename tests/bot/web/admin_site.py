"""The web app with its admin pages on aiohttp's test server (127.0.0.1), over the test
world plus a neighbouring commune with its own leader and a province admin above both."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient, TestServer

from bot.web.admin import admin_routes
from bot.web.app import WebConfig, web_routes
from handlers.admin_roster import RosterApp
from handlers.context import IndicatorCache
from handlers.types import Rules
from handlers.web import WebApp
from storage.db import Database
from storage.models import Level, Role
from tests.bot.web.conftest import BOT_TOKEN, Site
from tests.conftest import FixedClock, World

BOT = "CnsXaBot"


@dataclass
class AdminSite(Site):
    async def form(self, path: str, fields: dict[str, str], file: tuple[str, bytes] | None = None):  # type: ignore[no-untyped-def]
        """A multipart post as the pages send it, with the session's CSRF token."""
        data = FormData()
        data.add_field("csrf", await self.csrf())
        for name, value in fields.items():
            data.add_field(name, value)
        if file is not None:
            data.add_field("file", io.BytesIO(file[1]), filename=file[0])
        return await self.client.post(path, data=data, allow_redirects=False)

    async def csrf(self) -> str:
        page = await (await self.client.get("/app")).text()
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        assert found is not None
        return found.group(1)


async def add_neighbours(db: Database) -> None:
    """Commune 16013 (with a village and its own leader) and a province admin."""
    async with db.transaction() as store:
        province = await store.units.by_code("38")
        assert province is not None
        other = await store.units.add("16013", "Xã Hoằng Sơn", Level.commune, province)
        await store.units.add("16013-T1", "Thôn Sơn 1", Level.village, other)
        dung = await store.members.add("Phạm Văn Dũng", other, Role.commune_leader)
        await store.members.link(dung, "test", "dung", "Dũng")
        hoa = await store.members.add("Đỗ Thị Hoa", province, Role.province_admin)
        await store.members.link(hoa, "test", "hoa", "Hoa")
        await store.commit()


@pytest.fixture
async def admin_site(db: Database, clock: FixedClock, world: World) -> AsyncIterator[AdminSite]:
    await add_neighbours(db)
    app = web.Application()
    webapp = WebApp(db, clock=clock, rules=Rules(), cache=IndicatorCache())
    web_routes(app, webapp, WebConfig(False, 12, BOT_TOKEN), clock)
    admin = RosterApp(db, clock=clock, rules=Rules(), cache=IndicatorCache(), bot_username=BOT)
    admin_routes(app, admin)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield AdminSite(client, db, clock, world)
