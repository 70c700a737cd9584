"""One command, every figure of issues 5 and 14 side by side: `python -m scripts.bench`.

Order: bulk-load a large seeded log, rebuild every view from position 0 (time and
memory), read + decode the same log raw, time list queries, export it (memory);
then, over a NATS server of its own: the no-op FastStream handlers (typed, as
FastStream documents one, and the raw message through dependency injection), the naive path,
and `callbacks serve` on the large data set. Prints a table, ratios and PASS/MISS.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.bench import datagen, sections, widen
from scripts.bench.common import (
    DEFAULT_PG,
    create_schema,
    drop_schema,
    new_schema_name,
    schema_url,
    timed,
)


@dataclass
class Bench:
    pg: str
    tmp: Path
    events: int
    seed: int
    seconds: float
    open_seconds: float
    naive_seconds: float
    warmup: float
    clients: int
    rate: float
    submit_count: int
    naive_threads: int
    query_repeats: int
    deep_rows: int
    profile_seconds: float
    profile_dir: Path
    prefix: str = field(default_factory=lambda: f"bench{secrets.token_hex(3)}")
    big_schema: str = field(default_factory=lambda: new_schema_name("data"))
    naive_schema: str = field(default_factory=lambda: new_schema_name("naive"))
    nats_url: str = ""
    loaded: Any = None

    def url(self, schema: str) -> str:
        return schema_url(self.pg, schema)


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m scripts.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--quick", action="store_true", help="a smoke test: small data, short runs (~1.5 min)"
    )
    p.add_argument(
        "--database-url", default=DEFAULT_PG, help="PostgreSQL to use (own schemas, dropped after)"
    )
    p.add_argument(
        "--events", type=int, help="size of the bulk-loaded log (default 1,000,000; quick 40,000)"
    )
    p.add_argument("--seed", type=int, default=5)
    p.add_argument(
        "--list-callbacks",
        type=int,
        help="callbacks in the list view for queries and export: the rebuilt view is widened to "
        "this many with time-shifted copies (default 1,000,000; quick 0: as loaded)",
    )
    p.add_argument(
        "--seconds", type=float, help="sustained load per measurement (default 20; quick 4)"
    )
    p.add_argument("--clients", type=int, default=64, help="concurrent clients (default 64)")
    p.add_argument(
        "--rate", type=float, default=1000.0, help="fixed offered load for latency (default 1000/s)"
    )
    p.add_argument(
        "--submit", type=int, help="intake.submit messages (default 20,000; quick 2,000)"
    )
    p.add_argument(
        "--profile",
        type=float,
        default=0.0,
        help="seconds of py-spy profile of the service (0: none)",
    )
    p.add_argument("--profile-dir", type=Path, default=Path("bench-profiles"))
    p.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    p.add_argument(
        "--keep", action="store_true", help="keep the PostgreSQL schemas (for inspection)"
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    quick = args.quick
    tmp = Path(tempfile.mkdtemp(prefix="callbacks-bench-"))
    bench = Bench(
        pg=args.database_url,
        tmp=tmp,
        events=args.events or (40_000 if quick else 1_000_000),
        seed=args.seed,
        seconds=args.seconds or (4.0 if quick else 20.0),
        open_seconds=3.0 if quick else 10.0,
        naive_seconds=3.0 if quick else 10.0,
        warmup=1.0 if quick else 2.0,
        clients=args.clients,
        rate=args.rate,
        submit_count=args.submit or (2_000 if quick else 20_000),
        naive_threads=8,
        query_repeats=5 if quick else 20,
        deep_rows=100_000,
        profile_seconds=args.profile,
        profile_dir=args.profile_dir,
    )
    from adapters.messaging.nats_server import EmbeddedNatsServer

    results: dict[str, Any] = {
        "config": {
            "events": bench.events,
            "seed": bench.seed,
            "seconds": bench.seconds,
            "clients": bench.clients,
            "rate": bench.rate,
            "quick": quick,
        }
    }
    started = time.monotonic()
    nats = EmbeddedNatsServer(tmp / "nats", port=0)
    try:
        create_schema(bench.pg, bench.big_schema)
        create_schema(bench.pg, bench.naive_schema)
        with timed(f"bulk load of ~{bench.events:,} events into {bench.big_schema}"):
            bench.loaded = datagen.load(
                bench.url(bench.big_schema), events=bench.events, seed=bench.seed
            )
        loaded = bench.loaded
        results["data"] = {
            "events": loaded.events,
            "callbacks": loaded.callbacks,
            "seconds": loaded.seconds,
            "rate": loaded.events / loaded.seconds,
        }
        with timed("projections rebuild (all views, from position 0)"):
            results["rebuild"] = sections.rebuild(bench, loaded.head)
        with timed("raw read + decode of the same log"):
            results["raw"] = sections.raw_read(bench)
        nats.start()
        bench.nats_url = nats.url
        with timed("transport limit: no-op FastStream handler"):
            results["transport"] = sections.transport(bench)
        with timed("naive path: one transaction per command"):
            results["naive"] = sections.naive(bench)
        with timed("the service: callbacks serve on the large data set"):
            sections.seed_relay(bench, loaded.head)
            results["service"] = sections.service(bench)
        with timed("the service in two processes (CALLBACKS_ROLE commands + followers)"):
            results["split"] = sections.service(bench, split=True)
        target = (
            args.list_callbacks if args.list_callbacks is not None else (0 if quick else 1_000_000)
        )
        if target:
            with timed(f"widening the callback list to {target:,} callbacks"):
                results["widen"] = widen.widen(
                    bench.url(bench.big_schema),
                    first_at=loaded.first_at,
                    last_at=loaded.last_at,
                    target=target,
                )
        with timed("list queries"):
            results["queries"] = sections.queries(bench)
        with timed("export (csv) of every callback"):
            results["export"] = sections.export(bench)
    finally:
        nats.stop()
        if not args.keep:
            for schema in (bench.big_schema, bench.naive_schema):
                drop_schema(bench.pg, schema)
        shutil.rmtree(tmp, ignore_errors=True)
    results["total_seconds"] = time.monotonic() - started
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


def _mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _rows(r: dict[str, Any]) -> tuple[list[tuple[str, str, str]], float]:
    """The report's table (measurement, value, notes), and the worst list p95 in ms."""
    tr, nv, sv = r["transport"], r["naive"], r["service"]
    rb, raw, ex, qs = r["rebuild"], r["raw"], r["export"], r["queries"]
    rows: list[tuple[str, str, str]] = []

    def add(what: str, value: str, note: str = "") -> None:
        rows.append((what, value, note))

    d = r["data"]
    add(
        "data: bulk load",
        f"{d['events']:,} events",
        f"{d['callbacks']:,} callbacks, {d['rate']:,.0f} events/s",
    )
    add(
        "transport: typed no-op FastStream",
        f"{tr['sustained']['rate']:,.0f} req/s",
        f"{r['config']['clients']} clients, p50 {tr['sustained']['p50_ms']:.1f} ms, "
        f"p99 {tr['sustained']['p99_ms']:.1f} ms, errors {tr['sustained']['errors']}",
    )
    add(
        "transport: typed no-op at 1,000/s",
        f"p50 {tr['fixed']['p50_ms']:.1f} ms, p99 {tr['fixed']['p99_ms']:.1f} ms",
        f"errors {tr['fixed']['errors']}",
    )
    if "raw" in tr:
        add(
            "transport: raw-message no-op (DI)",
            f"{tr['raw']['sustained']['rate']:,.0f} req/s",
            f"NatsMessage through dependency injection; at 1,000/s p99 "
            f"{tr['raw']['fixed']['p99_ms']:.1f} ms",
        )
    add(
        "naive: one transaction per command",
        f"{nv['rate']:,.0f} req/s",
        f"{nv['threads']} threads, p50 {nv['p50_ms']:.1f} ms, p99 {nv['p99_ms']:.1f} ms, "
        f"errors {nv['errors']}",
    )
    s, f, sub = sv["sustained"], sv["fixed"], sv["submit"]
    add(
        "service: intake.request, sustained",
        f"{s['rate']:,.0f} req/s",
        f"{r['config']['clients']} clients, p50 {s['p50_ms']:.1f} ms, "
        f"p99 {s['p99_ms']:.1f} ms, errors {s['errors']}",
    )
    add(
        "service: intake.request at 1,000/s",
        f"p50 {f['p50_ms']:.1f} ms, p99 {f['p99_ms']:.1f} ms",
        f"sent {f['sent_rate']:,.0f}/s, errors {f['errors']}",
    )
    add(
        "service: intake.submit (JetStream)",
        f"{sub['rate']:,.0f} req/s",
        f"{sub['count']:,} sent; all committed in {sub['seconds']:.1f} s, errors {sub['errors']}"
        if not sub["backlog"]
        else f"{sub['count']:,} sent; {sub['backlog']:,} still queued after "
        f"{sub['seconds']:.0f} s, errors {sub['errors']}",
    )
    add(
        "service: resident memory",
        f"peak {sv['peak_mb']:.0f} MB",
        f"idle {sv['idle_mb']:.0f} MB after start",
    )
    if "split" in r:
        sp = r["split"]
        s2, f2, sub2 = sp["sustained"], sp["fixed"], sp["submit"]
        add(
            "two processes: intake.request, sustained",
            f"{s2['rate']:,.0f} req/s",
            f"{r['config']['clients']} clients, p50 {s2['p50_ms']:.1f} ms, "
            f"p99 {s2['p99_ms']:.1f} ms, errors {s2['errors']}",
        )
        add(
            "two processes: intake.request at 1,000/s",
            f"p50 {f2['p50_ms']:.1f} ms, p99 {f2['p99_ms']:.1f} ms",
            f"sent {f2['sent_rate']:,.0f}/s, errors {f2['errors']}",
        )
        add(
            "two processes: intake.submit",
            f"{sub2['rate']:,.0f} req/s",
            f"{sub2['count']:,} sent, backlog {sub2['backlog']:,}, errors {sub2['errors']}",
        )
        add(
            "two processes: resident memory",
            f"peak {sp['peak_mb']:.0f} MB (commands)",
            f"followers {sp['followers_mb']:.0f} MB at the end",
        )
    add(
        "rebuild: all views from 0 (CLI)",
        f"{rb['rate']:,.0f} events/s",
        f"{rb['events']:,} events in {rb['seconds']:.1f} s",
    )
    add(
        "raw: read + decode same log",
        f"{raw['rate']:,.0f} events/s",
        f"read only: {raw['read_rate']:,.0f} events/s",
    )
    add(
        "rebuild: memory growth",
        f"{rb['growth_mb']:.1f} MB",
        f"{rb['before_mb']:.0f} -> {rb['peak_mb']:.0f} MB",
    )
    if "widen" in r:
        w = r["widen"]
        add(
            "data: list view widened",
            f"{w['after']:,} callbacks",
            f"{w['before']:,} projected + {w['copies']} copies of the completed, "
            f"{w['span_days']}-day shifts; {w['seconds']:.0f} s",
        )
    add(
        "export: csv, every callback",
        f"{ex['rate']:,.0f} rows/s",
        f"{ex['rows']:,} rows in {ex['seconds']:.1f} s",
    )
    add(
        "export: memory growth",
        f"{ex['growth_mb']:.1f} MB",
        f"{ex['before_mb']:.0f} -> {ex['peak_mb']:.0f} MB",
    )
    worst = 0.0
    for name, c in qs["cases"].items():
        first = c["first"]
        text = f"first p50 {first['p50_ms']:.1f} / p95 {first['p95_ms']:.1f} ms"
        note = f"total {c['total']:,}"
        worst = max(worst, first["p95_ms"])
        if "deep" in c:
            text += f"; deep p50 {c['deep']['p50_ms']:.1f} / p95 {c['deep']['p95_ms']:.1f} ms"
            note += f", deep page at row {c['depth']:,}"
            worst = max(worst, c["deep"]["p95_ms"])
        add(f"query.list: {name}", text, note)
    return rows, worst


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def _intake_targets(
    name: str, found: dict[str, Any], tr: dict[str, Any], nv: dict[str, Any]
) -> list[tuple[str, str, bool]]:
    """The intake targets of issue 14 for one way of running the service."""
    s, f, sub = found["sustained"], found["fixed"], found["submit"]
    bare, naive = _ratio(s["rate"], tr["sustained"]["rate"]), _ratio(s["rate"], nv["rate"])
    errors = s["errors"] + f["errors"] + sub["errors"]
    return [
        (f"{name}: intake.request >= 2,000 req/s", f"{s['rate']:,.0f}", s["rate"] >= 2000),
        (f"{name}: intake >= 0.2 x typed no-op", f"{bare:.2f}", bare >= 0.2),
        (f"{name}: intake >= 4 x naive", f"{naive:.2f}", naive >= 4),
        (f"{name}: p99 <= 50 ms at 1,000/s", f"{f['p99_ms']:.1f} ms", f["p99_ms"] <= 50),
        (f"{name}: intake.submit >= 3,000 req/s", f"{sub['rate']:,.0f}", sub["rate"] >= 3000),
        (f"{name}: intake errors = 0", f"{errors}", errors == 0),
    ]


