"""The OpenAPI 3.0 description of /api/v1/, written by hand from the handlers' columns (a
test validates it and checks that every route and column is described)."""

from __future__ import annotations

from typing import Any

from handlers.api import (
    ENTRY_COLUMNS,
    PAGE_MOST,
    PROGRESS_COLUMNS,
    SIGNOFF_COLUMNS,
    UNIT_COLUMNS,
)

_TYPES: dict[str, dict[str, Any]] = {
    "count": {"type": "integer"}, "target": {"type": "integer", "nullable": True},
    "rate": {"type": "number", "nullable": True}, "villages": {"type": "integer"},
    "villages_reported": {"type": "integer"}, "id": {"type": "integer"},
    "day": {"type": "string", "format": "date"},
    "created_at": {"type": "string", "format": "date-time"},
    "cancelled_at": {"type": "string", "format": "date-time", "nullable": True},
    "signed_at": {"type": "string", "format": "date-time", "nullable": True},
    "decided_at": {"type": "string", "format": "date-time", "nullable": True},
    "round": {"type": "integer"},
    "replaces": {"type": "string", "nullable": True},
    "replaced_by": {"type": "string", "nullable": True},
    "parent_code": {"type": "string", "nullable": True},
}  # fmt: skip
_PARAMS: dict[str, dict[str, Any]] = {
    "unit": {"name": "unit", "in": "query", "schema": {"type": "string"},
             "description": "Mã đơn vị trong phạm vi của mã truy cập (mặc định: đơn vị của mã)."},
    "period": {"name": "period", "in": "query", "schema": {"type": "string"},
               "description": "Kỳ: 2026-11 (tháng), 2026-Q4 (quý) hoặc 2026 (năm)."},
    "indicator": {"name": "indicator", "in": "query", "schema": {"type": "string"}},
    "cursor": {"name": "cursor", "in": "query", "schema": {"type": "string"},
               "description": "next_cursor của trang trước."},
    "limit": {"name": "limit", "in": "query",
              "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_MOST, "default": 500}},
    "format": {"name": "format", "in": "query",
               "schema": {"type": "string", "enum": ["json", "csv"]}},
}  # fmt: skip


def _row(columns: tuple[str, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(columns),
        "properties": {c: _TYPES.get(c, {"type": "string"}) for c in columns},
    }


def _error(description: str) -> dict[str, Any]:
    ref = {"$ref": "#/components/schemas/Error"}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def _operation(name: str, summary: str, params: list[str], paged: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}}
    body: dict[str, Any] = {"type": "object", "required": ["data"], "properties": {"data": data}}
    if paged:
        body["properties"]["next_cursor"] = {"type": "string", "nullable": True}
    return {
        "summary": summary,
        "parameters": [_PARAMS[p] for p in (*params, "format")],
        "responses": {
            "200": {
                "description": "OK (CSV: the same rows, one header line)",
                "content": {
                    "application/json": {"schema": body},
                    "text/csv": {"schema": {"type": "string"}},
                },
            },
            "400": _error("Tham số không hợp lệ"),
            "401": _error("Thiếu hoặc sai mã truy cập"),
            "403": _error("Đơn vị ngoài phạm vi của mã"),
            "429": _error("Quá nhiều yêu cầu (xem Retry-After)"),
        },
    }


def openapi_document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    operations = {
        "units": ("Unit", "Các đơn vị trong phạm vi của mã", []),
        "progress": ("Progress", "Tiến độ của đơn vị và các đơn vị trực thuộc", ["unit", "period"]),
        "entries": ("Entry", "Các lượt báo cáo, theo trang",
                    ["unit", "period", "indicator", "cursor", "limit"]),
        "signoff": ("Signoff", "Trạng thái chốt số liệu tháng của các xã (chỉ theo tháng)",
                    ["unit", "period"]),
    }  # fmt: skip
    for path, (schema, summary, params) in operations.items():
        for suffix in ("", ".csv"):
            operation = _operation(schema, summary, params, paged=path == "entries")
            operation["operationId"] = f"{path}{'Csv' if suffix else ''}"
            paths[f"/api/v1/{path}{suffix}"] = {"get": operation}
    return {
        "openapi": "3.0.3",
        "info": {"title": "cnsbot API (chỉ đọc)", "version": "1.0.0"},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Unit": _row(UNIT_COLUMNS),
                "Progress": _row(PROGRESS_COLUMNS),
                "Entry": _row(ENTRY_COLUMNS),
                "Signoff": _row(SIGNOFF_COLUMNS),
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        }
                    },
                },
            },
        },
    }
