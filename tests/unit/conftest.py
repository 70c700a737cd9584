"""Unit tests run the real service on eventsourcing's in-memory (POPO) store."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from callback_domain.application import CallbackService

if TYPE_CHECKING:
    from collections.abc import Iterator


def popo_service() -> CallbackService:
    return CallbackService(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


@pytest.fixture
def sut() -> Iterator[CallbackService]:
    service = popo_service()
    yield service
    service.close()
