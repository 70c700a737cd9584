"""`GET /console/events`: the signed-in user's live updates, as server-sent events fed by
the same NATS notifications every other client gets.

- an agent: `notify` with each `notify.agent.{me}` message (their own callbacks);
- everyone who reads the list: `received` with a new callback they may see (a supervisor
  or monitor by their granted routes; an assigner as `query.get` answers them), and
  `changed` (no data) when a callback they may see was assigned, unassigned or completed,
  so the screen reads again through `/api`, which applies every rule.

The stream ends when the session's token expires; the browser's EventSource then comes
back without a valid cookie and the page goes to the login."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import TYPE_CHECKING, Any

from sse_starlette.sse import EventSourceResponse
from starlette.responses import Response

from adapters.identity.errors import UnauthenticatedError
from adapters.messaging.callers import token_caller
from adapters.web.console import session
from callback_domain.errors import CallbackError
from callback_domain.values import Role
from callback_domain.visibility import may_see, may_see_route

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from nats.aio.msg import Msg
    from starlette.requests import Request

    from adapters.web.api import Api
    from callback_domain.values import Caller

PING_SECONDS = 15
_QUEUE_LIMIT = 1000  # a browser this far behind is sent `changed` and reads again


class LiveEvents:
    def __init__(self, api: Api) -> None:
        self.api = api

    async def stream(self, request: Request) -> Response:
        token = session.token_of(request)
        if token is None:
            return Response("no session", 401, media_type="text/plain")
        headers = {"Authorization": f"Bearer {token}"}
        try:
            claims = await self.api.ctx.identity.claims(headers)
            caller = await token_caller(self.api.ctx, "query.list", {}, headers)
        except UnauthenticatedError:
            return Response("the session has ended", 401, media_type="text/plain")
        except CallbackError:  # an agent without `assign`: their own desktop only
            caller = await token_caller(self.api.ctx, "auth.whoami", {}, headers)
        teams: tuple[str, ...] = ()
        if caller.role in (Role.AGENT, Role.ASSIGNER):
            agent = await self.api.ctx.read(self.api.ctx.service.get_agent, caller.actor)
            teams = tuple(agent.teams) if agent is not None else ()
        until = claims.expires_at
        return EventSourceResponse(
            self._events(caller, teams, token, until),
            ping=PING_SECONDS,
            headers={"Cache-Control": "no-store"},
        )

    async def _events(
        self, caller: Caller, teams: tuple[str, ...], token: str, until: float
    ) -> AsyncIterator[dict[str, str]]:
        queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(_QUEUE_LIMIT)
        subjects = self.api.ctx.subjects
        subscriptions = []

        def put(kind: str, data: dict[str, Any]) -> None:
            # A full queue drops it: the screen reads again on the next `changed` it gets.
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait((kind, data))

        async def own(msg: Msg) -> None:
            put("notify", json.loads(msg.data))

        async def anyone(msg: Msg) -> None:
            item = json.loads(msg.data).get("callback") or {}
            if _visible(caller, teams, item):
                put("changed", {})

        async def received(msg: Msg) -> None:
            summary = json.loads(msg.data)
            if caller.role is Role.ASSIGNER:
                code, _ = await self.api.call(
                    "query.get", {"callback_id": summary["callback_id"]}, token
                )
                if code is not None:
                    return
            elif not may_see_route(caller, summary.get("route") or ""):
                return
            put("received", summary)
            put("changed", {})

        nc = self.api.nc
        if caller.role is Role.AGENT or caller.role is Role.ASSIGNER:
            subscriptions.append(await nc.subscribe(subjects.agent_notify(caller.actor), cb=own))
        if caller.role is not Role.AGENT:
            subscriptions.append(await nc.subscribe(subjects.of("notify.agent.*"), cb=anyone))
            subscriptions.append(await nc.subscribe(subjects.received, cb=received))
        try:
            yield {"event": "ready", "data": "{}"}
            while (left := until - time.time()) > 0:
                try:
                    kind, data = await asyncio.wait_for(queue.get(), timeout=min(left, 60))
                except TimeoutError:
                    continue
                yield {"event": kind, "data": json.dumps(data)}
        finally:
            for subscription in subscriptions:
                await subscription.unsubscribe()


def _visible(caller: Caller, teams: tuple[str, ...], item: dict[str, Any]) -> bool:
    if not may_see_route(caller, item.get("route") or ""):
        return False
    return may_see(
        caller,
        teams,
        agent=item.get("agent"),
        routing_agent=None,
        routing_team=item.get("routing_team"),
    )
