"""`POST /api/` + a subject after its prefix, dots as slashes: one route per subject of the
subject table, answered by the same dispatch as its NATS subscriber (`routes.respond`):
same payload, envelope, error codes and identity (the request's headers, `Authorization`
included, are what a NATS request's headers are).

The envelope is the body whatever the outcome; the HTTP status says its code (`STATUS`).
A subject JetStream captures (`intake.submit`) is published on NATS and answered with the
stream's publish ack, exactly what a NATS request to it gets."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import nats.errors
from starlette.responses import Response
from starlette.routing import Route

from adapters.identity.errors import UnauthenticatedError
from adapters.messaging.messages import envelope
from adapters.messaging.routes import respond
from adapters.messaging.table import SUBJECTS, Subject, subscriptions
from adapters.web.console import session

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from nats.aio.client import Client
    from starlette.requests import Request

    from adapters.messaging.context import ServiceContext
    from adapters.messaging.routes import ReplyObserver

JSON = "application/json"
PREFIX = "/api/"
# An error code's HTTP status; a code added later is a refusal of the request (400).
STATUS = {
    "invalid_request": 400,
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "invalid_transition": 409,
    "conflict": 409,
    "outside_hours": 409,
    "internal": 500,
    "unavailable": 503,
}
# The headers a request to a JetStream-captured subject carries on to NATS.
FORWARDED = (
    "Authorization",
    "Nats-Msg-Id",
    "Callbacks-Request-Id",
    "Callbacks-Actor",
    "Callbacks-Role",
)
_PARAM = re.compile(r"^\{([a-z_0-9]+)\}$")
_TOKEN = re.compile(r"^[^\s.*>]+$")  # what one token of a NATS subject may be


@dataclass(frozen=True, slots=True)
class ApiRoute:
    """One `/api` route: where it is, the subject (pattern after the prefix, `{name}` for a
    parameter) it stands for, and the subjects of the subscription that subject is
    delivered to (none: JetStream captures it)."""

    path: str
    pattern: str
    carried: tuple[Subject, ...]
    subject: Subject | None  # None: any other verb of a family answered for any verb

    @property
    def name(self) -> str:
        """The subject's name, or `<family>.other`."""
        return self.subject.name if self.subject else f"{self.carried[0].family}.other"


def path_of(pattern: str) -> str:
    """`agent.{agent_id}.dial` → `/api/agent/{agent_id}/dial`."""
    return PREFIX + pattern.replace(".", "/")


def table_routes() -> list[ApiRoute]:
    """A route per subject of the table; then, for a family answered for any verb (one
    subscription with `*` as the verb), one that answers an unknown verb as NATS does."""
    found = subscriptions()
    routes = []
    for subject in SUBJECTS:
        carried = next((c for c in found.values() if subject in c), ())
        routes.append(ApiRoute(path_of(subject.pattern), subject.pattern, carried, subject))
    for pattern, carried in found.items():
        if len(carried) > 1:
            tokens = pattern.split(".")
            named = ".".join(f"{{t{n}}}" if t == "*" else t for n, t in enumerate(tokens))
            routes.append(ApiRoute(path_of(named), named, carried, None))
    return routes


def status_of(code: str | None) -> int:
    return 200 if code is None else STATUS.get(code, 400)


def reply(body: bytes, code: str | None) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if code == "unauthenticated" else None
    return Response(body, status_of(code), headers=headers, media_type=JSON)


def no_subject(path: str) -> Response:
    """A path that is no subject of the contract (NATS: no responders)."""
    problem = (
        f"no subject answers at {path}: POST /api/ + a subject of the contract after its "
        "prefix, dots as slashes (see /api/openapi.json)"
    )
    return reply(envelope.error("not_found", problem), "not_found")


