"""The service's name prefixes its tables and tracking keys (PostgreSQL): one store."""

from __future__ import annotations

from callback_domain.application import CallbackService

POPO = {"PERSISTENCE_MODULE": "eventsourcing.popo"}


class Double(CallbackService):
    """A test double or a tool built on the service, naming nothing."""


def test_a_subclass_uses_the_services_store() -> None:
    assert (
        Double(env=POPO).factory.env.name
        == CallbackService(env=POPO).factory.env.name
        == "callbacks"
    )


def test_a_tool_may_name_another_store() -> None:
    assert Double(env=POPO, name="audit").factory.env.name == "audit"
