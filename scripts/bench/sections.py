"""The measurements, one function each; every one returns a dict of figures."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from scripts.bench.common import (
    ROOT,
    RssSampler,
    child_env,
    log,
    percentile,
    rss_mb,
    run_json,
    summarize_profile,
)

if TYPE_CHECKING:
    from scripts.bench.run import Bench

ZONE = "Asia/Seoul"
CLI = [sys.executable, "-m", "adapters.entrypoints.cli"]
SERVE = ["-m", "adapters.entrypoints.cli", "serve"]  # run with sys.executable


def _loadgen(bench: Bench, mode: str, **opts: Any) -> dict[str, Any]:
    args = ["-m", "scripts.bench.loadgen", mode, "--url", bench.nats_url]
    for k, v in opts.items():
        args += [f"--{k.replace('_', '-')}", str(v)]
    return run_json(args, timeout=600)


# Transport ------------------------------------------------------------------------


def transport(bench: Bench) -> dict[str, Any]:
    """Both no-op servers under the service's load: typed as FastStream's documentation
    writes a handler (the baseline), and the raw message through dependency injection."""
    return {
        "sustained": (typed := _noop(bench, "scripts.bench.noop_typed"))["sustained"],
        "fixed": typed["fixed"],
        "raw": _noop(bench, "scripts.bench.noop_server"),
    }


def _noop(bench: Bench, module: str) -> dict[str, Any]:
    subject = "benchnoop.intake.request"
    proc = subprocess.Popen(
        [sys.executable, "-m", module, bench.nats_url, subject],
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        # FastStream's default logging writes to stdout before the server's "ready".
        # Its per-message log lines are read and dropped, as a terminal would show them.
        if not any(line.strip() == "ready" for line in iter(proc.stdout.readline, "")):
            msg = f"the no-op FastStream server {module} did not start"
            raise RuntimeError(msg)
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        sustained = _loadgen(
            bench,
            "closed",
            subject=subject,
            clients=bench.clients,
            seconds=bench.seconds,
            warmup=bench.warmup,
        )
        fixed = _loadgen(
            bench,
            "open",
            subject=subject,
            rate=bench.rate,
            seconds=bench.open_seconds,
            warmup=bench.warmup,
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    return {"sustained": sustained, "fixed": fixed}


# Naive path ------------------------------------------------------------------------


def naive(bench: Bench) -> dict[str, Any]:
    """One command, one transaction: CallbackService.execute_batch([command]) per request."""
    from datetime import UTC, datetime

    from adapters.bootstrap import build_service
    from adapters.settings import Settings
    from callback_domain import commands as c
    from callback_domain.values import Caller, Role

    service = build_service(Settings.load(database_url=bench.url(bench.naive_schema)))
    ivr = Caller(actor="ivr-1", role=Role.IVR, channel="bench")
    counter = iter(range(10**9))
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"ok": 0, "errors": 0}
    start = time.monotonic()
    measure_from, deadline = start + bench.warmup, start + bench.warmup + bench.naive_seconds

    def worker() -> None:
        while (now := time.monotonic()) < deadline:
            with lock:
                n = next(counter)
            cmd = c.RequestCallback(
                caller=ivr,
                at=datetime.now(UTC),
                request_id=f"naive-{n}",
                phone=f"+8271{n:09d}",
                route=f"route-{n % 7}",
            )
            outcome = service.execute_batch([cmd])[0]
            if now >= measure_from:
                with lock:
                    latencies.append(time.monotonic() - now)
                    counts["ok" if outcome.ok else "errors"] += 1

    threads = [threading.Thread(target=worker) for _ in range(bench.naive_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    service.close()
    return {
        "rate": counts["ok"] / bench.naive_seconds,
        "ok": counts["ok"],
        "errors": counts["errors"],
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "threads": bench.naive_threads,
        "transactions": service.stats.transactions,
    }


# The service --------------------------------------------------------------------------


async def _seed_relay(bench: Bench, head: int) -> None:
    """Tells the relay the log up to `head` was published already (the bulk load
    bypassed it): one marker message on the events stream, and the notifications'
    tracking position. Otherwise the relay would first publish the whole log."""
    import nats
    from eventsourcing.persistence import Tracking
    from eventsourcing.postgres import PostgresTrackingRecorder

    from adapters.database import Database
    from adapters.messaging.event_relay import NOTIFY_KEY
    from adapters.messaging.streams import ensure_streams
    from adapters.read_store import open_read_factory, tracking_recorder

    nc = await nats.connect(bench.nats_url)
    js = nc.jetstream()
    await ensure_streams(js, bench.prefix)
    await js.publish(f"{bench.prefix}.events.bench.Seeded", json.dumps({"position": head}).encode())
    await nc.close()
    tracking = tracking_recorder(
        open_read_factory(Database.parse(bench.url(bench.big_schema))), PostgresTrackingRecorder
    )
    tracking.insert_tracking(Tracking(NOTIFY_KEY, head))
    tracking.datastore.close()


class _Service:
    def __init__(self, bench: Bench, role: str = "all") -> None:
        self.env = env = child_env(
            CALLBACKS_ROLE=role,
            CALLBACKS_HTTP_PORT="0",  # not measured; a taken 8080 must not stop the run
            CALLBACKS_DATABASE_URL=bench.url(bench.big_schema),
            CALLBACKS_NATS_URL=bench.nats_url,
            CALLBACKS_PREFIX=bench.prefix,
            CALLBACKS_DATA_DIR=str(bench.tmp / "service"),
            CALLBACKS_TIMEZONE=ZONE,
            CALLBACKS_LOG_LEVEL="WARNING",
        )
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, *SERVE],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.ready = threading.Event()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())
            if "ready;" in line:
                self.ready.set()

    def ivr_token(self) -> str:
        """A token for the IVR, issued as an operator issues one (`callbacks token issue`)."""
        issued = subprocess.run(
            [*CLI, "token", "issue", "--actor", "ivr-bench", "--role", "IVR"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return issued.stdout.strip()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def _started(svc: _Service) -> _Service:
    if not svc.ready.wait(60):
        msg = "callbacks serve did not become ready:\n" + "\n".join(svc.lines[-30:])
        raise RuntimeError(msg)
    return svc


def seed_relay(bench: Bench, head: int) -> None:
    asyncio.run(_seed_relay(bench, head))


def service(bench: Bench, *, split: bool = False) -> dict[str, Any]:
    """`callbacks serve` under the load: one process, or (`split`) a followers' process
    and a commands' process (CALLBACKS_ROLE), the load and the memory on the latter."""
    followers = _started(_Service(bench, "followers")) if split else None
    svc = _Service(bench, "commands" if split else "all")
    try:
        _started(svc)
        idle_mb = rss_mb(svc.proc.pid)
        subject = f"{bench.prefix}.intake.request"
        token = svc.ivr_token()
        with RssSampler(svc.proc.pid) as sampler:
            log("service: sustained intake.request")
            sustained = _loadgen(
                bench,
                "closed",
                subject=subject,
                clients=bench.clients,
                seconds=bench.seconds,
                warmup=bench.warmup,
                token=token,
            )
            log("service: fixed 1,000/s intake.request")
            fixed = _loadgen(
                bench,
                "open",
                subject=subject,
                rate=bench.rate,
                seconds=bench.open_seconds,
                warmup=bench.warmup,
                token=token,
            )
            log("service: intake.submit")
            # About `seconds / 2` of work at the measured request rate, within bounds, so a
            # slow service does not make the run overrun; what is left after the wait is
            # reported as backlog, not as errors.
            count = max(1000, min(bench.submit_count, int(sustained["rate"] * bench.seconds / 2)))
            submitted = _loadgen(
                bench,
                "submit",
                prefix=bench.prefix,
                count=count,
                clients=bench.clients,
                timeout_all=max(30.0, bench.seconds * 3),
                token=token,
            )
            peak = sampler.peak
        if bench.profile_seconds:
            log("service: py-spy profile under load")
            _profile(bench, svc.proc.pid, subject, token, "split" if split else "one")
        followers_mb = rss_mb(followers.proc.pid) if followers is not None else None
    finally:
        svc.stop()
        if followers is not None:
            followers.stop()
    return {
        "followers_mb": followers_mb,
        "sustained": sustained,
        "fixed": fixed,
        "submit": submitted,
        "idle_mb": idle_mb,
        "peak_mb": peak,
        "exit": svc.proc.returncode,
        "output": svc.lines[-5:],
    }


