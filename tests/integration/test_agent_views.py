"""The agent desktop's reads on both stores: the visibility rule in SQL says exactly what
`Scope.admits` says, and each agent's upcoming callbacks."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from adapters.bootstrap import build_read_side, build_service
from adapters.settings import Settings
from adapters.views.queries import ListFilters
from callback_domain import commands as c
from callback_domain.values import Caller, Permission, Role
from callback_domain.visibility import scope_of
from tests.factories import SUPERVISOR, T0, add_agents, agent, request

if TYPE_CHECKING:
    from collections.abc import Iterator

    from adapters.bootstrap import ReadSide
    from callback_domain.application import CallbackService

pytestmark = pytest.mark.integration
HOUR = timedelta(hours=1)
TEAMS = {"kim": ("billing",), "lee": ("billing", "sales"), "out": ("sales",), "boss": ("billing",)}


@pytest.fixture
def desk(database_url: str) -> Iterator[tuple[CallbackService, ReadSide]]:
    settings = Settings.load(database_url=database_url, timezone="Asia/Seoul")
    service = build_service(settings)
    side = build_read_side(settings, service)
    for who, teams in TEAMS.items():
        perms = (Permission.CALL, Permission.ASSIGN) if who == "boss" else (Permission.CALL,)
        add_agents(service, who, teams=teams, permissions=perms)
    yield service, side
    side.close()
    service.close()


def test_what_each_caller_sees_is_the_domain_rule(
    desk: tuple[CallbackService, ReadSide],
) -> None:
    service, side = desk
    ahead = T0 + timedelta(hours=2)
    made = [
        service.execute(request(**fields)).callback_id
        for fields in (
            {},  # nobody's
            {"routing_team": "billing"},
            {"routing_team": "sales"},
            {"routing_team": "billing", "desired_time": ahead},
            {"routing_agent": "kim", "desired_time": ahead},
            {"routing_agent": "out"},  # straight to out
            {"caller": agent("lee"), "routing_agent": "kim", "desired_time": ahead + HOUR},
        )
    ]
    service.execute(
        c.AssignCallbacks(caller=SUPERVISOR, at=T0, callback_ids=made[:2], agent_ids=("lee",))
    )
    side.runner.catch_up(list(side.store.active().values()))

    roles = (Role.AGENT, Role.ASSIGNER, Role.SUPERVISOR)
    for (who, teams), role in itertools.product(TEAMS.items(), roles):
        caller = Caller(actor=who, role=role)
        scope = scope_of(caller, teams)
        listed = {r.callback_id for r in side.queries.iter_rows(ListFilters(scope=scope))}
        expected = {
            i
            for i in made
            if scope is None
            or scope.admits(
                agent=(cb := service.get_callback(i)).agent_id,
                routing_agent=cb.routing_agent,
                routing_team=cb.routing_team,
            )
        }
        assert listed == expected, (who, role)
        page = side.queries.list_page(ListFilters(scope=scope), page_size=2)
        assert page.total == len(expected), (who, role)

    count, rows = side.queries.upcoming("kim", 250)
    assert (count, [r.callback_id for r in rows]) == (2, [made[4], made[6]])
    assert side.queries.upcoming_counts(["kim", "lee", "out"]) == {"kim": 2, "lee": 0, "out": 0}
