"""The read-only API under /api/v1/ (Bearer tokens): JSON by default, CSV with `.csv` or
`?format=csv`. Routes only translate HTTP to `handlers.api.ApiService` and back."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.web.api_spec import openapi_document
from handlers import texts_api
from handlers.api import ApiError, ApiService, Client, Table
from handlers.export import cell

Resource = Callable[[ApiService, Client, web.Request], Awaitable[Table]]
RESOURCES: dict[str, Resource] = {
    "units": lambda api, client, _request: api.units(client),
    "progress": lambda api, client, request: api.progress(
        client, request.query.get("unit", ""), request.query.get("period", "")
    ),
    "entries": lambda api, client, request: api.entries(client, request.query),
    "signoff": lambda api, client, request: api.signoff(
        client, request.query.get("unit", ""), request.query.get("period", "")
    ),
}


def _error(err: ApiError) -> web.Response:
    body = {"error": {"code": err.code, "message": err.message}}
    headers = {"Cache-Control": "no-store"}
    if err.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="cnsbot"'
    if err.retry_after:
        headers["Retry-After"] = str(err.retry_after)
    return web.json_response(body, status=err.status, headers=headers)


def csv_text(table: Table) -> str:
    """The table as CSV, every text cell escaped like the Excel exports (a value that a
    spreadsheet would run as a formula stays text); BOM first, so Excel reads UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if row[c] is None else cell(row[c]) for c in table.columns])
    return "\ufeff" + out.getvalue()


def _answer(table: Table, as_csv: bool, name: str) -> web.Response:
    headers = {"Cache-Control": "no-store"}
    if table.next_cursor:
        headers["X-Next-Cursor"] = table.next_cursor
    if as_csv:
        headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return web.Response(
            text=csv_text(table), content_type="text/csv", charset="utf-8", headers=headers
        )
    body: dict[str, Any] = {"data": table.rows}
    if name == "entries":
        body["next_cursor"] = table.next_cursor
    text = json.dumps(body, ensure_ascii=False)
    return web.Response(text=text, content_type="application/json", headers=headers)


def api_routes(app: web.Application, api: ApiService) -> None:
    async def resource(request: web.Request) -> web.StreamResponse:
        name, suffix = request.match_info["name"], request.match_info.get("suffix", "")
        handler = RESOURCES.get(name)
        wanted = request.query.get("format", "csv" if suffix == ".csv" else "json")
        try:
            if handler is None:
                raise ApiError(404, "not_found", texts_api.NOT_FOUND)
            if wanted not in ("json", "csv"):
                raise ApiError(400, "bad_format", texts_api.BAD_FORMAT)
            client = await api.client(request.headers.get("Authorization", ""))
            table = await handler(api, client, request)
        except ApiError as err:
            return _error(err)
        return _answer(table, wanted == "csv", name)

    async def spec(_request: web.Request) -> web.StreamResponse:
        return web.json_response(openapi_document())

    app.router.add_get("/api/v1/openapi.json", spec)
    app.router.add_get(r"/api/v1/{name:[a-z]+}{suffix:(\.csv)?}", resource)
