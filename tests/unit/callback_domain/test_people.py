"""The directory's people: users with roles and granted routes, everyone's password."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from callback_domain import commands as c
from callback_domain.errors import CallbackError, ForbiddenError
from callback_domain.values import Caller, Role
from tests.factories import ADMIN, T0, add_agents

if TYPE_CHECKING:
    from callback_domain.application import CallbackService


def test_a_user_is_recorded_with_role_routes_and_who_made_it(sut: CallbackService) -> None:
    made = sut.execute(
        c.UpsertUser(caller=ADMIN, at=T0, user="sv-han", role="SUPERVISOR", routes=("sales",))
    )
    assert (made.created, made.changed) == (True, True)
    user = sut.get_user("sv-han")
    assert user is not None and (user.user_role, user.routes) == ("SUPERVISOR", ("sales",))
    again = sut.execute(
        c.UpsertUser(caller=ADMIN, at=T0, user="sv-han", role="SUPERVISOR", routes=("sales",))
    )
    assert (again.created, again.changed) == (False, False)
    (registered,) = list(sut.events.get(user.id))
    assert (registered.actor, registered.role, registered.issuer) == (
        ADMIN.actor,
        "ADMIN",
        ADMIN.issuer,
    )


def test_anyone_sets_their_own_password_and_only_an_admin_another_ones(
    sut: CallbackService,
) -> None:
    add_agents(sut, "kim", "lee")
    kim = Caller(actor="kim", role=Role.AGENT)
    sut.execute(c.SetPassword(caller=kim, at=T0, user="kim", password_hash="h1"))
    agent = sut.get_agent("kim")
    assert agent is not None and agent.password_hash == "h1"
    with pytest.raises(ForbiddenError):
        sut.execute(c.SetPassword(caller=kim, at=T0, user="lee", password_hash="h2"))
    sut.execute(c.SetPassword(caller=ADMIN, at=T0, user="lee", password_hash="h3"))
    lee = sut.get_agent("lee")
    assert lee is not None and lee.password_hash == "h3"


def test_a_user_may_not_take_an_agents_name(sut: CallbackService) -> None:
    add_agents(sut, "kim")
    with pytest.raises(CallbackError) as refused:
        sut.execute(c.UpsertUser(caller=ADMIN, at=T0, user="kim", role="MONITOR"))
    assert refused.value.code == "invalid_request"
