"""The people of the directory: users (administrators, supervisors, monitors) and
everyone's password (users and agents share one name space for logging in)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from callback_domain.errors import InvalidRequestError, PersonNotFoundError
from callback_domain.handlers.access import authorize_caller
from callback_domain.permissions import Action
from callback_domain.results import UserSaved
from callback_domain.user import USER_ROLES, User
from callback_domain.values import MAX_ROUTE_LENGTH, Validator

if TYPE_CHECKING:
    from callback_domain.agent import Agent
    from callback_domain.commands import SetPassword, UpsertUser
    from callback_domain.values import Policies
    from callback_domain.workspace import Workspace


def person(ws: Workspace, name: str) -> User | Agent | None:
    """Whoever logs in as `name`: a user, else an agent."""
    return ws.get(User, User.create_id(name)) or ws.agent(name)


def upsert_user(cmd: UpsertUser, ws: Workspace, _p: Policies) -> UserSaved:
    authorize_caller(ws, cmd.caller, Action.UPSERT_USER)
    v = Validator()
    name = v.token("user", cmd.user)
    if cmd.role not in USER_ROLES:
        v.refuse("role", f"must be one of {', '.join(USER_ROLES)} (agents: agent-upsert)")
    routes = None
    if cmd.routes is not None:
        routes = tuple(
            r
            for i, r in enumerate(cmd.routes)
            if v.text(f"routes.{i}", r, max_length=MAX_ROUTE_LENGTH)
        )
    v.raise_if_any()
    assert name is not None
    if ws.agent(name) is not None:
        raise InvalidRequestError.single("user", f"'{name}' is an agent; choose another name")
    user = ws.get(User, User.create_id(name))
    if user is None:
        ws.add(User.register(name, role=cmd.role, routes=routes, by=cmd.caller, at=cmd.at))
        return UserSaved(user=name, created=True, changed=True)
    changed = user.change_profile(role=cmd.role, routes=routes, by=cmd.caller, at=cmd.at)
    return UserSaved(user=name, created=False, changed=changed)


def set_password(cmd: SetPassword, ws: Workspace, _p: Policies) -> UserSaved:
    """An administrator sets anyone's password; anyone sets their own."""
    if cmd.caller.actor != cmd.user:
        authorize_caller(ws, cmd.caller, Action.SET_PASSWORD)
    if not cmd.password_hash:
        raise InvalidRequestError.single("password", "is required")
    who = person(ws, cmd.user)
    if who is None:
        raise PersonNotFoundError(user=cmd.user)
    who.set_password(cmd.password_hash, by=cmd.caller, at=cmd.at)
    return UserSaved(user=cmd.user, created=False, changed=True)
