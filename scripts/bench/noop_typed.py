"""The transport limit as FastStream's documentation writes a handler: a typed pydantic
argument and a typed reply, default broker and subscriber settings.

It reads the same intake request the service reads and answers a reply of the same
shape, doing nothing else. `python -m scripts.bench.noop_typed URL SUBJECT`.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from uuid import UUID

from faststream.nats import NatsBroker
from pydantic import BaseModel

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

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await broker.start()
    print("ready", flush=True)
    await stop.wait()
    await broker.stop()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2]))
