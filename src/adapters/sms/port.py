"""The provider port: what the service hands a provider for one recipient's message, and
what the provider answers.

The message id is the idempotency key: a provider given the same id twice (a retry after a
crash between handing it over and recording the answer) must not send twice (JetStream:
`Nats-Msg-Id`; NHN Cloud: the request's own id, see nhn_cloud.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

MessageType = Literal["SMS", "MMS"]


@dataclass(frozen=True, slots=True)
class Image:
    name: str
    jpeg: bytes


@dataclass(frozen=True, slots=True)
class Outbound:
    """One recipient's message, as the provider sends it."""

    message_id: str
    type: MessageType
    sender: str  # digits only
    recipient: str  # digits only
    subject: str | None  # MMS only
    body: str
    images: tuple[Image, ...] = ()


@dataclass(frozen=True, slots=True)
class Delivery:
    """A provider's answer to one hand-over.

    - ACCEPTED: taken by a gateway that reports the outcome later (on `sms.status`);
    - SENT: the provider sent it (its answer is the outcome);
    - FAILED: it will not be sent; `retryable` says whether trying again may succeed
      (a timeout, a 5xx, a refused connection) or not (a refused number, a bad key).
    """

    state: Literal["ACCEPTED", "SENT", "FAILED"]
    reason: str | None = None
    retryable: bool = False
    provider_id: str | None = None  # the provider's own id of the request, for the audit


class SmsProvider(Protocol):
    name: str

    async def send(self, message: Outbound) -> Delivery:
        """Hands one message over; never raises for the provider's failures (a FAILED
        Delivery says them), only for programming errors."""
        ...

    async def close(self) -> None: ...
