"""Hostile whole updates through the real aiogram dispatcher (hypothesis): random text,
huge messages, HTML, zero-width and right-to-left characters, emoji, NFD, hostile names.

For every update: no crash (no apology, no error logged), no count the person did not type,
and every message the bot sends is HTML Telegram accepts, with all user text escaped.
"""

from __future__ import annotations

import html
import itertools
import logging
import re
import unicodedata
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.delivery.ratelimit import Limits
from bot.delivery.worker import DeliveryWorker
from bot.tg.app import make_dispatcher
from bot.tg.channel import TelegramChannel
from handlers import texts
from handlers.app import Handlers
from handlers.folding import fold
from handlers.types import Rules
from storage.db import Database
from storage.models import Role
from tests.bot.tg import fakes
from tests.conftest import NOW, FixedClock, World
from tests.properties import examples

# Telegram's HTML: these tags, entities, and no other "<", ">" or "&".
ALLOWED_TAG = re.compile(
    r"</?(?:b|strong|i|em|u|ins|s|strike|del|code|pre|tg-spoiler|blockquote)>"
    r'|<a href="[^"<>]*">|</a>|<code class="language-[\w-]+">'
)
ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")

pieces = st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from(list("0123456789 ,;:=+-./\n<>&\"'")),
    st.sampled_from(["\u200b", "\u200d", "\u202e", "\u2066", "\u0301", "\ufeff", "👍🏽", "🇻🇳"]),
    st.sampled_from(["<b>", "</i>", "<script>", "&amp;", "&#0;", "<a href='x'>", "<"]),
    st.sampled_from(["vneid", "cks", "tt", "hôm qua", "18/11", "người", "/bc ", "/sua ", "/huy"]),
    st.sampled_from(["/toi", "/tiendo", "/thanhvien", "/chuabaocao", "/start ", "/lienket "]),
)
hostile = st.lists(pieces, max_size=30).map("".join)
shaped = st.tuples(hostile, st.sampled_from(["NFC", "NFD", "upper", "huge"])).map(
    lambda pair: (
        pair[0] * 400 if pair[1] == "huge" else
        pair[0].upper() if pair[1] == "upper" else unicodedata.normalize(pair[1], pair[0])
    )
)  # fmt: skip
names = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from(list("<>&\"'\u202e"))),
    min_size=1, max_size=40,
).filter(lambda n: n.strip() != "")  # fmt: skip
FUZZ = settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_people = itertools.count(9_100_000)


def valid_telegram_html(html: str) -> bool:
    rest = ALLOWED_TAG.sub("", html)
    rest = ENTITY.sub("", rest)
    return "<" not in rest and ">" not in rest and "&" not in rest


def bot_texts(calls: list[Any]) -> list[str]:
    out = []
    for call in calls:
        for field in ("text", "caption"):
            value = getattr(call, field, None)
            if isinstance(value, str):
                out.append(value)
    return out


class Harness:
    def __init__(self, db: Database, clock: FixedClock) -> None:
        self.db = db
        self.session = fakes.RecordingSession()
        self.bot = Bot(
            "123456:FUZZ-TOKEN",
            session=self.session,
            default=DefaultBotProperties(parse_mode=ParseMode.HTML),
        )
        unlimited = Limits(per_second=1000, per_chat_second=1000, per_group_minute=1000)
        self.delivery = DeliveryWorker(db, {"telegram": TelegramChannel(self.bot, unlimited)})
        self.dispatcher = make_dispatcher(
            # Many examples from one person at one fixed moment: no per-minute limit, so
            # that they are recorded (the daily limit stays: its question is fuzzed too).
            Handlers(db, clock=clock, rules=Rules(per_entry_cap=500, reports_per_minute=10**9)),
            self.delivery,
            retry_failures=True,
        )

    async def totals(self) -> dict[str, int]:
        async with self.db.reading() as store:
            return await store.entries.totals(date(2026, 11, 1), date(2026, 11, 30))

    async def feed(self, update: dict[str, Any]) -> list[str]:
        before = len(self.session.calls)
        await self.dispatcher.feed_raw_update(self.bot, update)
        await self.delivery.flush()  # the replies, sent after the commit
        return bot_texts(self.session.calls[before:])


@pytest.fixture
async def harness(db: Database, clock: FixedClock, world: World) -> AsyncIterator[Harness]:
    telegram = Harness(db, clock)
    async with db.transaction() as store:
        an = await store.members.by_identity("test", "an")
        binh = await store.members.by_identity("test", "binh")
        assert an is not None and binh is not None and binh.role == Role.commune_leader
        await store.members.link(an, "telegram", str(fakes.PERSON["id"]), "An")
        await store.members.link(binh, "telegram", "4440001", "Bình")
        await store.commit()
    yield telegram
    await telegram.bot.session.close()


def check_sent(sent: list[str]) -> None:
    for message in sent:
        assert valid_telegram_html(message), message[:300]
        assert message != texts.ERROR  # an apology means something inside failed


@FUZZ
@given(text=shaped, in_group=st.booleans(), edited=st.booleans())
async def test_any_text_from_a_member_never_crashes_or_invents_a_count(
    harness: Harness, caplog: pytest.LogCaptureFixture, text: str, in_group: bool, edited: bool
) -> None:
    caplog.clear()
    before = await harness.totals()
    update = fakes.group_text(text) if in_group else fakes.private_text(text)
    if edited:
        update["edited_message"] = {**update.pop("message"), "edit_date": 1763700100}
    sent = await harness.feed(update)
    check_sent(sent)
    after = await harness.totals()
    typed = {int(run) for run in re.findall(r"\d+", fold(text))}
    for indicator, total in after.items():
        added = total - before.get(indicator, 0)
        assert added == 0 or added in typed, (indicator, added, text[:200])
    if edited:
        assert after == before  # an edit never changes a count
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text[:2000]


@FUZZ
@given(name=names, text=shaped)
@example(name="Hoa\x00<b>", text="vneid 5\x00 cks\x1b 2")  # NUL: PostgreSQL refuses it in text
async def test_a_hostile_name_joins_reports_and_is_listed_escaped(
    harness: Harness, world: World, caplog: pytest.LogCaptureFixture, name: str, text: str
) -> None:
    caplog.clear()
    async with harness.db.transaction() as store:
        invite = await store.invites.create(
            world.village_ids["T1"], Role.member, expires_at=NOW + timedelta(days=1)
        )
        await store.commit()
    person = {"id": next(_people), "is_bot": False, "first_name": name}
    check_sent(await harness.feed(fakes.private_text(f"/start {invite.code}", user=person)))
    check_sent(await harness.feed(fakes.private_text(text, user=person)))
    leader = {"id": 4440001, "is_bot": False, "first_name": "Bình"}
    listed = await harness.feed(fakes.private_text("/thanhvien 16012-T1", user=leader))
    check_sent(listed)
    async with harness.db.reading() as store:
        member = await store.members.by_identity("telegram", str(person["id"]))
    assert member is not None  # joined: the name did not stop them
    assert member.name in html.unescape("\n".join(listed))  # listed, and only as text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text[:2000]
