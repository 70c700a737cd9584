"""The demo's script: an hour of a contact center, in a minute, every step a NATS
request to the service (each subject printed), as an IVR, a CTI bridge, agents'
desktops and a supervisor would send it."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from collections.abc import Callable

    from nats.aio.client import Client

ADMIN = ("admin.choi", "ADMIN")
SUPERVISOR = ("sv.han", "SUPERVISOR")
# Who the script is on each subject family, unless a step says otherwise.
BY_FAMILY = {"intake": ("ivr-1", "IVR"), "cti": ("cti-1", "CTI"), "query": SUPERVISOR}
AGENTS = {"kim": "Kim Minji", "lee": "Lee Junho", "park": "Park Sora"}
PHONES = [
    ("+82 10-1111-0001", "billing"),
    ("+82 10-1111-0002", "billing"),
    ("+82 10-1111-0003", "tech"),
    ("+82 10-1111-0004", "billing"),
    ("+82 10-1111-0005", "tech"),
    ("+82 10-1111-0006", "billing"),
]


class DemoError(Exception):
    """The service refused a step the script expects to succeed."""


@dataclass
class Demo:
    nc: Client
    out: TextIO
    prefix: str = "callbacks"
    names: dict[str, str] = field(default_factory=dict)  # callback id → request id
    position: int = 0  # the newest log position a reply named
    requests: int = 0
    # Signs a token for (actor, role): the script's callers, as `callbacks token issue`.
    sign: Callable[[str, str], str] | None = None

    def say(self, text: str) -> None:
        print(f"\n{text}", file=self.out, flush=True)

    async def ask(
        self, tail: str, body: dict[str, Any], who: tuple[str, str] | None = None
    ) -> dict[str, Any]:
        subject = f"{self.prefix}.{tail}"
        headers = None
        if self.sign is not None:
            family, _, rest = tail.partition(".")
            agent = (rest.split(".")[0], "AGENT") if family == "agent" else None
            actor, role = who or agent or BY_FAMILY.get(family, ADMIN)
            headers = {"Authorization": f"Bearer {self.sign(actor, role)}"}
        reply = await self.nc.request(
            subject, json.dumps(body).encode(), timeout=10, headers=headers
        )
        self.requests += 1
        answer = json.loads(reply.data)
        if not answer.get("ok"):
            raise DemoError(f"{subject}: {answer.get('error')}")
        data: dict[str, Any] = answer["data"]
        self.position = max(self.position, data.get("log_position") or 0)
        return data

    def show(self, subject: str, text: str) -> None:
        print(f"  {self.prefix}.{subject:<26} {text}", file=self.out, flush=True)

    async def request(self, request_id: str, phone: str, route: str, **extra: Any) -> str:
        body = {"request_id": request_id, "phone": phone, "route": route, **extra}
        r = await self.ask("intake.request", body)
        self.names.setdefault(r["callback_id"], request_id)
        place = ""
        if r["position_in_queue"] is not None:
            place = (
                f" #{r['position_in_queue']} in line, ~{r['estimated_wait_seconds']} s"
                f" ({r['wait_basis']})"
            )
        if r["state"] == "SCHEDULED":
            place = f" for {extra['desired_time']}"
        flag = "  (duplicate: the existing callback)" if r["duplicate"] else ""
        self.show(
            "intake.request", f"{request_id:<8} {phone:<17} {route:<8}-> {r['state']}{place}{flag}"
        )
        return str(r["callback_id"])

    async def work(self, who: str, callback_id: str, *outcomes: str) -> None:
        """An agent dials; each outcome is a failed dial, or 'complete' / 'finish'."""
        name, body = self.names[callback_id], {"callback_id": callback_id}
        for outcome in outcomes:
            if outcome == "finish":
                r = await self.ask(f"agent.{who}.finish", body)
                self.show(f"agent.{who}.finish", f"{name:<8} -> {r['state']}({r['reason']})")
                continue
            r = await self.ask(f"agent.{who}.dial", body)
            self.show(f"agent.{who}.dial", f"{name:<8} -> {r['state']}, attempt {r['attempts']}")
            if outcome == "complete":
                r = await self.ask(f"agent.{who}.complete", body)
                self.show(f"agent.{who}.complete", f"{name:<8} -> {r['state']}({r['reason']})")
            else:
                r = await self.ask(f"agent.{who}.dial-result", {**body, "outcome": outcome})
                self.show(f"agent.{who}.dial-result", f"{name:<8} {outcome} -> {r['state']}")

    async def assign(self, ids: list[str], agents: list[str], method: str) -> dict[str, list[str]]:
        body = {"callback_ids": ids, "agent_ids": agents, "method": method}
        r = await self.ask("admin.assign", body, SUPERVISOR)
        given: dict[str, list[str]] = {a: [] for a in agents}
        for item in r["results"]:
            given[item["agent_id"]].append(item["callback_id"])
            self.show("admin.assign", f"{self.names[item['callback_id']]:<8} -> {item['agent_id']}")
        return given

    async def until_queued(self, callback_id: str, timeout: float = 30.0) -> None:
        """Reads `query.get` until the service's scheduler has queued the callback."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            r = await self.ask("query.get", {"callback_id": callback_id})
            if r["state"] == "QUEUED" or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.5)
        self.show("query.get", f"{self.names[callback_id]:<8} -> {r['state']}")
        if r["state"] != "QUEUED":
            raise DemoError(f"the scheduler did not queue {self.names[callback_id]} in {timeout} s")


