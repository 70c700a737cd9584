"""The expected outcome of every subject for every caller, written from DOMAIN.md's
"Identity and access" (its role table and "a caller never learns anything about a
callback they may not see"), not from the code.

How DOMAIN.md is read:
- ADMIN "everything", SUPERVISOR "create, assign, unassign, reschedule, cancel,
  recreate; read everything", ASSIGNER "what a supervisor may" (an agent whose directory
  entry has `assign`, on `admin.*` and `query.*`), MONITOR "read everything; change
  nothing", IVR "intake only", CTI "presence only", AGENT "their own callbacks only" on
  their own `agent.{id}.*` subjects. `intake.*` is the IVR's channel and `cti.*` the CTI
  system's: "everything" for ADMIN means the admin and query subjects, not speaking as
  the IVR or the CTI system. Only the ADMIN changes the directory (agents and users),
  routes and hours; anyone may set their own password. The IVR's "slots" is
  `intake.slots`; monitors and above read a route's slots on `query.slots`, a
  route-limited one only on their routes (another route is refused as a bad `route`, as
  a treatment rate of it is; a route carries no callback to hide). `query.routes` lists
  only a route-limited caller's routes: filtered, never refused.
- "_R" callers (SUPERVISOR_R, MONITOR_R) are granted the route `billing` only: on another
  route's callback they get `not_found`; creating on another route is `forbidden`.
- An AGENT acting on a callback not assigned to them, an IVR on one another IVR
  submitted, a route-limited caller on another route's: `not_found`, never a lifecycle
  answer. No token at all: `unauthenticated`, everywhere.

Each cell is "ok", an error code, or "own?A:B" (A when the callback is the caller's own:
assigned to that agent, submitted by that IVR, or the caller's own password), or
"route?A:B" (A on the granted route `billing`, B on `tech`).
"""

from __future__ import annotations

ROLES = (
    "ADMIN",
    "SUPERVISOR",
    "SUPERVISOR_R",
    "ASSIGNER",
    "AGENT",
    "AGENT_NOCALL",
    "MONITOR",
    "MONITOR_R",
    "IVR",
    "CTI",
    "ANON",
)

# The tokens (actor, token role) of each caller; ANON sends none.
CALLERS = {
    "ADMIN": ("adm-1", "ADMIN"),
    "SUPERVISOR": ("sv-all", "SUPERVISOR"),
    "SUPERVISOR_R": ("sv-bill", "SUPERVISOR"),
    "ASSIGNER": ("boss", "AGENT"),
    "AGENT": ("kim", "AGENT"),
    "AGENT_NOCALL": ("nocall", "AGENT"),
    "MONITOR": ("mon-all", "MONITOR"),
    "MONITOR_R": ("mon-bill", "MONITOR"),
    "IVR": ("ivr-1", "IVR"),
    "CTI": ("cti-1", "CTI"),
}

F, NF, OK = "forbidden", "not_found", "ok"
OWN = "own?ok:not_found"
ROUTE = "route?ok:not_found"


def _only(**cells: str) -> dict[str, str]:
    """Every caller forbidden (and ANON unauthenticated) but those named."""
    table = dict.fromkeys(ROLES, F)
    table["ANON"] = "unauthenticated"
    table.update(cells)
    return table


_MANAGE = {"ADMIN": OK, "SUPERVISOR": OK, "SUPERVISOR_R": ROUTE, "ASSIGNER": OK}
_READ = {**_MANAGE, "MONITOR": OK, "MONITOR_R": ROUTE}
_READ_ALL = {**_READ, "SUPERVISOR_R": OK, "MONITOR_R": OK}  # filtered, never refused
_AGENT_WORK = {"AGENT": OWN, "ASSIGNER": OWN}  # boss is an agent with call too
_PEOPLE = ("ADMIN", "SUPERVISOR", "SUPERVISOR_R", "ASSIGNER", "AGENT", "MONITOR", "MONITOR_R")

