"""The agent directory (profiles from agent-upsert, presence from CTI) and the policy book."""

from __future__ import annotations

from typing import TYPE_CHECKING

from callback_domain.agent import Agent
from callback_domain.errors import AgentNotFoundError
from callback_domain.handlers.access import authorize_caller
from callback_domain.permissions import Action
from callback_domain.policy_book import POLICY_BOOK_ID, PolicyBook
from callback_domain.results import AgentSaved, PoliciesRecorded
from callback_domain.values import MAX_NAME_LENGTH, Permission, Validator

if TYPE_CHECKING:
    from callback_domain.commands import RecordPolicies, SetPresence, UpsertAgent
    from callback_domain.values import Policies
    from callback_domain.workspace import Workspace


def upsert_agent(cmd: UpsertAgent, ws: Workspace, _p: Policies) -> AgentSaved:
    authorize_caller(ws, cmd.caller, Action.UPSERT_AGENT)
    v = Validator()
    agent_id = v.token("agent_id", cmd.agent_id)
    name = v.text("name", cmd.name, max_length=MAX_NAME_LENGTH)
    teams = v.tokens("teams", cmd.teams)
    permissions: list[Permission] = []
    for i, p in enumerate(cmd.permissions):
        try:
            permissions.append(Permission(p))
        except ValueError:
            v.refuse(f"permissions.{i}", "must be 'call' or 'assign'")
    v.raise_if_any()
    assert agent_id is not None and name is not None
    agent = ws.agent(agent_id)
    if agent is None:
        ws.add(
            Agent.register(
                agent_id, name=name, teams=teams, permissions=permissions, by=cmd.caller, at=cmd.at
            )
        )
        return AgentSaved(agent_id=agent_id, created=True, changed=True)
    was_changed = agent.change_profile(
        name=name, teams=teams, permissions=permissions, by=cmd.caller, at=cmd.at
    )
    return AgentSaved(agent_id=agent_id, created=False, changed=was_changed)


def set_presence(cmd: SetPresence, ws: Workspace, _p: Policies) -> AgentSaved:
    authorize_caller(ws, cmd.caller, Action.SET_PRESENCE)
    agent = ws.agent(cmd.agent_id)
    if agent is None:
        raise AgentNotFoundError(agent_id=cmd.agent_id)
    was_changed = agent.set_presence(logged_in=cmd.logged_in, by=cmd.caller, at=cmd.at)
    return AgentSaved(agent_id=cmd.agent_id, created=False, changed=was_changed)


def record_policies(cmd: RecordPolicies, ws: Workspace, _p: Policies) -> PoliciesRecorded:
    authorize_caller(ws, cmd.caller, Action.RECORD_POLICIES)
    book = ws.get(PolicyBook, POLICY_BOOK_ID)
    if book is None:
        ws.add(PolicyBook.open(cmd.policies, by=cmd.caller, at=cmd.at))
        return PoliciesRecorded(changed=True)
    return PoliciesRecorded(changed=book.record(cmd.policies, by=cmd.caller, at=cmd.at))
