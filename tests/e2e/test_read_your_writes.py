"""A request's reply does not wait for the views, yet the caller's next question about
the callback it made finds it: `query.get` and `query.history` wait for the views to
apply what was recorded before them, when they do not have the callback yet."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.e2e.conftest import Client_, ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


async def test_the_callback_just_made_is_found_without_min_position(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    launch()

    async def ask_then_read(n: int) -> tuple[str, str, int]:
        made = await client.ok(
            "intake.request",
            {"request_id": f"ryw-{n}", "phone": f"010-3333-{n:04}", "route": "billing"},
        )
        got = await client.ok("query.get", {"callback_id": made["callback_id"]})
        history = await client.ok("query.history", {"callback_id": made["callback_id"]})
        return made["callback_id"], got["callback_id"], len(history["events"])

    # Forty callers at once: the views are busiest, the replies quickest.
    for made, got, events in await asyncio.gather(*(ask_then_read(n) for n in range(40))):
        assert got == made and events >= 1
