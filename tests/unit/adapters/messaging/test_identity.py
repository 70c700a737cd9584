"""Who may read is decided by the one permission table, as for commands."""

from __future__ import annotations

import pytest

from adapters.messaging import identity
from callback_domain.errors import ForbiddenError, InvalidRequestError
from callback_domain.permissions import MATRIX, Action
from callback_domain.values import Role


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_query_callers_may_read_exactly_as_the_permission_table_says(role: Role) -> None:
    headers = {identity.ROLE_HEADER: role.value, identity.ACTOR_HEADER: "someone"}

    if role in MATRIX[Action.READ]:
        assert identity.monitor(headers, "nats:query").role is role
    else:
        with pytest.raises(ForbiddenError) as refused:
            identity.monitor(headers, "nats:query")
        assert Action.READ.value in refused.value.message


def test_a_query_caller_is_a_monitor_unless_it_says_otherwise() -> None:
    assert identity.monitor({}, "nats:query").role is Role.MONITOR


def test_a_role_that_does_not_exist_is_an_invalid_header() -> None:
    with pytest.raises(InvalidRequestError):
        identity.monitor({identity.ROLE_HEADER: "OWNER"}, "nats:query")
