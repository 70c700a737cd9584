"""`callbacks demo`: a scripted hour of a contact center, through the real service."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO

from callback_domain import commands as c
from callback_domain.values import AssignMethod, Caller, DialOutcome, Permission, Role

if TYPE_CHECKING:
    from uuid import UUID

    from callback_domain.application import CallbackService

ADMIN = Caller(actor="admin.choi", role=Role.ADMIN, channel="demo")
SUPERVISOR = Caller(actor="sv.han", role=Role.SUPERVISOR, channel="demo")
IVR = Caller(actor="ivr-main", role=Role.IVR, channel="demo")
CTI = Caller(actor="cti", role=Role.SYSTEM, channel="demo")
SCHEDULER = Caller(actor="scheduler", role=Role.SYSTEM, channel="demo")
AGENTS = {"kim": "Kim Minji", "lee": "Lee Junho", "park": "Park Sora"}


def agent(agent_id: str) -> Caller:
    return Caller(actor=agent_id, role=Role.AGENT, channel="demo")


@dataclass
class Demo:
    service: CallbackService
    out: TextIO
    clock: datetime
    names: dict[UUID, str] = field(default_factory=dict)

    def at(self, minute: int) -> datetime:
        self.now = self.clock + timedelta(minutes=minute)
        return self.now

    def say(self, minute: int, text: str) -> None:
        self.at(minute)
        print(f"\n[{self.now:%H:%M}] {text}", file=self.out)

    def run(self, command: c.Command) -> Any:
        return self.service.execute(command)

    def show(self, line: str) -> None:
        print(f"    {line}", file=self.out)

    def request(self, request_id: str, phone: str, route: str, **extra: Any) -> UUID:
        reply = self.run(
            c.RequestCallback(
                caller=IVR, at=self.now, request_id=request_id, phone=phone, route=route, **extra
            )
        )
        self.names.setdefault(reply.callback_id, request_id)
        flag = "  (duplicate: the existing callback)" if reply.duplicate else ""
        self.show(f"{request_id:<12} {phone:<18} {route:<8} -> {reply.state}{flag}")
        return reply.callback_id  # type: ignore[no-any-return]

    def work(self, who: str, callback_id: UUID, *outcomes: str) -> None:
        """An agent dials; each outcome is a failed dial, or 'complete' / 'finish'."""
        me = agent(who)
        for outcome in outcomes:
            if outcome == "finish":
                r = self.run(c.FinishCallback(caller=me, at=self.now, callback_id=callback_id))
            else:
                self.run(c.DialCallback(caller=me, at=self.now, callback_id=callback_id))
                if outcome == "complete":
                    r = self.run(
                        c.CompleteCallback(caller=me, at=self.now, callback_id=callback_id)
                    )
                else:
                    r = self.run(
                        c.RecordDialResult(
                            caller=me,
                            at=self.now,
                            callback_id=callback_id,
                            outcome=DialOutcome(outcome),
                        )
                    )
            reason = f"({r.reason})" if r.reason else ""
            self.show(
                f"{who:<5} {self.names[callback_id]:<12} {outcome:<18} -> {r.state}{reason}"
                f"  attempts {r.attempts}"
            )


def run_demo(service: CallbackService, out: TextIO, start: datetime | None = None) -> None:
    start = start or datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    d = Demo(service=service, out=out, clock=start)

    d.say(0, "The administrator registers three agents; CTI reports them logged in.")
    for agent_id, name in AGENTS.items():
        d.run(
            c.UpsertAgent(
                caller=ADMIN,
                at=d.now,
                agent_id=agent_id,
                name=name,
                teams=("billing-team",),
                permissions=(Permission.CALL,),
            )
        )
        d.run(c.SetPresence(caller=CTI, at=d.now, agent_id=agent_id, logged_in=True))
        d.show(f"{agent_id:<5} {name}")

    d.say(2, "Callers on hold press 1 for a callback; the IVR publishes requests.")
    calls = [
        d.request(f"ivr-{n:03}", phone, route)
        for n, (phone, route) in enumerate(
            [
                ("+82 10-1111-0001", "billing"),
                ("+82 10-1111-0002", "billing"),
                ("+82 10-1111-0003", "tech"),
                ("+82 10-1111-0004", "billing"),
                ("+82 10-1111-0005", "tech"),
                ("+82 10-1111-0006", "billing"),
            ],
            start=1,
        )
    ]
    d.request("ivr-007", "+82 10 1111 0001", "billing")  # same caller again
    d.request("ivr-001", "+82 10-1111-0001", "billing")  # the IVR retries a request
    later = d.request(
        "ivr-008",
        "+82 10-1111-0008",
        "tech",
        desired_time=d.now + timedelta(minutes=28),
        customer_timezone="Asia/Seoul",
        remark="after the meeting",
    )

    d.say(5, "The supervisor assigns the six queued callbacks equally over three agents.")
    result = d.run(
        c.AssignCallbacks(
            caller=SUPERVISOR,
            at=d.now,
            callback_ids=tuple(calls),
            agent_ids=tuple(AGENTS),
            method=AssignMethod.EQUAL,
        )
    )
    for item in result.results:
        d.show(f"{d.names[item.callback_id]:<12} -> {item.agent_id}")

    d.say(12, "Agents dial: some customers answer, some do not.")
    by_agent = {i.agent_id: [] for i in result.results}
    for item in result.results:
        by_agent[item.agent_id].append(item.callback_id)
    d.work("kim", by_agent["kim"][0], "NO_ANSWER")
    d.work("lee", by_agent["lee"][0], "complete")
    d.work("park", by_agent["park"][0], "BUSY", "complete")
    d.work("lee", by_agent["lee"][1], "finish")

    d.say(30, "The scheduled callback comes due; the scheduler queues it.")
    r = d.run(c.QueueDueCallback(caller=SCHEDULER, at=d.now, callback_id=later))
    d.show(f"{d.names[later]:<12} -> {r.state}")
    d.run(c.AssignCallbacks(caller=SUPERVISOR, at=d.now, callback_ids=(later,), agent_ids=("lee",)))
    d.work("lee", later, "complete")

    d.say(40, "Kim keeps trying the first caller, who never answers.")
    d.work("kim", by_agent["kim"][0], "NO_ANSWER", "ANSWERING_MACHINE")
    d.work("kim", by_agent["kim"][1], "BUSY")
    d.run(c.DialCallback(caller=agent("kim"), at=d.now, callback_id=by_agent["kim"][1]))
    d.show(f"kim   {d.names[by_agent['kim'][1]]:<12} dialing…          -> PROCESSING")

    d.say(50, "More requests arrive; then the supervisor cancels everything still open.")
    for n in (9, 10):
        calls.append(d.request(f"ivr-{n:03}", f"+82 10-1111-{n:04}", "billing"))
    open_ids = tuple(dict.fromkeys([*calls, later]))
    cancel = d.run(c.CancelCallbacks(caller=SUPERVISOR, at=d.now, callback_ids=open_ids))
    for callback_id in cancel.cancelled:
        d.show(f"{d.names[callback_id]:<12} cancelled")
    for s in cancel.skipped:
        d.show(f"{d.names[s.callback_id]:<12} skipped: {s.message}")

    d.say(60, "Final states.")
    d.show(f"{'request':<12} {'state':<11} {'status':<12} {'reason':<19} {'agent':<6} attempts")
    for callback_id, name in d.names.items():
        cb = service.get_callback(callback_id)
        d.show(
            f"{name:<12} {cb.state:<11} {cb.status:<12} {cb.reason or '-':<19} "
            f"{cb.agent_id or '-':<6} {cb.attempts}"
        )
    stats = service.stats
    d.show(f"{stats.commands} commands, {stats.events} events in {stats.transactions} transactions")