class Api:
    """The `/api` routes of one running service."""

    def __init__(
        self,
        ctx: ServiceContext,
        nc: Client,
        observe: ReplyObserver | None = None,
        publish_timeout: float = 5.0,
    ) -> None:
        self.ctx, self.nc, self.observe = ctx, nc, observe
        self.publish_timeout = publish_timeout

    def routes(self) -> list[Route]:
        return [
            Route(r.path, self._endpoint(r), methods=["POST"], name=r.name) for r in table_routes()
        ]

    async def call(
        self, name: str, payload: dict[str, Any], token: str | None
    ) -> tuple[str | None, dict[str, Any]]:
        """One request to a subject of the table without parameters (`auth.login`,
        `auth.whoami`) as the console's server side makes it: (error code or None, the
        envelope's data or error)."""
        route = next(r for r in table_routes() if r.pattern == name and r.carried)
        headers = await self.session_headers(token) if token else {}
        replied = await respond(
            self.ctx, route.carried, name.split("."), json.dumps(payload).encode(), headers
        )
        answer = json.loads(replied.body)
        return replied.code, answer.get("data") or answer.get("error") or {}

    async def session_headers(self, token: str) -> dict[str, str]:
        """The headers that carry a console session's token: its bearer, and in the
        development mode (CALLBACKS_AUTH=off, where headers name the caller) the actor and
        role of the verified token, so the console works the same there."""
        headers = {"Authorization": f"Bearer {token}"}
        if self.ctx.identity.off:
            try:
                claims = await self.ctx.identity.claims(headers)
            except UnauthenticatedError:
                return headers  # answered as a request without a caller
            headers.update({"Callbacks-Actor": claims.actor, "Callbacks-Role": claims.role})
        return headers

    async def with_session(self, request: Request, headers: dict[str, str]) -> Response | None:
        """A console page's request: no `Authorization`, the session cookie instead, valid
        only with the page's CSRF token (header) from this origin; its token becomes the
        bearer."""
        token = session.token_of(request)
        if "Authorization" in headers or token is None:
            return None
        if not session.same_origin(request) or not session.csrf_ok(
            token, request.headers.get(session.CSRF_HEADER)
        ):
            problem = f"a request with the session cookie needs the page's {session.CSRF_HEADER}"
            return reply(envelope.error("forbidden", problem), "forbidden")
        headers.update(await self.session_headers(token))
        return None

    def _endpoint(self, route: ApiRoute) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            tail = [
                request.path_params[m.group(1)] if (m := _PARAM.match(t)) else t
                for t in route.pattern.split(".")
            ]
            if not all(_TOKEN.match(token) for token in tail):  # not one NATS subject
                return no_subject(request.url.path)
            body, headers = await _body(request), as_nats_headers(request)
            refused = await self.with_session(request, headers)
            if refused is not None:
                return refused
            if not route.carried:
                return await self._publish(tail, body, headers)
            replied = await respond(
                self.ctx, route.carried, tail, body, headers, observe=self.observe
            )
            return reply(replied.body, replied.code)

        return endpoint

    async def _publish(self, tail: list[str], body: bytes, headers: Mapping[str, str]) -> Response:
        """A subject JetStream captures: the stream's publish ack, as NATS answers it."""
        forwarded = {name: value for name in FORWARDED if (value := headers.get(name))}
        try:
            acked = await self.nc.request(
                self.ctx.subjects.of(".".join(tail)),
                body,
                timeout=self.publish_timeout,
                headers=forwarded or None,
            )
        except nats.errors.MaxPayloadError:
            too_large = envelope.BodyError(f"must be at most {self.nc.max_payload} bytes")
            return reply(envelope.error_reply(too_large), "invalid_request")
        except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
            unavailable = "JetStream did not take the message; nothing was recorded, retry later"
            return reply(envelope.error("unavailable", unavailable), "unavailable")
        return Response(acked.data, 200, media_type=JSON)


def as_nats_headers(request: Request) -> dict[str, str]:
    """The request's headers as a NATS client spells them (`Authorization`,
    `Callbacks-Actor`, `Nats-Msg-Id`): HTTP sends header names in any case, and the
    dispatch looks them up by the contract's spelling."""
    return {
        "-".join(part.capitalize() for part in name.split("-")): value
        for name, value in request.headers.items()
    }


async def _body(request: Request) -> bytes:
    """The body, read no further than a refusal needs (the payload's limit, and one byte)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > envelope.MAX_BODY_BYTES:
            break
    return b"".join(chunks)
