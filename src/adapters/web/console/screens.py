"""The console's screens: where each is, who sees it in the menu, its template and its
script. Who may *do* anything on a screen is decided by `/api`, as for any other client;
the menu only leaves out what a role cannot use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

_SUPERVISING = frozenset({"ADMIN", "SUPERVISOR"})
_READING = frozenset({"ADMIN", "SUPERVISOR", "MONITOR"})


@dataclass(frozen=True, slots=True)
class Me:
    """The signed-in user, as `auth.whoami` answers."""

    actor: str
    role: str
    teams: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()

    @classmethod
    def of(cls, data: dict[str, Any]) -> Me:
        return cls(
            actor=data["actor"],
            role=data["role"],
            teams=tuple(data.get("teams") or ()),
            permissions=tuple(data.get("permissions") or ()),
        )

    @property
    def agent(self) -> bool:
        return self.role == "AGENT"

    @property
    def assigner(self) -> bool:
        """An agent with the `assign` permission: a supervisor on their teams' routes."""
        return self.agent and "assign" in self.permissions

    def supervises(self) -> bool:
        return self.role in _SUPERVISING or self.assigner

    def reads(self) -> bool:
        return self.role in _READING or self.assigner


@dataclass(frozen=True, slots=True)
class Screen:
    key: str  # its words are `nav.<key>`; its template `<key>.html`, script `<key>.js`
    path: str
    shown_to: Callable[[Me], bool]
    in_menu: bool = True


SCREENS: tuple[Screen, ...] = (
    Screen("agent", "/agent", lambda me: me.agent),
    Screen("list", "/callbacks", Me.reads),
    Screen("assign", "/assign", Me.supervises),
    Screen("unassign", "/unassign", Me.supervises),
    Screen("report", "/report", Me.reads),
    Screen("cancel", "/cancel", Me.supervises),
    Screen("sms_send", "/sms/send", Me.supervises),
    Screen("sms_messages", "/sms/messages", Me.reads),
    Screen("agents", "/admin/agents", lambda me: me.role == "ADMIN"),
    Screen("routes", "/admin/routes", lambda me: me.role == "ADMIN"),
    Screen("sms", "/admin/sms", lambda me: me.role == "ADMIN"),
    Screen("history", "/callbacks/{callback_id}", lambda me: True, in_menu=False),
)


def home_of(me: Me) -> str | None:
    """Where a user lands after logging in: an agent's desktop, else the first screen
    their role is shown (None: a system's role, IVR or CTI, has no screen)."""
    return next((s.path for s in SCREENS if s.in_menu and s.shown_to(me)), None)