def _profile(bench: Bench, pid: int, subject: str, token: str, name: str) -> None:
    """A py-spy flame graph of the service under the sustained load (docs/performance.md)."""
    spy = Path(sys.executable).with_name("py-spy")
    out = bench.profile_dir / f"service-intake-{name}.raw"
    bench.profile_dir.mkdir(parents=True, exist_ok=True)
    load = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scripts.bench.loadgen",
            "closed",
            "--url",
            bench.nats_url,
            "--subject",
            subject,
            "--clients",
            str(bench.clients),
            "--seconds",
            str(bench.profile_seconds + 2),
            "--warmup",
            "1",
            "--token",
            token,
        ],
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.DEVNULL,
    )
    time.sleep(1.5)
    subprocess.run(
        [
            str(spy),
            "record",
            "-p",
            str(pid),
            "-d",
            str(max(1, round(bench.profile_seconds))),
            "-r",
            "50",
            "-f",
            "raw",
            "-o",
            str(out),
            "--nonblocking",
            "--gil",
        ],
        capture_output=True,
        check=False,
        timeout=120,
    )
    load.wait(120)
    _summary(out)


def _summary(raw: Path) -> None:
    if raw.exists():
        text = raw.with_suffix(".txt")
        text.write_text(summarize_profile(raw))
        log(
            f"profile: {raw} (collapsed stacks; flamegraph.pl or speedscope read it), "
            f"summary {text}"
        )


