"""The operations pages over HTTP: groups, outbox, notices and API tokens, each for a
leader inside their own commune; URL tampering gets 403 and changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from storage.models import AuditLog, Broadcast, Chat, OutboxMessage, OutboxStatus, Role
from tests.bot.web.conftest import Site
from tests.bot.web.ops_site import Other, csrf_of, ops_fixture  # noqa: F401 (the fixture)

pytestmark = pytest.mark.slow  # serves the web app on 127.0.0.1 (aiohttp's test server)

Ops = tuple[Site, Other]


async def _csrf(site: Site) -> str:
    return csrf_of(await (await site.client.get("/app")).text())


async def test_a_member_gets_403_on_every_operations_page(ops: Ops) -> None:
    site, _ = ops
    await site.sign_in("binh")
    assert 'id="ops-link"' in await (await site.client.get("/app")).text()
    site.client.session.cookie_jar.clear()
    await site.sign_in("an")
    assert 'id="ops-link"' not in await (await site.client.get("/app")).text()
    for path in ("/app/ops", "/app/ops/groups", "/app/ops/outbox", "/app/ops/notices",
                 "/app/ops/tokens"):  # fmt: skip
        assert (await site.client.get(path)).status == 403, path
    response = await site.client.post(
        "/app/ops/notices/preview", data={"csrf": await _csrf(site), "text": "Họp lúc 8h"}
    )
    assert response.status == 403
    async with site.db.reading() as store:
        assert not (await store.session.exec(select(Broadcast))).all()  # no draft either


async def test_a_leader_sees_and_unbinds_only_the_groups_of_their_commune(ops: Ops) -> None:
    site, other = ops
    await site.sign_in("binh")
    page = await (await site.client.get("/app/ops/groups")).text()
    assert "Nhóm &lt;Thôn 1&gt;" in page and "Nhóm Trung" not in page
    csrf = await _csrf(site)
    tampered = await site.client.post(
        f"/app/ops/groups/{other.group_pk}/unbind", data={"csrf": csrf}
    )
    assert tampered.status == 403
    no_csrf = await site.client.post(f"/app/ops/groups/{other.group_pk}/unbind", data={})
    assert no_csrf.status == 403
    async with site.db.reading() as store:
        chats = {c.chat_id: c for c in (await store.session.exec(select(Chat))).all()}
    assert chats["group-Trung"].unit_id is not None  # untouched
    mine = chats["group-T1"].id
    done = await site.client.post(f"/app/ops/groups/{mine}/unbind", data={"csrf": csrf})
    assert done.status == 200 and "Đã gỡ nhóm “Nhóm &lt;Thôn 1&gt;”" in await done.text()
    async with site.db.reading() as store:
        assert (await store.chats.find("test", "group-T1")).unit_id is None  # type: ignore[union-attr]
        actions = [a.action for a in (await store.session.exec(select(AuditLog))).all()]
    assert "unbind" in actions


async def test_the_outbox_shows_scrubbed_dead_letters_of_the_commune_and_retries_them(
    ops: Ops,
) -> None:
    site, other = ops
    await site.sign_in("binh")
    page = await (await site.client.get("/app/ops/outbox")).text()
    assert f'data-message="{other.dead_mine}"' in page
    assert f'data-message="{other.dead_theirs}"' not in page  # another commune's group
    assert "SECRETTOKEN" not in page and "api.telegram.org/bot" in page
    assert re.search(r'data-status="dead"><td>dead</td><td>2<', page)  # the queue's depth
    csrf = await _csrf(site)
    tampered = await site.client.post(
        f"/app/ops/outbox/{other.dead_theirs}/retry", data={"csrf": csrf}
    )
    assert tampered.status == 403
    done = await site.client.post(f"/app/ops/outbox/{other.dead_mine}/retry", data={"csrf": csrf})
    assert done.status == 200
    async with site.db.reading() as store:
        rows = {m.id: m.status for m in (await store.session.exec(select(OutboxMessage))).all()}
    assert rows[other.dead_mine] == OutboxStatus.pending
    assert rows[other.dead_theirs] == OutboxStatus.dead
    missing = await site.client.post("/app/ops/outbox/99999/retry", data={"csrf": csrf})
    assert missing.status == 404


async def test_a_notice_goes_out_by_the_path_of_thongbao_and_can_be_stopped(ops: Ops) -> None:
    site, _ = ops
    await site.sign_in("binh")
    csrf = await _csrf(site)
    preview = await site.client.post(
        "/app/ops/notices/preview", data={"csrf": csrf, "text": "Họp <tổ> lúc 8h"}
    )
    page = await preview.text()
    assert preview.status == 200 and "Họp &lt;tổ&gt; lúc 8h" in page
    number = re.search(r"/app/ops/notices/(\d+)/confirm", page)
    assert number is not None
    # an, cúc and bình write privately; group-T1 is bound: 3 people, 1 group.
    assert '<span id="people">3</span>' in page and '<span id="groups">1</span>' in page
    assert re.search(r'data-unit="16012-T1"><td>Thôn 1</td><td>1</td><td>1</td>', page)
    site.client.session.cookie_jar.clear()
    await site.sign_in("dung")  # another commune's leader cannot send it
    other_csrf = await _csrf(site)
    path = f"/app/ops/notices/{number.group(1)}"
    tampered = await site.client.post(
        f"{path}/confirm", data={"csrf": other_csrf, "action": "send"}
    )
    assert tampered.status == 403 and (await site.client.get(path)).status == 403
    site.client.session.cookie_jar.clear()
    await site.sign_in("binh")
    csrf = await _csrf(site)
    sent = await site.client.post(
        f"{path}/confirm", data={"csrf": csrf, "action": "send"}, allow_redirects=False
    )
    assert sent.status == 303 and sent.headers["Location"] == path
    progress = await (await site.client.get(path)).text()
    assert '<span id="total">4</span>' in progress and 'id="stop"' in progress
    stopped = await site.client.post(f"{path}/stop", data={"csrf": csrf})
    assert stopped.status == 200
    async with site.db.reading() as store:
        counts = await store.outbox.counts(int(number.group(1)))
    assert counts == {"cancelled": 4}


async def test_an_api_token_made_on_the_web_reads_its_commune_only(ops: Ops) -> None:
    site, _ = ops
    await site.sign_in("binh")
    csrf = await _csrf(site)
    refused = await site.client.post(
        "/app/ops/tokens", data={"csrf": csrf, "name": "Kho", "unit": "16013"}
    )
    assert refused.status == 403
    made = await site.client.post(
        "/app/ops/tokens", data={"csrf": csrf, "name": "Kho dữ liệu", "unit": "16012"}
    )
    token = re.search(r'<code id="token">([^<]+)</code>', await made.text())
    assert made.status == 200 and token is not None
    listing = await (await site.client.get("/app/ops/tokens")).text()
    assert token.group(1) not in listing and "Kho dữ liệu" in listing
    bearer = {"Authorization": f"Bearer {token.group(1)}"}
    assert (await site.client.get("/api/v1/units", headers=bearer)).status == 200
    other = await site.client.get("/api/v1/progress", params={"unit": "16013"}, headers=bearer)
    assert other.status == 403
    number = re.search(r'data-token="(\d+)"', listing)
    assert number is not None
    site.client.session.cookie_jar.clear()
    await site.sign_in("dung")
    tampered = await site.client.post(
        f"/app/ops/tokens/{number.group(1)}/revoke", data={"csrf": await _csrf(site)}
    )
    assert tampered.status == 403
    assert (await site.client.get("/api/v1/units", headers=bearer)).status == 200


async def test_a_group_bound_by_a_higher_role_stays_bound_for_a_commune_leader(ops: Ops) -> None:
    site, _ = ops
    async with site.db.transaction() as store:
        province = await store.units.by_code("38")
        t1 = await store.units.by_code("16012-T1")
        assert province is not None and t1 is not None
        boss = await store.members.add("Hà Tỉnh", province, Role.province_admin)
        chat = await store.chats.bind("test", "group-T1", t1, title="Nhóm T1", by=boss.id)
        number = chat.id
        await store.commit()
    await site.sign_in("binh")
    refused = await site.client.post(
        f"/app/ops/groups/{number}/unbind", data={"csrf": await _csrf(site)}
    )
    assert refused.status == 403 and "Hà Tỉnh" in await refused.text()
    async with site.db.reading() as store:
        assert (await store.chats.find("test", "group-T1")).unit_id is not None  # type: ignore[union-attr]
