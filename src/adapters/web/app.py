"""The HTTP app of `callbacks serve`, built in one place: `/api` (the subject table's
requests), `/api/openapi.json`, `/healthz`, `/metrics`, and the console at `/` with its
live events and its Excel download. Every response carries the security headers
(`headers.SECURITY`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route

from adapters.messaging.messages import envelope
from adapters.observability.process_health import report
from adapters.web.api import JSON, PREFIX, no_subject
from adapters.web.console.download import Download
from adapters.web.console.events import LiveEvents
from adapters.web.console.pages import Pages
from adapters.web.headers import with_security_headers
from adapters.web.openapi import document

if TYPE_CHECKING:
    from collections.abc import Callable

    from starlette.requests import Request
    from starlette.types import ASGIApp

    from adapters.observability.process_health import HealthCheck
    from adapters.web.api import Api


def build_app(
    api: Api,
    *,
    version: str,
    metrics: Callable[[], bytes],
    health: HealthCheck,
    timezone: str = "UTC",
) -> ASGIApp:
    """`metrics` renders the registry the metrics port serves; `health` is this process's
    readiness (both block: they run in a worker thread); `timezone`: the contact center's,
    in which the console shows times."""
    openapi = json.dumps(document(version, api.ctx.subjects.prefix)).encode()

    async def openapi_json(request: Request) -> Response:
        return Response(openapi, media_type=JSON)

    async def healthz(request: Request) -> Response:
        status, body = await run_in_threadpool(report, health)
        return Response(body, status, media_type=JSON)

    async def exposition(request: Request) -> Response:
        return Response(await run_in_threadpool(metrics), media_type=CONTENT_TYPE_PLAIN_0_0_4)

    routes = [
        Route(f"{PREFIX}openapi.json", openapi_json, methods=["GET"]),
        *api.routes(),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", exposition, methods=["GET"]),
        Route("/console/events", LiveEvents(api).stream, methods=["GET"]),
        Route("/console/export.xlsx", Download(api, timezone).xlsx, methods=["GET"]),
        *Pages(api, timezone=lambda: timezone).routes(),
    ]
    app = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_allowed})
    return with_security_headers(app)


async def _not_found(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith(PREFIX):
        return no_subject(request.url.path)
    return Response("not found", 404, media_type="text/plain")


async def _not_allowed(request: Request, exc: Exception) -> Response:
    allowed = (
        exc.headers.get("Allow", "POST")
        if isinstance(exc, HTTPException) and exc.headers
        else "POST"
    )
    body = envelope.error("invalid_request", f"only {allowed} answers at {request.url.path}")
    return Response(body, 405, headers={"Allow": allowed}, media_type=JSON)