# Rebuild, raw read, export -------------------------------------------------------------


def _cli_memrun(bench: Bench, *command: str) -> dict[str, Any]:
    args = ["-m", "scripts.bench.memrun", bench.url(bench.big_schema), "--", *command]
    if bench.profile_seconds:  # the whole command under py-spy (slower: use for the profile only)
        bench.profile_dir.mkdir(parents=True, exist_ok=True)
        out = (
            bench.profile_dir / f"{command[-1] if command[0] == 'projections' else command[0]}.raw"
        )
        spy = Path(sys.executable).with_name("py-spy")
        args = [
            str(spy),
            "record",
            "--gil",
            "-r",
            "50",
            "-f",
            "raw",
            "-o",
            str(out),
            "--",
            sys.executable,
            *args,
        ]
        found = _run_json_exe(args, env=child_env(CALLBACKS_TIMEZONE=ZONE))
        _summary(out)
        return found
    return run_json(args, timeout=900, env=child_env(CALLBACKS_TIMEZONE=ZONE))


def _run_json_exe(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=1800, check=False, cwd=ROOT, env=env
    )
    if done.returncode != 0:
        msg = f"{' '.join(args[:4])} failed ({done.returncode}):\n{done.stderr[-3000:]}"
        raise RuntimeError(msg)
    lines = [line for line in done.stdout.strip().splitlines() if line.startswith("{")]
    return json.loads(lines[-1])  # type: ignore[no-any-return]


def rebuild(bench: Bench, head: int) -> dict[str, Any]:
    found = _cli_memrun(bench, "projections", "rebuild")
    if found["code"] != 0:
        msg = f"projections rebuild exited {found['code']}"
        raise RuntimeError(msg)
    found["events"] = head
    found["rate"] = head / found["seconds"]
    return found


