"""`auth.*` and the people's `admin.*` subjects: payloads and replies (CONTRACT.md
"Identity"; `admin.user-upsert` is an addition, docs/contract.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from adapters.messaging.messages.base import STORABLE, Payload, Route
from adapters.messaging.messages.replies import LogPosition

MAX_PASSWORD = 200
MIN_PASSWORD = 8
MAX_ROUTES = 500

UserName = Annotated[str, Field(min_length=1, max_length=64, description="a user or agent id")]
Password = Annotated[str, Field(max_length=MAX_PASSWORD), STORABLE]


class LoginPayload(Payload):
    """`auth.login`: a person of the directory (a user or an agent) and their password."""

    user: UserName
    password: Password


class WhoamiPayload(Payload):
    """`auth.whoami`: `{}`."""


class PasswordSetPayload(Payload):
    """`admin.password-set`: by an administrator, or by the person themselves."""

    user: UserName
    password: Annotated[str, Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD), STORABLE]


class UserUpsertPayload(Payload):
    """`admin.user-upsert`: adds an administrator, supervisor or monitor to the directory,
    or changes their role or granted routes. Agents: `admin.agent-upsert`."""

    user: UserName
    role: Literal["ADMIN", "SUPERVISOR", "MONITOR"]
    routes: list[Route] | None = Field(
        default=None,
        max_length=MAX_ROUTES,
        description="the only routes they may see and act on; null or absent: every route",
    )


class LoginReply(BaseModel):
    token: str = Field(description="send it as 'Authorization: Bearer <token>'")
    expires_at: datetime
    actor: str
    role: str


class WhoamiReply(BaseModel):
    actor: str
    role: str
    issuer: str
    teams: list[str] = Field(description="an agent's teams, from the directory")
    permissions: list[str] = Field(description="an agent's permissions, from the directory")
    routes: list[str] | None = Field(description="granted routes; null: every route")


class PasswordSetReply(BaseModel):
    user: str
    log_position: LogPosition


class UserSavedReply(BaseModel):
    user: str
    created: bool
    changed: bool
    log_position: LogPosition
