"""The client side: many concurrent NATS clients, in a process of their own.

    python -m scripts.bench.loadgen closed --url U --subject S --clients 64 --seconds 20
    python -m scripts.bench.loadgen open   --url U --subject S --rate 1000 --seconds 10
    python -m scripts.bench.loadgen submit --url U --prefix P --count 20000 --clients 64

`closed`: each client sends its next request when the previous reply arrives (the
sustained rate). `open`: requests leave on a fixed schedule whatever the replies do,
and latency counts from the scheduled time (no coordinated omission). `submit`:
JetStream publishes to `{prefix}.intake.submit`, then waits for every outcome on
`{prefix}.notify.intake`. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import time
from typing import Any

import nats
from scripts.bench.common import percentile

CONNECTIONS = 4


def intake_body(run: str, n: int) -> bytes:
    """A valid, unique intake request (its own request id and phone number)."""
    return json.dumps(
        {
            "request_id": f"{run}-{n}",
            "phone": f"+8270{n:09d}",
            "route": f"route-{n % 7}",
            "customer_timezone": "Asia/Seoul",
            "remark": "benchmark",
        }
    ).encode()


def _headers(args: argparse.Namespace) -> dict[str, str] | None:
    """The caller's token (as an IVR sends it on every request), if the run has one."""
    return {"Authorization": f"Bearer {args.token}"} if args.token else None


def _summary(
    latencies: list[float], ok: int, errors: int, seconds: float, codes: dict[str, int]
) -> dict[str, Any]:
    return {
        "ok": ok,
        "errors": errors,
        "seconds": seconds,
        "rate": ok / seconds if seconds else 0.0,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": max(latencies, default=float("nan")) * 1000,
        "codes": codes,
    }


def _check(data: bytes, codes: dict[str, int]) -> bool:
    try:
        reply = json.loads(data)
    except ValueError:
        codes["not_json"] = codes.get("not_json", 0) + 1
        return False
    if reply.get("ok", True) is True:  # the no-op server's reply, or an ok envelope
        return True
    code = str(reply.get("error", {}).get("code"))
    codes[code] = codes.get(code, 0) + 1
    return False


async def closed(args: argparse.Namespace) -> dict[str, Any]:
    conns = [await nats.connect(args.url) for _ in range(CONNECTIONS)]
    run, counter = f"c{secrets.token_hex(4)}", iter(range(10**9))
    latencies: list[float] = []
    codes: dict[str, int] = {}
    ok = errors = 0
    deadline = time.monotonic() + args.warmup + args.seconds
    measuring_from = time.monotonic() + args.warmup

    async def client(i: int) -> None:
        nonlocal ok, errors
        nc = conns[i % CONNECTIONS]
        while (now := time.monotonic()) < deadline:
            try:
                reply = await nc.request(
                    args.subject,
                    intake_body(run, next(counter)),
                    timeout=args.timeout,
                    headers=_headers(args),
                )
                good = _check(reply.data, codes)
            except Exception as e:
                codes[type(e).__name__] = codes.get(type(e).__name__, 0) + 1
                good = False
            if now >= measuring_from:
                latencies.append(time.monotonic() - now)
                ok, errors = ok + good, errors + (not good)

    await asyncio.gather(*(client(i) for i in range(args.clients)))
    for nc in conns:
        await nc.close()
    return _summary(latencies, ok, errors, args.seconds, codes)


async def open_loop(args: argparse.Namespace) -> dict[str, Any]:
    conns = [await nats.connect(args.url) for _ in range(CONNECTIONS)]
    run = f"o{secrets.token_hex(4)}"
    latencies: list[float] = []
    codes: dict[str, int] = {}
    counts = {"ok": 0, "errors": 0}
    total = int(args.rate * (args.warmup + args.seconds))
    warm = int(args.rate * args.warmup)
    start = time.monotonic() + 0.2
    tasks = set()

    async def one(n: int, scheduled: float) -> None:
        try:
            reply = await conns[n % CONNECTIONS].request(
                args.subject, intake_body(run, n), timeout=args.timeout, headers=_headers(args)
            )
            good = _check(reply.data, codes)
        except Exception as e:
            codes[type(e).__name__] = codes.get(type(e).__name__, 0) + 1
            good = False
        if n >= warm:
            latencies.append(time.monotonic() - scheduled)
            counts["ok" if good else "errors"] += 1

    for n in range(total):
        scheduled = start + n / args.rate
        delay = scheduled - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(n, scheduled))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    achieved = (total - warm) / max(time.monotonic() - (start + args.warmup), 1e-9)
    for nc in conns:
        await nc.close()
    result = _summary(latencies, counts["ok"], counts["errors"], args.seconds, codes)
    result["offered"] = args.rate
    result["sent_rate"] = achieved
    return result


async def submit(args: argparse.Namespace) -> dict[str, Any]:
    nc = await nats.connect(args.url)
    js = nc.jetstream()
    run = f"s{secrets.token_hex(4)}"
    outcomes = {"ok": 0, "errors": 0}
    codes: dict[str, int] = {}
    done = asyncio.Event()
    last = [0.0]

    async def on_outcome(msg: Any) -> None:
        body = json.loads(msg.data)
        if not str(body.get("request_id", "")).startswith(run + "-"):
            return
        if body.get("ok"):
            outcomes["ok"] += 1
        else:
            outcomes["errors"] += 1
            code = str(body.get("error", {}).get("code"))
            codes[code] = codes.get(code, 0) + 1
        if outcomes["ok"] + outcomes["errors"] >= args.count:
            last[0] = time.monotonic()
            done.set()

    await nc.subscribe(f"{args.prefix}.notify.intake", cb=on_outcome)
    await nc.flush()
    started = time.monotonic()
    subject = f"{args.prefix}.intake.submit"
    window = asyncio.Semaphore(args.clients * 16)

    async def publish(n: int) -> None:
        async with window:
            headers = {"Nats-Msg-Id": f"{run}-{n}", **(_headers(args) or {})}
            await js.publish(subject, intake_body(run, n), headers=headers)

    await asyncio.gather(*(publish(n) for n in range(args.count)))
    published = time.monotonic() - started
    try:
        await asyncio.wait_for(done.wait(), timeout=args.timeout_all)
        seconds = last[0] - started
    except TimeoutError:
        seconds = time.monotonic() - started
    await nc.close()
    handled = outcomes["ok"] + outcomes["errors"]
    return {
        "count": args.count,
        "ok": outcomes["ok"],
        "errors": outcomes["errors"],
        "backlog": args.count - handled,
        "seconds": seconds,
        "publish_seconds": published,
        "rate": outcomes["ok"] / seconds if seconds else 0.0,
        "codes": codes,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["closed", "open", "submit"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--subject", default="callbacks.intake.request")
    parser.add_argument("--prefix", default="callbacks")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--timeout-all", type=float, default=120.0)
    parser.add_argument("--token", default="", help="sent as 'Authorization: Bearer <token>'")
    args = parser.parse_args()
    run = {"closed": closed, "open": open_loop, "submit": submit}[args.mode]
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
