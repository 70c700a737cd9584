"""An MMS image, stored once by its content (templates name it by SHA-256)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from callback_domain.audit import AuditedEvent

if TYPE_CHECKING:
    from datetime import datetime

    from callback_domain.sms_rules import Image
    from callback_domain.values import Caller

SMS_IMAGE_NAMESPACE = uuid5(NAMESPACE_URL, "urn:callbacks:sms-image")


class SmsImage(Aggregate):
    """The JPEG's bytes as base64, its size and SHA-256; the same bytes uploaded again
    (under any name, for any template) are this one image."""

    TOPIC = "callbacks:SmsImage"

    class Created(Aggregate.Created):
        TOPIC = "callbacks:SmsImage.Created"

    class Event(AuditedEvent, Aggregate.Event):
        sha256: str  # on every event, so a consumer of one event knows which image it is
        actor: str
        role: str
        channel: str
        issuer: str

    class Stored(Aggregate.Created, Event):
        TOPIC = "callbacks:SmsImage.Stored"
        size: int
        jpeg_base64: str

        def apply(self, agg: SmsImage) -> None:
            agg.sha256 = self.sha256
            agg.size = self.size
            agg.jpeg_base64 = self.jpeg_base64

    if TYPE_CHECKING:
        sha256: str
        size: int
        jpeg_base64: str

    @staticmethod
    def create_id(sha256: str) -> UUID:
        return uuid5(SMS_IMAGE_NAMESPACE, sha256)

    @classmethod
    def store(cls, image: Image, *, by: Caller, at: datetime) -> SmsImage:
        return cls._create(
            cls.Stored,
            id=cls.create_id(image.sha256),
            timestamp=at,
            sha256=image.sha256,
            size=image.size,
            jpeg_base64=image.jpeg_base64,
            **by.audit(),
        )