def raw_read(bench: Bench, batch: int = 1000) -> dict[str, Any]:
    """The same log as the runner reads it (select_notifications in batches), decoded."""
    from adapters.bootstrap import build_service
    from adapters.settings import Settings

    service = build_service(Settings.load(database_url=bench.url(bench.big_schema)))
    recorder, mapper = service.recorder, service.mapper
    started, position, count = time.monotonic(), 0, 0
    read_seconds = 0.0
    while True:
        t = time.monotonic()
        notifications = recorder.select_notifications(
            start=position + 1, limit=batch, inclusive_of_start=True
        )
        read_seconds += time.monotonic() - t
        if not notifications:
            break
        for n in notifications:
            mapper.to_domain_event(n)
        count += len(notifications)
        position = notifications[-1].id
    seconds = time.monotonic() - started
    service.close()
    return {
        "events": count,
        "seconds": seconds,
        "rate": count / seconds,
        "read_rate": count / read_seconds,
    }


def export(bench: Bench) -> dict[str, Any]:
    out = bench.tmp / "export.csv"
    found = _cli_memrun(bench, "export", "--format", "csv", "--output", str(out))
    found["rows"] = max(0, sum(1 for _ in out.open(encoding="utf-8-sig")) - 1)
    found["rate"] = found["rows"] / found["seconds"]
    out.unlink()
    return found


# Queries -----------------------------------------------------------------------------------


def queries(bench: Bench) -> dict[str, Any]:
    from datetime import timedelta

    from adapters.bootstrap import build_read_side, build_service
    from adapters.settings import Settings
    from adapters.views.queries import ListFilters, encode_cursor
    from adapters.views.schema import CALLBACK_LIST

    settings = Settings.load(database_url=bench.url(bench.big_schema), timezone=ZONE)
    service = build_service(settings)
    side = build_read_side(settings, service)
    q, store = side.queries, side.store
    total_rows = q.summary(ListFilters())["total"]
    middle = bench.loaded.first_at + (bench.loaded.last_at - bench.loaded.first_at) / 2
    cases = {
        "none": ListFilters(),
        "period (1 day)": ListFilters(from_=middle, to=middle + timedelta(days=1)),
        "route": ListFilters(route="route-3"),
        "status": ListFilters(status="COMPLETED"),
        "state": ListFilters(state="COMPLETED"),
        "phone": ListFilters(phone="+8210" + f"{bench.loaded.callbacks // 2:08d}"),
        "agent": ListFilters(agent="agent-07"),
        "agent_team": ListFilters(agent_team="team-2"),
        "assigner": ListFilters(assigner="sv-1"),
        "assigner_team": ListFilters(assigner_team="floor-1"),
    }
    results: dict[str, Any] = {}
    for name, filters in cases.items():
        first = q.list_page(filters, page_size=50)
        depth = min(bench.deep_rows, first.total - 50)
        cursor = None
        if depth > 0:
            params: dict[str, Any] = {"k": depth - 1}
            where = q._where(filters, params)
            table = store.table(CALLBACK_LIST, q.generation(CALLBACK_LIST).tag)
            with store.tx(commit=False) as cur:
                (r,) = store.run(
                    cur,
                    f"SELECT requested_at, callback_id FROM {table} WHERE {where} "
                    "ORDER BY requested_at DESC, callback_id DESC OFFSET :k LIMIT 1",
                    params,
                )
            cursor = encode_cursor(
                SimpleNamespace(  # type: ignore[arg-type]
                    requested_at=store.dialect.from_db(r["requested_at"], "ts"),
                    callback_id=store.dialect.from_db(r["callback_id"], "uuid"),
                )
            )
        row: dict[str, Any] = {"total": first.total, "depth": depth if cursor else None}
        for label, page_cursor in (("first", None), ("deep", cursor)):
            if label == "deep" and page_cursor is None:
                continue
            times = []
            for i in range(bench.query_repeats + 2):
                t = time.perf_counter()
                page = q.list_page(filters, page_size=50, cursor=page_cursor)
                if i >= 2:  # two warm-ups
                    times.append(time.perf_counter() - t)
            row[label] = {
                "p50_ms": percentile(times, 50) * 1000,
                "p95_ms": percentile(times, 95) * 1000,
                "items": len(page.items),
            }
        results[name] = row
    side.close()
    service.close()
    return {"callbacks": total_rows, "cases": results}


def _pid_rss() -> float:
    return rss_mb(os.getpid())
