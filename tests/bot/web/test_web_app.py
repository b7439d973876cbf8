"""The web app over HTTP: sign-in (one-time links, Telegram initData), the member's report
form through the chat's report path, the leader's dashboard with the chat's numbers and
permission checks, the Excel download."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from bot.web.app import COOKIE
from bot.web.telegram_auth import sign_init_data
from storage.models import Entry
from tests.bot.web.conftest import BOT_TOKEN, Site
from tests.conftest import Chat

pytestmark = pytest.mark.slow  # serves the web app on 127.0.0.1 (aiohttp's test server)


async def _entries(site: Site) -> list[Entry]:
    from sqlmodel import select

    async with site.db.reading() as store:
        return list((await store.session.exec(select(Entry))).all())


async def test_a_login_link_works_once(site: Site) -> None:
    path = await site.ticket("an")
    first = await site.client.get(path, allow_redirects=False)
    assert first.status == 303 and first.headers["Location"] == "/app"
    cookie = first.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert "Nguyễn Văn An" in await (await site.client.get("/app")).text()
    site.client.session.cookie_jar.clear()
    again = await site.client.get(path, allow_redirects=False)
    assert again.status == 410
    assert (await site.client.get("/app")).status == 401


async def test_an_expired_link_is_refused(site: Site) -> None:
    path = await site.ticket("an")
    site.clock.advance(minutes=11)
    assert (await site.client.get(path, allow_redirects=False)).status == 410


async def test_the_web_command_sends_a_working_link(site: Site, chat: Chat) -> None:
    reply = await chat.say("/web")
    found = re.search(r"http://127\.0\.0\.1:8080(/web/login/[\w-]+)", reply)
    assert found is not None and "một lần" in reply
    assert (await site.client.get(found.group(1), allow_redirects=False)).status == 303


def _init_data(user_id: int, auth_date: int, token: str = BOT_TOKEN) -> str:
    user = json.dumps({"id": user_id, "first_name": "An"})
    return sign_init_data({"auth_date": str(auth_date), "query_id": "AAH", "user": user}, token)


async def _telegram_member(site: Site, user_id: int) -> None:
    async with site.db.transaction() as store:
        an = await store.members.by_identity("test", "an")
        assert an is not None
        await store.members.link(an, "telegram", str(user_id), "An")
        await store.commit()


async def test_a_mini_app_signs_in_with_genuine_init_data_only(site: Site) -> None:
    await _telegram_member(site, 777)
    now = int(site.clock().timestamp())
    post = site.client.post
    good = await post(
        "/web/telegram", data={"init_data": _init_data(777, now)}, allow_redirects=False
    )
    assert good.status == 303
    site.client.session.cookie_jar.clear()
    tampered = _init_data(777, now).replace("777", "778")
    assert (await post("/web/telegram", data={"init_data": tampered})).status == 401
    other_bot = _init_data(777, now, token="999:other")
    assert (await post("/web/telegram", data={"init_data": other_bot})).status == 401
    stale = _init_data(777, now - 2 * 86400)
    assert (await post("/web/telegram", data={"init_data": stale})).status == 401
    assert (await post("/web/telegram", data={"init_data": "garbage=%%"})).status == 401
    stranger = await post("/web/telegram", data={"init_data": _init_data(5, now)})
    assert stranger.status == 403


async def test_a_member_reports_through_the_chat_path_once(site: Site) -> None:
    await site.sign_in("an")
    csrf = await site.csrf()
    form = {"csrf": csrf, "nonce": "n1", "day": "2026-11-20", "n_vneid": "5", "n_cks": "2"}
    page = await (await site.client.post("/app/report", data=form)).text()
    assert 'data-refused="no"' in page
    again = await (await site.client.post("/app/report", data=form)).text()  # a double tap
    assert "đã được xử lý" in again
    entries = await _entries(site)
    assert sorted((e.indicator, e.count, str(e.day)) for e in entries) == [
        ("cks", 2, "2026-11-20"),
        ("vneid", 5, "2026-11-20"),
    ]
    assert entries[0].receipt in page  # the chat's receipt, with its code


async def test_the_form_refuses_what_the_chat_refuses(site: Site) -> None:
    await site.sign_in("an")
    csrf = await site.csrf()
    form = {"csrf": csrf, "nonce": "n2", "day": "2026-11-22", "n_vneid": "5"}  # tomorrow
    page = await (await site.client.post("/app/report", data=form)).text()
    assert 'data-refused="yes"' in page
    form = {"csrf": csrf, "nonce": "n3", "day": "2026-11-21", "n_vneid": "9000"}
    assert 'data-refused="yes"' in await (await site.client.post("/app/report", data=form)).text()
    assert await _entries(site) == []


async def test_undo_from_the_page(site: Site) -> None:
    await site.sign_in("an")
    csrf = await site.csrf()
    form = {"csrf": csrf, "nonce": "n4", "day": "2026-11-21", "n_tt": "3"}
    await site.client.post("/app/report", data=form)
    (entry,) = await _entries(site)
    undo = {"csrf": csrf, "nonce": "u1", "receipt": entry.receipt}
    page = await (await site.client.post("/app/undo", data=undo)).text()
    assert 'data-refused="no"' in page
    (entry,) = await _entries(site)
    assert entry.cancelled_at is not None


async def test_a_form_without_the_csrf_token_changes_nothing(site: Site) -> None:
    await site.sign_in("an")
    form = {"csrf": "forged", "nonce": "n5", "day": "2026-11-21", "n_vneid": "5"}
    assert (await site.client.post("/app/report", data=form)).status == 403
    assert (await site.client.post("/app/report", data={"n_vneid": "5"})).status == 403
    assert await _entries(site) == []


async def test_the_dashboard_shows_the_numbers_of_tiendo(site: Site, chat: Chat) -> None:
    await chat.say("vneid 30 cks 4")
    await chat.say("tt 2", user="cuc")
    tiendo = await chat.say("/tiendo", user="binh")
    await site.sign_in("binh")
    page = await (await site.client.get("/app/unit")).text()
    assert "Xã Hoằng Kim" in page and "đã báo cáo 2/2 thôn" in page
    assert "Đã báo cáo: 2/2 thôn" in tiendo
    counts = dict(re.findall(r'data-indicator="(\w+)"><td>[^<]+</td><td class="count">(\d+)', page))
    assert counts == {"vneid": "30", "cks": "4", "tt": "2"}
    assert "VNeID 30/100" in tiendo and "CKS 4/40" in tiendo and "TT 2" in tiendo
    assert "Thôn &lt;2&gt;" in page  # a name is escaped, as in the chat
    assert 'data-unit="16012-T1"' in page  # drill down to a village
    village = await (await site.client.get("/app/unit/16012-T1")).text()
    assert "Thôn 1" in village and "30,0%" in village


async def test_another_unit_is_forbidden(site: Site, chat: Chat) -> None:
    async with site.db.transaction() as store:
        other = await store.units.add("99999", "Xã Khác", store_level("commune"))
        assert other.id
        await store.commit()
    await site.sign_in("binh")
    assert (await site.client.get("/app/unit/99999")).status == 403
    assert (await site.client.get("/app/unit/99999/xlsx")).status == 403
    assert (await site.client.get("/app/unit/nope")).status == 404


def store_level(name: str):  # type: ignore[no-untyped-def]
    from storage.models import Level

    return Level(name)


async def test_a_member_sees_no_dashboard(site: Site) -> None:
    await site.sign_in("an")
    response = await site.client.get("/app/unit")
    assert response.status == 403
    assert "tổ trưởng thôn trở lên" in await response.text()  # the chat's own reason


async def test_the_leader_downloads_the_excel_of_xuat(site: Site, chat: Chat) -> None:
    await chat.say("vneid 7")
    await site.sign_in("binh")
    response = await site.client.get("/app/unit/16012/xlsx?ky=2026-11")
    assert response.status == 200
    assert "tong-hop-16012-2026-11.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(await response.read()))
    values = [c.value for row in book.worksheets[0].iter_rows() for c in row]
    assert "Thôn 1" in values and 7 in values


async def test_logout_ends_the_session(site: Site) -> None:
    await site.sign_in("an")
    csrf = await site.csrf()
    response = await site.client.post("/app/logout", data={"csrf": csrf}, allow_redirects=False)
    assert response.status == 303
    assert (await site.client.get("/app")).status == 401


async def test_a_session_expires(site: Site) -> None:
    await site.sign_in("an")
    site.clock.advance(hours=12, seconds=1)
    assert (await site.client.get("/app")).status == 401


async def test_hostile_names_are_escaped_on_every_page(site: Site) -> None:
    async with site.db.transaction() as store:
        an = await store.members.by_identity("test", "an")
        assert an is not None
        an.name = '<script>alert("x")</script>'
        await store.commit()
    await site.sign_in("an")
    page = await (await site.client.get("/app")).text()
    assert "<script>alert" not in page and "&lt;script&gt;" in page


_ = timedelta  # (kept for readers: sessions and links are timed by the injected clock)


async def test_a_village_page_lists_its_members_with_their_month(site: Site, chat: Chat) -> None:
    await chat.say("vneid 3 hôm qua")
    await site.sign_in("binh")
    village = await (await site.client.get("/app/unit/16012-T1")).text()
    row = re.search(r'<tr data-member="\d+"><td>Nguyễn Văn An(.*?)</tr>', village, re.S)
    assert row is not None
    assert re.findall(r"<td>([^<]*)</td>", row.group(1)) == ["3", "0", "0", "20/11/2026"]
    commune = await (await site.client.get("/app/unit/16012")).text()
    assert 'data-value="2026-11-20">20/11/2026' in commune  # Thôn 1's last report
    assert 'data-member="' not in commune  # members are listed on a village's page only


async def test_a_leader_sees_the_notices_they_sent(site: Site, chat: Chat) -> None:
    preview = await chat.send("/thongbao Họp tổ <b>8h</b> thứ Hai", user="binh")
    (button,) = [b for b in preview[0].buttons if b.action.startswith("bcast:ok")]
    from handlers.types import Kind

    await chat.send(button.action, user="binh", kind=Kind.button)
    await site.sign_in("binh")
    page = await (await site.client.get("/app/unit")).text()
    assert "Thông báo đã gửi" in page
    assert "Họp tổ &lt;b&gt;8h&lt;/b&gt; thứ Hai" in page
    assert re.search(r"đã gửi 0/\d+ · đang chờ \d+", page)


async def test_pages_are_compressed_and_light(site: Site) -> None:
    await site.sign_in("binh")
    response = await site.client.get("/app/unit", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("Content-Encoding") == "gzip"
    member = await site.client.get("/app", headers={"Accept-Encoding": "gzip"})
    assert int(member.headers.get("Content-Length") or len(await member.read())) < 150_000


async def test_a_receipt_is_corrected_from_the_page_through_sua(site: Site) -> None:
    await site.sign_in("an")
    csrf = await site.csrf()
    form = {"csrf": csrf, "nonce": "c1", "day": "2026-11-21", "n_vneid": "5", "n_cks": "2"}
    await site.client.post("/app/report", data=form)
    (first,) = {e.receipt for e in await _entries(site)}
    editing = await (await site.client.get(f"/app?sua={first}")).text()
    assert f'name="receipt" value="{first}"' in editing
    assert (
        'id="n_vneid" name="n_vneid" type="number" inputmode="numeric" min="0" step="1" value="5"'
        in editing
    )
    fix = {"csrf": csrf, "nonce": "c2", "day": "2026-11-20", "n_vneid": "4", "receipt": first}
    page = await (await site.client.post("/app/report", data=fix)).text()
    assert 'data-refused="no"' in page and "Đã sửa" in page
    active = [e for e in await _entries(site) if e.cancelled_at is None]
    assert [(e.indicator, e.count, str(e.day)) for e in active] == [("vneid", 4, "2026-11-20")]
