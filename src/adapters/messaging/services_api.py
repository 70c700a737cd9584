"""The NATS Services API (`$SRV.PING`, `$SRV.INFO`, `$SRV.STATS`, nats-py's `nats.micro`):
every instance registers, so `nats micro ls` / `nats micro stats` find it and its endpoints.

The endpoints are the subject table's request/reply subjects. FastStream's subscribers
answer them (routes.py); this registration answers only discovery, and reports each
endpoint's counts as the reply observer saw them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nats.micro.service import (
    EndpointInfo,
    EndpointStats,
    Service,
    ServiceConfig,
    ServiceInfo,
    ServiceStats,
)

from adapters.messaging.routes import QUEUE_GROUP
from adapters.messaging.table import ANSWERED

if TYPE_CHECKING:
    from nats.aio.client import Client

    from adapters.messaging.table import Subject


@dataclass(slots=True)
class _Counts:
    requests: int = 0
    errors: int = 0
    nanoseconds: int = 0
    last_error: str | None = None


def endpoint_name(subject: Subject) -> str:
    """`agent.dial-result` → `agent_dial-result` (the API's names take no dots)."""
    return subject.name.replace(".", "_")


def service_name(prefix: str) -> str:
    """One service per deployment (subject prefix): `callbacks` by default."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", prefix)


class TableService(Service):
    """A Services API registration whose endpoints are the subject table's."""

    def __init__(self, nc: Client, prefix: str, version: str) -> None:
        super().__init__(
            nc,
            ServiceConfig(
                name=service_name(prefix),
                version=version,
                description="callbacks: an event-sourced callback service (CONTRACT.md)",
                metadata={"prefix": prefix},
            ),
        )
        self.prefix = prefix
        self.counts = {s.name: _Counts() for s in ANSWERED}

    def observe(self, subject: str, code: str | None, seconds: float) -> None:
        """Told of every reply (routes.ReplyObserver); an unknown verb counts nowhere."""
        counts = self.counts.get(subject)
        if counts is None:
            return
        counts.requests += 1
        counts.nanoseconds += int(seconds * 1e9)
        if code is not None:
            counts.errors += 1
            counts.last_error = code

    def _address(self, subject: Subject) -> str:
        return f"{self.prefix}.{subject.wildcard()}"

    def info(self) -> ServiceInfo:
        info = super().info()
        info.endpoints = [
            EndpointInfo(
                name=endpoint_name(s),
                subject=self._address(s),
                queue_group=QUEUE_GROUP,
                metadata={
                    "roles": ",".join(sorted(r.value for r in s.roles)),
                    "payload": f"schemas/json/{s.name}.v1.json",
                    "reply": f"schemas/json/reply.{s.name}.v1.json",
                },
            )
            for s in ANSWERED
        ]
        return info

    def stats(self) -> ServiceStats:
        stats = super().stats()
        stats.endpoints = []
        for s in ANSWERED:
            c = self.counts[s.name]
            stats.endpoints.append(
                EndpointStats(
                    name=endpoint_name(s),
                    subject=self._address(s),
                    queue_group=QUEUE_GROUP,
                    num_requests=c.requests,
                    num_errors=c.errors,
                    last_error=c.last_error,
                    processing_time=c.nanoseconds,
                    average_processing_time=c.nanoseconds // c.requests if c.requests else 0,
                )
            )
        return stats


async def register(nc: Client, prefix: str, version: str) -> TableService:
    service = TableService(nc, prefix, version)
    await service.start()
    return service
