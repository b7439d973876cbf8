"""The operations pages for leaders of communes and above: bound groups (unbind), the
outbox (queue depth, failures, dead letters, retry), notices (compose, preview per unit,
confirm, progress, stop) and API tokens. Routes only translate HTTP to the neutral
`handlers.operations.Operations`, which holds every permission check."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.logsafe import scrub
from bot.web.app import COOKIE, _templates
from handlers import texts_api, texts_web
from handlers.context import UserError
from handlers.operations import Operations
from handlers.web import Forbidden, NotFound, Viewer, WebApp

Page = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]


def _number(request: web.Request, name: str = "id") -> int:
    text = request.match_info[name]
    if not text.isdigit():
        raise NotFound(text)
    return int(text)


def operations_routes(app: web.Application, webapp: WebApp) -> None:
    env = _templates()
    env.filters["scrub"] = scrub  # a stored error may quote a URL with a token in it
    service = Operations(webapp)

    def page(name: str, status: int = 200, **values: Any) -> web.Response:
        html = env.get_template(name).render(t=texts_web, x=texts_api, **values)
        response = web.Response(text=html, status=status, content_type="text/html")
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'self' https://web.telegram.org"
        )
        return response

    def done(viewer: Viewer, text: str, back: str, status: int = 200) -> web.Response:
        return page("ops/done.html", status=status, viewer=viewer, text=text, back=back)

    def admins_only(handler: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def guarded(request: web.Request) -> web.StreamResponse:
            token = request.cookies.get(COOKIE, "")
            viewer = await webapp.viewer(token) if token else None
            if viewer is None:
                return page("message.html", status=401, text=texts_web.SIGN_IN_NEEDED)
            if request.method == "POST":
                form = await request.post()
                sent = str(form.get("csrf", "")).encode("utf-8", "replace")
                if not hmac.compare_digest(sent, viewer.csrf.encode()):
                    return page("message.html", status=403, text=texts_web.BAD_FORM)
            try:
                return await handler(request, viewer)
            except Forbidden as err:
                return page("message.html", status=403, text=texts_web.FORBIDDEN, reason=err.html)
            except NotFound:
                return page("message.html", status=404, text=texts_web.NOT_FOUND)
            except UserError as err:
                return page("message.html", status=400, text=texts_web.BAD_FORM, reason=err.html)

        return guarded

    async def index(_request: web.Request, viewer: Viewer) -> web.StreamResponse:
        await service.groups(viewer)  # the role check: a member gets 403 here too
        return page("ops/index.html", viewer=viewer)

    async def groups(_request: web.Request, viewer: Viewer) -> web.StreamResponse:
        return page("ops/groups.html", viewer=viewer, groups=await service.groups(viewer))

    async def unbind(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        text = await service.unbind(viewer, _number(request))
        return done(viewer, text, "/app/ops/groups")

    async def outbox(_request: web.Request, viewer: Viewer) -> web.StreamResponse:
        return page("ops/outbox.html", viewer=viewer, box=await service.outbox(viewer))

    async def retry(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        text = await service.retry(viewer, _number(request))
        return done(viewer, text, "/app/ops/outbox")

    async def notices(_request: web.Request, viewer: Viewer) -> web.StreamResponse:
        return page("ops/notices.html", viewer=viewer, mine=await service.mine(viewer))

    async def preview(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        form = await request.post()
        found = await service.preview(viewer, str(form.get("text", "")))
        return page("ops/preview.html", viewer=viewer, p=found)

    async def confirm(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        form = await request.post()
        number = _number(request)
        send = form.get("action") == "send"
        text = await service.confirm(viewer, number, send)
        if not send:
            return done(viewer, text, "/app/ops/notices")
        return web.Response(status=303, headers={"Location": f"/app/ops/notices/{number}"})

    async def progress(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        found = await service.progress(viewer, _number(request))
        return page("ops/progress.html", viewer=viewer, p=found)

    async def stop(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        number = _number(request)
        text = await service.stop(viewer, number)
        return done(viewer, text, f"/app/ops/notices/{number}")

    async def tokens(_request: web.Request, viewer: Viewer) -> web.StreamResponse:
        return page("ops/tokens.html", viewer=viewer, tokens=await service.tokens(viewer))

    async def create_token(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        form = await request.post()
        code, name = str(form.get("unit", "")), str(form.get("name", ""))
        token, unit = await service.create_token(viewer, code, name)
        return page("ops/token_made.html", viewer=viewer, token=token, unit=unit)

    async def revoke_token(request: web.Request, viewer: Viewer) -> web.StreamResponse:
        text = await service.revoke_token(viewer, _number(request))
        return done(viewer, text, "/app/ops/tokens")

    router = app.router
    router.add_get("/app/ops", admins_only(index))
    router.add_get("/app/ops/groups", admins_only(groups))
    router.add_post("/app/ops/groups/{id}/unbind", admins_only(unbind))
    router.add_get("/app/ops/outbox", admins_only(outbox))
    router.add_post("/app/ops/outbox/{id}/retry", admins_only(retry))
    router.add_get("/app/ops/notices", admins_only(notices))
    router.add_post("/app/ops/notices/preview", admins_only(preview))
    router.add_post("/app/ops/notices/{id}/confirm", admins_only(confirm))
    router.add_get("/app/ops/notices/{id}", admins_only(progress))
    router.add_post("/app/ops/notices/{id}/stop", admins_only(stop))
    router.add_get("/app/ops/tokens", admins_only(tokens))
    router.add_post("/app/ops/tokens", admins_only(create_token))
    router.add_post("/app/ops/tokens/{id}/revoke", admins_only(revoke_token))
