"""The web app's routes on the bot's own aiohttp server: sign-in, the member's page, the
leader's dashboard, the Excel download. Routes only translate HTTP to the neutral
`handlers.web.WebApp` and back: no SQL, no permission logic here."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bot.web.telegram_auth import verified_user_id
from handlers import texts, texts_nudge, texts_web
from handlers.web import Forbidden, NotFound, Viewer, WebApp

COOKIE = "cnsbot_session"
STATIC = Path(__file__).with_name("static")
Page = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


@dataclass(frozen=True)
class WebConfig:
    secure_cookies: bool  # production: the cookie only travels over https
    session_hours: int
    telegram_token: str | None = None  # Mini App sign-in needs it
    telegram_max_age: timedelta = timedelta(hours=24)


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.web", "templates"),
        autoescape=True,  # every value a person typed is escaped in every page
        undefined=jinja2.StrictUndefined,
    )
    env.filters["day"] = texts.day_vn
    env.filters["percent"] = texts.percent
    env.filters["period"] = texts.period_name
    env.filters["number"] = texts_web.number
    return env


def web_routes(app: web.Application, webapp: WebApp, config: WebConfig, clock: Any) -> None:
    env = _templates()

    def page(name: str, status: int = 200, **values: Any) -> web.Response:
        html = env.get_template(name).render(t=texts_web, **values)
        response = web.Response(text=html, status=status, content_type="text/html")
        response.enable_compression()  # the province page is ~80 KB of table before gzip
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'self' https://web.telegram.org"
        )
        return response

    def message(text: str, status: int) -> web.Response:
        return page("message.html", status=status, text=text)

    def signed_in(response: web.StreamResponse, token: str) -> web.StreamResponse:
        response.set_cookie(
            COOKIE, token, max_age=config.session_hours * 3600, httponly=True,
            secure=config.secure_cookies, samesite="Lax", path="/",
        )  # fmt: skip
        return response

    def members_only(handler: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def guarded(request: web.Request) -> web.StreamResponse:
            token = request.cookies.get(COOKIE, "")
            viewer = await webapp.viewer(token) if token else None
            if viewer is None:
                return message(texts_web.SIGN_IN_NEEDED, 401)
            if request.method == "POST":
                form = await request.post()
                sent = str(form.get("csrf", "")).encode("utf-8", "replace")
                if not hmac.compare_digest(sent, viewer.csrf.encode()):
                    return message(texts_web.BAD_FORM, 403)
            try:
                return await handler(request, viewer)
            except Forbidden as err:
                return page("message.html", status=403, text=texts_web.FORBIDDEN, reason=err.html)
            except NotFound:
                return message(texts_web.NOT_FOUND, 404)

        return guarded

    async def login(request: web.Request) -> web.StreamResponse:
        opened = await webapp.sign_in_link(request.match_info["token"])
        if opened is None:
            return message(texts_web.LINK_SPENT, 410)
        return signed_in(_see_other("/app"), opened[0])

    async def telegram_page(_request: web.Request) -> web.StreamResponse:
        return page("telegram.html")

    async def telegram_login(request: web.Request) -> web.StreamResponse:
        form = await request.post()
        user_id = None
        if config.telegram_token:
            user_id = verified_user_id(
                str(form.get("init_data", "")), config.telegram_token, clock(),
                config.telegram_max_age,
            )  # fmt: skip
        if user_id is None:
            return message(texts_web.TELEGRAM_FAILED, 401)
        opened = await webapp.sign_in_account("telegram", user_id)
        if opened is None:
            return message(texts_web.TELEGRAM_STRANGER, 403)
        return signed_in(_see_other("/app"), opened[0])

    async def home(request: web.Request, viewer: Viewer, result: Any = None) -> web.Response:
        data = await webapp.home(viewer)
        editing = request.query.get("sua", "") if result is None else ""
        fix = next((r for r in data.receipts if r.code == editing and not r.cancelled), None)
        return page(
            "home.html", viewer=viewer, home=data, result=result, fix=fix,
            nonce=secrets.token_urlsafe(12),
        )  # fmt: skip

    async def submit(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        form = await request.post()
        data = await webapp.home(viewer)
        try:
            day = date.fromisoformat(str(form.get("day", "")))
            counts = {code: int(str(form.get(f"n_{code}", "0") or 0)) for code in data.labels}
        except ValueError:
            return await home(request, viewer, texts_web.bad_numbers())
        nonce, receipt = str(form.get("nonce", "")), str(form.get("receipt", ""))
        if receipt:
            done = await webapp.correct(viewer, receipt, counts, day, nonce)
        else:
            done = await webapp.submit(viewer, counts, day, nonce)
        return await home(request, viewer, done)

    async def undo(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        form = await request.post()
        done = await webapp.undo(viewer, str(form.get("receipt", "")), str(form.get("nonce", "")))
        return await home(request, viewer, done)

    async def dashboard(
        request: web.Request, viewer: Viewer, result: Any = None
    ) -> web.StreamResponse:
        data = await webapp.dashboard(viewer, request.match_info.get("code", ""))
        return page(
            "dashboard.html", viewer=viewer, d=data, result=result, n=texts_nudge,
            nonce=secrets.token_urlsafe(12),
        )  # fmt: skip

    async def nudge(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        form = await request.post()
        code, nonce = request.match_info["code"], str(form.get("nonce", ""))
        done = await webapp.nudge(viewer, code, nonce)
        return await dashboard(request, viewer, done)

    async def export(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        name, xlsx = await webapp.export(
            viewer, request.match_info["code"], request.query.get("ky", "")
        )
        return web.Response(
            body=xlsx,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    async def logout(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        await webapp.sign_out(request.cookies.get(COOKIE, ""))
        response = _see_other("/web/bye")
        response.del_cookie(COOKIE, path="/")
        return response

    async def bye(_request: web.Request) -> web.StreamResponse:
        return message(texts_web.SIGNED_OUT, 200)

    async def app_home(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        return await home(request, viewer)

    router = app.router
    router.add_get("/web/login/{token}", login)
    router.add_get("/web/tg", telegram_page)
    router.add_post("/web/telegram", telegram_login)
    router.add_get("/web/bye", bye)
    router.add_get("/app", members_only(app_home))
    router.add_post("/app/report", members_only(submit))
    router.add_post("/app/undo", members_only(undo))
    router.add_post("/app/logout", members_only(logout))
    router.add_get("/app/unit", members_only(dashboard))
    router.add_get("/app/unit/{code}", members_only(dashboard))
    router.add_get("/app/unit/{code}/xlsx", members_only(export))
    router.add_post("/app/unit/{code}/nhacnho", members_only(nudge))
    router.add_static("/static", STATIC)