EXPECTED: dict[str, dict[str, str]] = {
    "intake.request": _only(IVR=OK),
    "intake.cancel": _only(IVR=OWN),
    "intake.abandon": _only(IVR=OWN),
    "intake.slots": _only(IVR=OK),
    "agent.schedule": _only(AGENT=OK, ASSIGNER=OK),
    "agent.dial": _only(**_AGENT_WORK),
    "agent.dial-result": _only(**_AGENT_WORK),
    "agent.complete": _only(**_AGENT_WORK),
    "agent.finish": _only(**_AGENT_WORK),
    "agent.list": _only(AGENT=OK, ASSIGNER=OK),
    "agent.pending": _only(AGENT=OK, ASSIGNER=OK),
    # DOMAIN.md "Agents' own callbacks": their upcoming list, and reschedule, cancel or
    # call now of the scheduled callbacks routed to them; another's is not theirs to see.
    "agent.upcoming": _only(AGENT=OK, ASSIGNER=OK),
    "agent.reschedule": _only(**_AGENT_WORK),
    "agent.cancel": _only(**_AGENT_WORK),
    "agent.call-now": _only(**_AGENT_WORK),
    # "Teams and distribution": the agent offered a callback accepts or rejects it. The
    # matrix tries an assigned (not offered) callback: the caller's own gets the
    # lifecycle's answer, another's is not theirs to see (test_distribution.py: offers).
    "agent.accept": _only(**dict.fromkeys(_AGENT_WORK, "own?invalid_transition:not_found")),
    "agent.reject": _only(**dict.fromkeys(_AGENT_WORK, "own?invalid_transition:not_found")),
    "admin.create": _only(**{**_MANAGE, "SUPERVISOR_R": "route?ok:forbidden"}),
    "admin.assign": _only(**_MANAGE),
    "admin.unassign": _only(**_MANAGE),
    "admin.reschedule": _only(**_MANAGE),
    "admin.cancel": _only(**_MANAGE),
    "admin.recreate": _only(**_MANAGE),
    "admin.agent-upsert": _only(ADMIN=OK),
    "admin.user-upsert": _only(ADMIN=OK),
    "admin.route-upsert": _only(ADMIN=OK),
    "admin.hours-set": _only(ADMIN=OK),
    "admin.password-set": _only(
        ADMIN=OK, **{r: "own?ok:forbidden" for r in _PEOPLE if r != "ADMIN"}
    ),
    "auth.whoami": _only(**{r: OK for r in ROLES if r not in ("ANON", "AGENT_NOCALL")}),
    "query.health": _only(**_READ_ALL),
    "query.get": _only(**_READ),
    "query.history": _only(**_READ),
    "query.list": _only(**_READ_ALL),
    "query.search": _only(**_READ_ALL),
    "query.assignment-summary": _only(**_READ_ALL),
    "query.agent-counts": _only(**_READ_ALL),
    "query.treatment-rate": _only(**_READ_ALL),
    "query.routes": _only(**_READ_ALL),
    "query.slots": _only(
        **{
            **_READ,
            "SUPERVISOR_R": "route?ok:invalid_request",
            "MONITOR_R": "route?ok:invalid_request",
        }
    ),
    "cti.presence": _only(CTI=OK),
    # DOMAIN.md "SMS and MMS": ADMIN's "SMS set-up"; the templates are read by whoever may
    # send (SUPERVISOR "send SMS", ASSIGNER what a supervisor may, an agent for their own
    # callbacks; route-limited supervisors too: a template belongs to no route). MONITOR
    # changes and sends nothing.
    "admin.sms.sender-upsert": _only(ADMIN=OK),
    "admin.sms.category-upsert": _only(ADMIN=OK),
    "admin.sms.template-upsert": _only(ADMIN=OK),
    "admin.sms.template-delete": _only(ADMIN=OK),
    "query.sms.templates": _only(ADMIN=OK, SUPERVISOR=OK, SUPERVISOR_R=OK, ASSIGNER=OK, AGENT=OK),
    # SUPERVISOR "send SMS" (for a callback: one they may see, so a route-limited one only
    # on their route), ASSIGNER as a supervisor, an agent "for their own callback".
    "admin.sms.send": _only(**_MANAGE, AGENT=OWN),
    # "who sent it, SUPERVISOR and above": anyone who may send may ask; another's message
    # is skipped (`not_found` in `skipped`), never refused, so no one learns it exists.
    "admin.sms.cancel": _only(ADMIN=OK, SUPERVISOR=OK, SUPERVISOR_R=OK, ASSIGNER=OK, AGENT=OK),
    # "monitors and above" read the messages; a message belongs to no route.
    "query.sms.messages": _only(**_READ_ALL),
}
# An agent without `call` still has a token and a password: whoami tells them so.
EXPECTED["auth.whoami"]["AGENT_NOCALL"] = OK
EXPECTED["admin.password-set"]["AGENT_NOCALL"] = "own?ok:forbidden"


def expected(subject: str, role: str, *, own: bool, granted: bool) -> str:
    cell = EXPECTED[subject][role]
    if "?" not in cell:
        return cell
    condition, _, answers = cell.partition("?")
    yes, no = answers.split(":")
    return yes if (own if condition == "own" else granted) else no
