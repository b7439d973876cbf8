"""The web app with the operations pages and the API, over the test world plus a second
commune (16013) with its own leader, group and dead letter."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from bot.web.api import api_routes
from bot.web.app import WebConfig, web_routes
from bot.web.operations import operations_routes
from handlers.api import ApiService
from handlers.context import IndicatorCache
from handlers.types import Rules
from handlers.web import WebApp
from storage.db import Database
from storage.models import Identity, Level, OutboxMessage, OutboxStatus, Role
from tests.bot.web.conftest import BOT_TOKEN, Site
from tests.conftest import FixedClock, World

LEAKY = "TelegramNetworkError: https://api.telegram.org/bot123456:SECRETTOKEN/sendMessage failed"


@dataclass
class Other:
    group_pk: int  # the Chat row of 16013's group
    dead_mine: int  # a dead letter to a member of 16012
    dead_theirs: int  # a dead letter to 16013's group


async def seed_other(db: Database, world: World) -> Other:
    async with db.transaction() as store:
        commune = await store.units.get(world.commune_id)
        assert commune is not None
        province = await store.units.get(commune.parent_id or 0)
        other = await store.units.add("16013", "Xã Hoằng Trung", Level.commune, province)
        dung = await store.members.add("Phạm Dũng", other, Role.commune_leader)
        await store.members.link(dung, "test", "dung", "Dũng")
        for ident in (await store.session.exec(select(Identity))).all():
            ident.private_chat_id = ident.user_id  # everyone wrote to the bot privately
        t1 = await store.units.by_code("16012-T1")
        assert t1 is not None
        await store.chats.bind("test", "group-T1", t1, title="Nhóm <Thôn 1>", by=None)
        theirs = await store.chats.bind("test", "group-Trung", other, title="Nhóm Trung", by=None)
        ids = []
        for key, chat in (("tally:1:cuc", "cuc"), ("tally:1:group", "group-Trung")):
            await store.outbox.enqueue(key, kind="tally", platform="test", chat_id=chat, html="x")
        for row in (await store.session.exec(select(OutboxMessage))).all():
            row.status, row.attempts, row.last_error = OutboxStatus.dead, 6, LEAKY
            ids.append(row.id or 0)
        await store.commit()
        return Other(theirs.id or 0, ids[0], ids[1])


@pytest.fixture(name="ops")
async def ops_fixture(
    db: Database, clock: FixedClock, world: World
) -> AsyncIterator[tuple[Site, Other]]:
    other = await seed_other(db, world)
    app = web.Application()
    webapp = WebApp(db, clock=clock, rules=Rules(), cache=IndicatorCache())
    web_routes(app, webapp, WebConfig(False, 12, BOT_TOKEN), clock)
    operations_routes(app, webapp)
    api_routes(app, ApiService(db, clock))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Site(client, db, clock, world), other


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)
