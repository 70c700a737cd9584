"""`notify.intake` outcomes say whether the request id was seen before (`replayed`) apart
from the duplicate check on the phone number (`duplicate`): a redelivery after a crash is
the submitter's own callback, not a duplicate."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.e2e.conftest import Client_, ServiceProcess

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


async def test_a_replayed_request_id_is_replayed_not_duplicate(
    launch: Callable[..., ServiceProcess], client: Client_
) -> None:
    service = launch()
    outcomes: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def keep(msg: Any) -> None:
        await outcomes.put(json.loads(msg.data))

    await client.nc.subscribe(f"{service.prefix}.notify.intake", cb=keep)
    js = client.nc.jetstream(timeout=10)
    assert client.tokens is not None
    request = {"request_id": "ivr-replay-1", "phone": "+82 10-5555-0001", "route": "billing"}
    same_phone = {**request, "request_id": "ivr-replay-2"}
    # The same request id twice (what a redelivery after a crash looks like to the service:
    # distinct message ids, so JetStream's own de-duplication lets both through), then a
    # new request id for the same number.
    for n, body in enumerate([request, request, same_phone]):
        await js.publish(
            f"{service.prefix}.intake.submit",
            json.dumps(body).encode(),
            headers={"Nats-Msg-Id": f"replay-{n}", **client.tokens.for_subject("intake.submit")},
        )
        first = await asyncio.wait_for(outcomes.get(), 20)
        assert first["ok"], first
        if n == 0:
            made = first["data"]
            assert (made["replayed"], made["duplicate"]) == (False, False)
        elif n == 1:
            again = first["data"]
            assert again["callback_id"] == made["callback_id"]
            assert (again["replayed"], again["duplicate"]) == (True, False)
        else:
            other = first["data"]
            assert other["callback_id"] == made["callback_id"]
            assert (other["replayed"], other["duplicate"]) == (False, True)