async def run_demo(
    nc: Client,
    out: TextIO,
    prefix: str = "callbacks",
    sign: Callable[[str, str], str] | None = None,
) -> Demo:
    d = Demo(nc=nc, out=out, prefix=prefix, sign=sign)

    d.say("The administrator registers three agents; CTI reports them logged in.")
    for agent_id, name in AGENTS.items():
        body = {
            "agent_id": agent_id,
            "name": name,
            "teams": ["billing-team"],
            "permissions": ["call"],
        }
        await d.ask("admin.agent-upsert", body, ADMIN)
        d.show("admin.agent-upsert", f"{agent_id:<5} {name}")
        await d.ask(f"cti.presence.{agent_id}", {"logged_in": True})
        d.show(f"cti.presence.{agent_id}", "logged in")

    d.say("Callers on hold press 1 for a callback; the IVR asks for each.")
    calls = [await d.request(f"ivr-{n:03}", p, r) for n, (p, r) in enumerate(PHONES, start=1)]
    await d.request("ivr-007", "+82 10 1111 0001", "billing")  # the same caller again
    await d.request("ivr-001", "+82 10-1111-0001", "billing")  # the IVR retries a request
    due = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0)
    later = await d.request(
        "ivr-008",
        "+82 10-1111-0008",
        "tech",
        type="SCHEDULED",
        desired_time=due.isoformat(),
        customer_timezone="Asia/Seoul",
        remark="after the meeting",
    )

    d.say("The supervisor assigns the six queued callbacks equally over three agents.")
    by_agent = await d.assign(calls, list(AGENTS), "EQUAL")

    d.say("Agents dial: some customers answer, some do not.")
    await d.work("kim", by_agent["kim"][0], "NO_ANSWER")
    await d.work("lee", by_agent["lee"][0], "complete")
    await d.work("park", by_agent["park"][0], "BUSY", "complete")
    await d.work("lee", by_agent["lee"][1], "finish")

    d.say("The scheduled callback comes due; the service's scheduler queues it.")
    await d.until_queued(later)
    await d.assign([later], ["lee"], "MANUAL")
    await d.work("lee", later, "complete")

    d.say("Kim keeps trying the first caller, who never answers.")
    await d.work("kim", by_agent["kim"][0], "NO_ANSWER", "ANSWERING_MACHINE")
    await d.work("kim", by_agent["kim"][1], "BUSY")
    r = await d.ask("agent.kim.dial", {"callback_id": by_agent["kim"][1]})
    d.show("agent.kim.dial", f"{d.names[by_agent['kim'][1]]:<8} -> {r['state']} (on the phone)")

    d.say("More requests arrive; then the supervisor cancels everything still open.")
    calls += [await d.request(f"ivr-{n:03}", f"+82 10-1111-{n:04}", "billing") for n in (9, 10)]
    r = await d.ask(
        "admin.cancel", {"callback_ids": list(dict.fromkeys([*calls, later]))}, SUPERVISOR
    )
    for callback_id in r["cancelled"]:
        d.show("admin.cancel", f"{d.names[callback_id]:<8} cancelled")
    for skipped in r["skipped"]:
        d.show("admin.cancel", f"{d.names[skipped['callback_id']]:<8} skipped ({skipped['state']})")

    d.say("Final states, as the read models answer them.")
    print(
        f"  {'request':<8} {'state':<11} {'status':<12} {'reason':<18} {'agent':<6} attempts",
        file=out,
    )
    for callback_id, name in d.names.items():
        cb = await d.ask("query.get", {"callback_id": callback_id, "min_position": d.position})
        print(
            f"  {name:<8} {cb['state']:<11} {cb['status']:<12} {cb['reason'] or '-':<18} "
            f"{cb['agent'] or '-':<6} {cb['attempts']}",
            file=out,
        )
    health = await d.ask("query.health", {})
    d.say(
        f"{d.requests} requests over NATS; the event log is at position {health['log_position']}."
    )
    return d
