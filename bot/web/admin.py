"""The admin pages (units, targets, roster and invite packs, audit) on the web app's
sessions. Routes only translate HTTP to `handlers.admin_roster.RosterApp` and back.

Every form that changes something is multipart (a file, or the checked rows sent back to
be applied) and is read here with its own size limit; its CSRF token is checked first."""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from aiohttp import BodyPartReader, MultipartReader, web

from bot.compose import Runtime
from bot.tables import read_upload
from bot.web.app import COOKIE, _templates
from handlers import texts_admin, texts_web
from handlers.admin import Table
from handlers.admin_roster import RosterApp
from handlers.unit_import import Row
from handlers.web import Forbidden, NotFound, Viewer
from reminders.calendar import VN

MAX_UPLOAD = 5 * 1024 * 1024
Form = dict[str, Any]  # field -> text, or (file name, bytes) for a file
Page = Callable[[web.Request, Viewer, Form], Awaitable[web.StreamResponse]]


class BadUpload(Exception):
    """A file that cannot be read as a table: the page says so and nothing changes."""


async def _multipart(request: web.Request) -> Form:
    form: Form = {}
    size = 0
    # The application's limit (1 MB by default) is for webhooks; a roster of 10,000 people
    # checked and sent back is about 1 MB of rows: these forms have their own limit.
    reader = await request.clone(client_max_size=MAX_UPLOAD).multipart()
    try:
        return await _parts(reader, form, size)
    except web.HTTPRequestEntityTooLarge as err:
        raise BadUpload(texts_admin.FILE_TOO_BIG) from err


async def _parts(reader: MultipartReader, form: Form, size: int) -> Form:
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or not part.name:
            continue
        data = bytearray()
        while chunk := await part.read_chunk(65536):
            size += len(chunk)
            if size > MAX_UPLOAD:
                raise BadUpload(texts_admin.FILE_TOO_BIG)
            data += chunk
        if part.filename is not None:
            form[part.name] = (part.filename, bytes(data))
        else:
            form[part.name] = data.decode("utf-8", "replace")
    return form


def _table(form: Form) -> Table:
    """The rows of the uploaded file, or those checked before and sent back to apply."""
    if form.get("rows"):
        try:
            return [(int(line), dict(cells)) for line, cells in json.loads(form["rows"])]
        except (ValueError, TypeError) as err:
            raise BadUpload(texts_admin.FILE_UNREADABLE) from err
    upload = form.get("file")
    if not isinstance(upload, tuple) or not upload[1]:
        raise BadUpload(texts_admin.FILE_MISSING)
    try:
        return read_upload(*upload)
    except ValueError as err:
        raise BadUpload(texts_admin.FILE_UNREADABLE) from err


def _unit_rows(table: Table) -> list[Row]:
    return [
        Row(line, c.get("code", ""), c.get("name", ""), c.get("level", ""),
            c.get("parent_code") or c.get("parent", ""))
        for line, c in table
    ]  # fmt: skip


