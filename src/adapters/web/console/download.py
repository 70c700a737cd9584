"""`GET /console/export.xlsx?filters=<JSON>`: the callback list's Excel download, as the
signed-in user may read it: the pages of `query.list` with those filters (so every
permission and route grant applies), in the columns and words of `callbacks export`.

A GET changes nothing, and the session cookie is SameSite=Strict: no CSRF token needed."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from adapters.export import export_xlsx
from adapters.web.api import JSON
from adapters.web.console import session
from adapters.web.console.words import language_of

if TYPE_CHECKING:
    from starlette.requests import Request

    from adapters.web.api import Api

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE = 250
MAX_ROWS = 100_000  # a larger download is `callbacks export`'s (it streams from the views)
_TIMES = ("requested_at", "desired_time", "completed_at")


class _Row:
    """A list item shaped as export_xlsx reads a row."""

    def __init__(self, item: dict[str, Any]) -> None:
        for name, value in item.items():
            setattr(self, name, value)
        for name in _TIMES:
            value = item.get(name)
            setattr(self, name, datetime.fromisoformat(value) if value else None)
        self._overdue = bool(item.get("overdue"))

    def __getattr__(self, name: str) -> Any:
        return None  # a column the item does not carry

    def is_overdue(self, now: datetime) -> bool:
        return self._overdue


class Download:
    def __init__(self, api: Api, timezone: str) -> None:
        self.api, self.timezone = api, timezone

    async def xlsx(self, request: Request) -> Response:
        token = session.token_of(request)
        if token is None:
            return Response("no session", 401, media_type="text/plain")
        try:
            filters = json.loads(request.query_params.get("filters") or "{}")
        except ValueError:
            filters = None
        if not isinstance(filters, dict):
            return Response("filters must be a JSON object", 400, media_type="text/plain")
        filters.pop("cursor", None)
        rows: list[_Row] = []
        cursor = None
        while len(rows) < MAX_ROWS:
            code, data = await self.api.call(
                "query.list", {**filters, "page_size": PAGE, "cursor": cursor}, token
            )
            if code is not None:
                return Response(
                    json.dumps({"ok": False, "error": data}), _status(code), media_type=JSON
                )
            rows.extend(_Row(item) for item in data["items"])
            cursor = data.get("next_cursor")
            if cursor is None:
                break
        out = io.BytesIO()
        language = language_of(request)
        await run_in_threadpool(
            export_xlsx,
            rows,  # type: ignore[arg-type]  # shaped as a CallbackRow where export reads one
            out,
            timezone=ZoneInfo(self.timezone),
            now=datetime.now(UTC),
            language=language,
        )
        name = f"callbacks-{datetime.now(ZoneInfo(self.timezone)):%Y%m%d-%H%M}.xlsx"
        return Response(
            out.getvalue(),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


def _status(code: str) -> int:
    from adapters.web.api import status_of

    return status_of(code)
