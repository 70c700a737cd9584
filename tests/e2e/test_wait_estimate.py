"""`estimated_wait_seconds` is never null for a QUEUED callback: the route's policy
answers until a recent handling rate exists, and `wait_basis` says which."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.e2e.conftest import Client_, ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]
ADMIN = {"Callbacks_Actor": "admin-lee", "Callbacks_Role": "ADMIN"}


async def test_a_cold_route_estimates_from_its_policy_then_from_its_rate(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch(CALLBACKS_ROUTE_POLICIES='{"vip": {"average_handle_seconds": 120}}')

    def ask(n: int, route: str = "billing") -> dict[str, str]:
        return {"request_id": f"w-{n}", "phone": f"010-2222-{n:04}", "route": route}

    first = await client.ok("intake.request", ask(1))
    # Nobody logged in counts as one agent; the default handle time is 5 minutes.
    assert (first["position_in_queue"], first["estimated_wait_seconds"]) == (1, 300)
    assert first["wait_basis"] == "policy"
    vip = await client.ok("intake.request", ask(2, "vip"))  # the route's own policy
    assert (vip["estimated_wait_seconds"], vip["wait_basis"]) == (120, "policy")

    for agent in ("kim", "lee"):
        await client.ok(
            "admin.agent-upsert",
            {"agent_id": agent, "name": agent, "teams": ["billing"], "permissions": ["call"]},
            **ADMIN,
        )
        await client.ok(f"cti.presence.{agent}", {"logged_in": True})
    second = await client.ok("intake.request", ask(3))
    assert (second["position_in_queue"], second["estimated_wait_seconds"]) == (2, 300)  # 2x5/2
    got = await client.ok(
        "query.get",
        {"callback_id": first["callback_id"], "min_position": second["log_position"]},
    )
    assert (got["position_in_queue"], got["estimated_wait_seconds"], got["wait_basis"]) == (
        1,
        150,
        "policy",
    )

    # One assignment in the last hour: the route now has a rate (1 an hour).
    await client.ok(
        "admin.assign",
        {"callback_ids": [first["callback_id"]], "agent_ids": ["kim"], "method": "MANUAL"},
        Callbacks_Actor="sv-han",
    )
    third = await client.ok("intake.request", ask(4))
    assert (third["position_in_queue"], third["wait_basis"]) == (2, "recent_rate")
    assert third["estimated_wait_seconds"] == 2 * 3600
    assigned = await client.ok(
        "query.get",
        {"callback_id": first["callback_id"], "min_position": third["log_position"]},
    )
    assert (assigned["position_in_queue"], assigned["wait_basis"]) == (None, None)