def admin_routes(app: web.Application, admin: RosterApp) -> None:
    env = _templates()
    env.filters["action"] = texts_admin.action_name
    env.filters["role"] = texts_admin.role_name
    env.filters["level"] = lambda level: texts_admin.LEVEL_NAMES.get(level, level)
    env.filters["vn_time"] = lambda at: at.astimezone(VN).strftime("%d/%m/%Y %H:%M")

    def page(name: str, status: int = 200, **values: Any) -> web.Response:
        html = env.get_template(name).render(t=texts_web, a=texts_admin, **values)
        response = web.Response(text=html, status=status, content_type="text/html")
        response.enable_compression()
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'self' https://web.telegram.org"
        )
        return response

    def message(text: str, status: int, **values: Any) -> web.Response:
        return page("message.html", status=status, text=text, **values)

    def admins_only(handler: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def guarded(request: web.Request) -> web.StreamResponse:
            token = request.cookies.get(COOKIE, "")
            viewer = await admin.viewer(token) if token else None
            if viewer is None:
                return message(texts_web.SIGN_IN_NEEDED, 401)
            form: Form = {}
            try:
                if request.method == "POST":
                    form = await _multipart(request) if request.content_type.startswith(
                        "multipart/") else dict(await request.post())  # fmt: skip
                    sent = str(form.get("csrf", "")).encode("utf-8", "replace")
                    if not hmac.compare_digest(sent, viewer.csrf.encode()):
                        return message(texts_web.BAD_FORM, 403)
                return await handler(request, viewer, form)
            except BadUpload as err:
                return message(str(err), 400, viewer=viewer)
            except web.HTTPRequestEntityTooLarge:
                return message(texts_admin.FILE_TOO_BIG, 413, viewer=viewer)
            except Forbidden as err:
                return message(texts_web.FORBIDDEN, 403, reason=err.html, viewer=viewer)
            except NotFound:
                return message(texts_web.NOT_FOUND, 404, viewer=viewer)

        return guarded

    def code_of(request: web.Request, viewer: Viewer) -> str:
        return request.match_info.get("code", "") or viewer.unit.code

    def back(path: str) -> web.Response:
        return web.Response(status=303, headers={"Location": path})

    async def index(request: web.Request, viewer: Viewer, _form: Form) -> web.StreamResponse:
        return back(f"/app/admin/{quote(viewer.unit.code)}/units")

    async def units(request: web.Request, viewer: Viewer, _form: Form) -> web.StreamResponse:
        code, search = code_of(request, viewer), request.query.get("q", "")
        nodes = await admin.tree(viewer, code, search)
        return page("admin/units.html", viewer=viewer, nodes=nodes, code=code, q=search,
                    tab="units")  # fmt: skip

    async def units_file(request: web.Request, viewer: Viewer, form: Form) -> web.StreamResponse:
        table = _table(form)
        apply = form.get("mode") == "apply"
        diff = await admin.import_units(viewer, _unit_rows(table), apply=apply)
        return page("admin/unit_diff.html", viewer=viewer, diff=diff, code=code_of(request, viewer),
                    rows=json.dumps(table, ensure_ascii=False), tab="units",
                    status=400 if diff.errors else 200)  # fmt: skip

    async def official(request: web.Request, viewer: Viewer, form: Form) -> web.StreamResponse:
        province = str(form.get("province", ""))
        diff = await admin.import_official(viewer, province, apply=form.get("mode") == "apply")
        return page("admin/unit_diff.html", viewer=viewer, diff=diff, rows="",
                    code=code_of(request, viewer), province=province, tab="units")  # fmt: skip

    async def targets(request: web.Request, viewer: Viewer, form: Form) -> web.StreamResponse:
        code, key = code_of(request, viewer), request.query.get("ky", "")
        if request.method == "POST":
            key = str(form.get("ky", ""))
            cells = {tuple(k.split("|")[1:3]): str(v) for k, v in form.items()
                     if k.startswith("t|") and k.count("|") == 2}  # fmt: skip
            grid = await admin.save_targets(viewer, code, key, cells)  # type: ignore[arg-type]
        else:
            grid = await admin.targets(viewer, code, key)
        return page("admin/targets.html", viewer=viewer, g=grid, code=code, tab="targets",
                    status=400 if grid.errors else 200)  # fmt: skip

    async def targets_file(request: web.Request, viewer: Viewer, form: Form) -> web.StreamResponse:
        code = code_of(request, viewer)
        grid = await admin.upload_targets(viewer, code, str(form.get("ky", "")), _table(form),
                                          apply=form.get("mode") == "apply")  # fmt: skip
        return page("admin/targets.html", viewer=viewer, g=grid, code=code, tab="targets",
                    status=400 if grid.errors else 200)  # fmt: skip

    async def roster(request: web.Request, viewer: Viewer, _form: Form) -> web.StreamResponse:
        code = code_of(request, viewer)
        number = request.query.get("trang", "1")
        page_no = int(number) if number.isdigit() else 1
        data = await admin.roster(viewer, code, request.query.get("tt", ""), page_no)
        done = request.query.get("xong", "")
        return page("admin/roster.html", viewer=viewer, r=data, code=code, tab="roster",
                    done=done, nonce=secrets.token_urlsafe(12))  # fmt: skip

    async def roster_file(request: web.Request, viewer: Viewer, form: Form) -> web.StreamResponse:
        code, table = code_of(request, viewer), _table(form)
        apply = form.get("mode") == "apply"
        plan, ids = await admin.upload_roster(viewer, code, table, apply=apply)
        if ids:
            return back(f"/app/admin/{quote(code)}/roster?xong={len(ids)}")
        return page("admin/roster_check.html", viewer=viewer, plan=plan, code=code, tab="roster",
                    rows=json.dumps(table, ensure_ascii=False),
                    status=400 if plan.errors else 200)  # fmt: skip

    async def pack(request: web.Request, viewer: Viewer, _form: Form) -> web.StreamResponse:
        name, data = await admin.pack(viewer, code_of(request, viewer), request.match_info["kind"])
        kind = {
            "pdf": "application/pdf",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }[request.match_info["kind"]]
        disposition = f'attachment; filename="{name}"'
        return web.Response(
            body=data, content_type=kind, headers={"Content-Disposition": disposition}
        )

    async def card(request: web.Request, viewer: Viewer, form: Form) -> web.StreamResponse:
        entry = request.match_info["entry"]
        if not entry.isdigit():
            raise NotFound(entry)
        text = await admin.card_action(viewer, int(entry), request.match_info["action"])
        return page("admin/done.html", viewer=viewer, text=text, html="", refused=False,
                    back=str(form.get("back", "")))  # fmt: skip

    async def member(request: web.Request, viewer: Viewer, form: Form) -> web.StreamResponse:
        number = request.match_info["member"]
        if not number.isdigit():
            raise NotFound(number)
        done = await admin.member_action(
            viewer, int(number), request.match_info["action"], str(form.get("role", "")),
            str(form.get("nonce", "")),
        )  # fmt: skip
        return page("admin/done.html", status=403 if done.refused else 200, viewer=viewer,
                    text="", html=done.reply.html, refused=done.refused,
                    back=str(form.get("back", "")))  # fmt: skip

    async def audit(request: web.Request, viewer: Viewer, _form: Form) -> web.StreamResponse:
        scope, rows = await admin.audit(viewer, code_of(request, viewer))
        return page("admin/audit.html", viewer=viewer, scope=scope, rows=rows,
                    code=scope.code, tab="audit")  # fmt: skip

    r = app.router
    r.add_get("/app/admin", admins_only(index))
    r.add_get("/app/admin/{code}/units", admins_only(units))
    r.add_post("/app/admin/{code}/units", admins_only(units_file))
    r.add_post("/app/admin/{code}/official", admins_only(official))
    r.add_get("/app/admin/{code}/targets", admins_only(targets))
    r.add_post("/app/admin/{code}/targets", admins_only(targets))
    r.add_post("/app/admin/{code}/targets/file", admins_only(targets_file))
    r.add_get("/app/admin/{code}/roster", admins_only(roster))
    r.add_post("/app/admin/{code}/roster", admins_only(roster_file))
    r.add_get("/app/admin/{code}/pack.{kind}", admins_only(pack))
    r.add_post("/app/admin/card/{entry}/{action}", admins_only(card))
    r.add_post("/app/admin/member/{member}/{action}", admins_only(member))
    r.add_get("/app/admin/{code}/audit", admins_only(audit))


def mount_admin(app: web.Application, runtime: Runtime) -> None:
    settings = runtime.settings
    admin = RosterApp(
        runtime.db, clock=runtime.clock, rules=settings.rules, cache=runtime.handlers.indicators,
        session_hours=settings.web_session_hours, bot_username=settings.telegram_bot_username,
    )  # fmt: skip
    admin_routes(app, admin)
