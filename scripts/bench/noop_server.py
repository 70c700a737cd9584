"""The transport limit: a FastStream request/reply handler that does nothing.

Same broker settings and subscriber shape as the service's (queue group, raw
message in, envelope bytes out). `python -m scripts.bench.noop_server URL SUBJECT`.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from faststream.nats import NatsBroker
from faststream.nats.annotations import NatsMessage  # noqa: TC002 - read by FastStream at run time

REPLY = (
    b'{"ok":true,"data":{"callback_id":"00000000-0000-0000-0000-000000000000","state":"QUEUED"}}'
)


async def serve(url: str, subject: str) -> None:
    broker = NatsBroker(url, name="bench-noop", log_level=logging.DEBUG)

    @broker.subscriber(subject, queue="bench-noop")
    async def on_message(msg: NatsMessage) -> bytes:
        _ = msg.body
        return REPLY

    await until_stopped(broker)


async def until_stopped(broker: NatsBroker) -> None:
    """Starts the broker, says "ready" on stdout, and stops it at SIGINT or SIGTERM."""
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
