"""The transport limit as FastStream's documentation writes a handler: a typed pydantic
argument and a typed reply, default broker and subscriber settings.

It reads the same intake request the service reads and answers a reply of the same
shape, doing nothing else. `python -m scripts.bench.noop_typed URL SUBJECT`.
"""

from __future__ import annotations

import asyncio
import sys
from uuid import UUID

from faststream.nats import NatsBroker
from pydantic import BaseModel
from scripts.bench.noop_server import until_stopped

NIL = UUID(int=0)


class IntakeRequest(BaseModel):
    request_id: str
    phone: str
    route: str
    customer_timezone: str | None = None
    remark: str | None = None


class Reply(BaseModel):
    callback_id: UUID
    state: str
    position_in_queue: int | None = None


async def serve(url: str, subject: str) -> None:
    broker = NatsBroker(url)

    @broker.subscriber(subject)
    async def handle(body: IntakeRequest) -> Reply:
        return Reply(callback_id=NIL, state="QUEUED", position_in_queue=1)

    await until_stopped(broker)


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2]))