def report(r: dict[str, Any]) -> None:
    tr, nv, sv = r["transport"], r["naive"], r["service"]
    rb, raw, ex, qs = r["rebuild"], r["raw"], r["export"], r["queries"]
    d = r["data"]
    rows, worst = _rows(r)
    width = max(len(w) for w, _, _ in rows)
    vw = max(len(v) for _, v, _ in rows)
    print(
        f"\nCallback service benchmark: {d['events']:,} events, "
        f"{qs['callbacks']:,} callbacks in the list view, {r['total_seconds']:.0f} s in all\n"
    )
    print(f"{'measurement':<{width}}  {'value':<{vw}}  notes")
    print("-" * (width + vw + 40))
    for w, v, n in rows:
        print(f"{w:<{width}}  {v:<{vw}}  {n}")

    ratio_raw = rb["rate"] / raw["rate"] if raw["rate"] else 0.0
    services = [("one process", sv)] + ([("two processes", r["split"])] if "split" in r else [])
    print("\nRatios")
    for name, found in services:
        rate, submit = found["sustained"]["rate"], found["submit"]["rate"]
        bare = _ratio(rate, tr["sustained"]["rate"])
        print(f"  {name + ': service / typed no-op':<44}{bare:6.2f}")
        print(f"  {name + ': service / naive':<44}{_ratio(rate, nv['rate']):6.2f}")
        print(f"  {name + ': submit / naive':<44}{_ratio(submit, nv['rate']):6.2f}")
    print(f"  {'rebuild / raw read + decode':<44}{ratio_raw:6.2f}")

    targets = [t for name, found in services for t in _intake_targets(name, found, tr, nv)]
    targets += [
        ("rebuild >= 30,000 events/s", f"{rb['rate']:,.0f}", rb["rate"] >= 30_000),
        ("rebuild >= 0.5 x raw read + decode", f"{ratio_raw:.2f}", ratio_raw >= 0.5),
        ("list p95 <= 20 ms (worst filter/page)", f"{worst:.1f} ms", worst <= 20),
        ("export memory growth <= 50 MB", f"{ex['growth_mb']:.1f} MB", ex["growth_mb"] <= 50),
        ("rebuild memory growth <= 50 MB", f"{rb['growth_mb']:.1f} MB", rb["growth_mb"] <= 50),
    ]
    targets += [
        (f"{name}: RSS <= 250 MB", f"{found['peak_mb']:.0f} MB", found["peak_mb"] <= 250)
        for name, found in services
    ]
    best = max(found["sustained"]["rate"] for _, found in services)
    stretch = [
        ("intake.request >= 4,000 req/s (best)", f"{best:,.0f}", best >= 4000),
        ("rebuild >= 50,000 events/s", f"{rb['rate']:,.0f}", rb["rate"] >= 50_000),
    ]
    print("\nTargets (issue 14)")
    for what, value, ok in targets:
        print(f"  {_mark(ok)}  {what:<46} {value}")
    print("Stretch, for the record")
    for what, value, ok in stretch:
        print(f"  {_mark(ok)}  {what:<46} {value}")
    if r["config"]["quick"] or d["events"] < 1_000_000:
        print(
            f"\n  note: {d['events']:,} events / {qs['callbacks']:,} callbacks; "
            "the targets are set at 1M"
        )
    r["targets"] = [{"target": w, "value": v, "pass": ok} for w, v, ok in targets]
