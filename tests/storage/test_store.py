"""Repositories against a real SQLite database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from storage.db import Database, async_url
from storage.models import Level, Role, pk


async def test_an_update_key_is_claimed_once(db: Database) -> None:
    async with db.transaction() as store:
        assert await store.claim_update("tg:1")
        assert not await store.claim_update("tg:1")
        assert await store.claim_update("zalo:1")
        await store.commit()


async def test_a_failed_transaction_leaves_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as store:
            await store.claim_update("tg:5")
            await store.units.add("X", "X", Level.province)
            raise RuntimeError("crash mid-update")
    async with db.transaction() as store:
        assert await store.claim_update("tg:5")
        assert await store.units.by_code("X") is None
        await store.commit()


async def test_subtree_totals_follow_the_unit_tree(db: Database) -> None:
    async with db.transaction() as store:
        p = await store.units.add("38", "Tỉnh", Level.province)
        c1 = await store.units.add("C1", "Xã 1", Level.commune, p)
        c2 = await store.units.add("C2", "Xã 2", Level.commune, p)
        v1 = await store.units.add("V1", "Thôn 1", Level.village, c1)
        v2 = await store.units.add("V2", "Thôn 2", Level.village, c2)
        m1 = await store.members.add("A", v1)
        m2 = await store.members.add("B", v2)
        day = date(2026, 11, 3)
        for member, unit, n in ((m1, v1, 5), (m2, v2, 7)):
            await store.entries.add_report(
                member_id=pk(member),
                unit_id=pk(unit),
                counts={"vneid": n},
                day=day,
                source="",
            )
        r = await store.entries.add_report(
            member_id=pk(m1), unit_id=pk(v1), counts={"cks": 9}, day=day, source=""
        )
        await store.entries.cancel(r, by=pk(m1), at=datetime.now(UTC))
        span = (date(2026, 11, 1), date(2026, 11, 30))
        assert await store.entries.totals(*span, unit=p) == {"vneid": 12}
        assert await store.entries.totals(*span, unit=c1) == {"vneid": 5}
        assert await store.entries.totals(*span, member_id=m2.id) == {"vneid": 7}
        assert await store.entries.totals(date(2026, 12, 1), date(2026, 12, 31), unit=p) == {}
        assert [u.code for u in await store.units.ancestors(v2)] == ["38", "C2", "V2"]
        await store.commit()


async def test_cancelling_twice_cancels_nothing_the_second_time(db: Database) -> None:
    async with db.transaction() as store:
        v = await store.units.add("V", "Thôn", Level.village)
        m = await store.members.add("A", v)
        r = await store.entries.add_report(
            member_id=pk(m),
            unit_id=pk(v),
            counts={"vneid": 1, "tt": 2},
            day=date(2026, 11, 1),
            source="",
        )
        now = datetime.now(UTC)
        assert await store.entries.cancel(r, by=pk(m), at=now) == 2
        assert await store.entries.cancel(r, by=pk(m), at=now) == 0
        (first, _) = await store.entries.by_receipt(r)
        assert first.cancelled_at is not None and first.cancelled_at.tzinfo is not None
        await store.commit()


async def test_an_invite_is_used_atomically_up_to_its_limit(db: Database) -> None:
    now = datetime(2026, 11, 21, tzinfo=UTC)
    async with db.transaction() as store:
        v = await store.units.add("V", "Thôn", Level.village)
        invite = await store.invites.create(
            pk(v), Role.member, expires_at=now + timedelta(days=1), max_uses=1
        )
        assert len(invite.code) == 8 and invite.code.isalnum()
        assert await store.invites.use(invite, now)
        assert not await store.invites.use(invite, now)
        other = await store.invites.create(pk(v), Role.member, expires_at=now)
        assert not await store.invites.use(other, now)
        assert [i.code for i, _ in await store.invites.active(now - timedelta(hours=1))] == [
            other.code
        ]
        await store.commit()


async def test_one_platform_account_belongs_to_one_member(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with db.transaction() as store:
            v = await store.units.add("V", "Thôn", Level.village)
            a = await store.members.add("A", v)
            b = await store.members.add("B", v)
            await store.members.link(a, "telegram", "1")
            await store.members.link(b, "telegram", "1")
            await store.commit()


async def test_one_member_may_have_several_platforms(db: Database) -> None:
    async with db.transaction() as store:
        v = await store.units.add("V", "Thôn", Level.village)
        a = await store.members.add("A", v)
        await store.members.link(a, "telegram", "1")
        await store.members.link(a, "zalo", "abc")
        assert (await store.members.by_identity("zalo", "abc")) == a
        assert [i.platform for i in await store.members.identities(pk(a))] == [
            "telegram",
            "zalo",
        ]
        await store.commit()


async def test_naive_timestamps_are_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive"):
        async with db.transaction() as store:
            v = await store.units.add("V", "Thôn", Level.village)
            m = await store.members.add("A", v)
            r = await store.entries.add_report(
                member_id=pk(m),
                unit_id=pk(v),
                counts={"vneid": 1},
                day=date(2026, 11, 1),
                source="",
            )
            await store.entries.cancel(r, by=pk(m), at=datetime(2026, 11, 1))
            await store.commit()


def test_plain_urls_get_an_async_driver() -> None:
    assert async_url("sqlite:///data/x.db") == "sqlite+inline:///data/x.db"
    assert async_url("postgresql://u:p@h/db") == "postgresql+asyncpg://u:p@h/db"
    assert async_url("postgresql+asyncpg:///db") == "postgresql+asyncpg:///db"  # kept as given
