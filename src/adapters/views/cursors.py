"""Keyset cursors: (time, id) of the last row of a page, opaque to clients."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from uuid import UUID

from callback_domain.errors import InvalidRequestError


def encode_key(at: datetime, row_id: UUID) -> str:
    raw = json.dumps([at.isoformat(), str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_key(cursor: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, row_id = json.loads(raw)
        return datetime.fromisoformat(at), UUID(row_id)
    except (ValueError, TypeError, binascii.Error):
        raise InvalidRequestError.single(
            "cursor", "is not a cursor this service gave out"
        ) from None
