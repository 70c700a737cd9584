"""The read side's commands: projections rebuild / status, report, export."""

from __future__ import annotations

import argparse
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from adapters.bootstrap import build_read_side, build_service
from adapters.export import export_csv, export_xlsx
from adapters.settings import Settings
from adapters.views.queries import ListFilters, ViewQueries
from adapters.views.rebuild import rebuild, snapshot, views_named

if TYPE_CHECKING:
    from collections.abc import Iterator

    from adapters.bootstrap import ReadSide

console = Console()


@contextmanager
def read_side(args: argparse.Namespace) -> Iterator[ReadSide]:
    settings = Settings.load(
        database_url=args.database_url,
        data_dir=args.data_dir,
        timezone=getattr(args, "timezone", None),
    )
    service = build_service(settings)
    side = build_read_side(settings, service)
    try:
        yield side
    finally:
        side.close()
        service.close()


def catch_up_active(side: ReadSide) -> None:
    """Brings the live views up to the head first (a running service may do it too)."""
    side.runner.catch_up(list(side.store.active().values()))


def _progress(side: ReadSide, start: int, until: int | None) -> Progress:
    head = side.runner.recorder.max_notification_id() or 0
    total = max(0, (until if until is not None else head) - start)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>10} events/s"),
        TimeRemainingColumn(),
        console=console,
    )
    progress.add_task("rebuilding", total=total, rate="-")
    return progress


def cmd_rebuild(args: argparse.Namespace) -> int:
    views = views_named(args.name)
    with read_side(args) as side:
        until: int | None = args.until_position
        as_of: str | None = None
        if args.as_of is not None:
            catch_up_active(side)
            until = side.queries.position_at(args.as_of)
            as_of = args.as_of.isoformat()
        progress = _progress(side, 0, until)
        task = progress.tasks[0].id
        started = datetime.now(UTC)

        def advance(n: int) -> None:
            done = progress.tasks[0].completed + n
            seconds = max((datetime.now(UTC) - started).total_seconds(), 1e-6)
            progress.update(task, completed=done, rate=f"{done / seconds:,.0f}")

        with progress:
            if until is None:
                made = rebuild(
                    side.store, side.runner, views, timezone=str(side.timezone), on_batch=advance
                )
            else:
                name = args.snapshot or (
                    f"asof_{args.as_of:%Y%m%d_%H%M%S}" if args.as_of else f"pos_{until}"
                )
                made = snapshot(
                    side.store,
                    side.runner,
                    views,
                    name=name,
                    until_position=until,
                    as_of=as_of,
                    timezone=str(side.timezone),
                    on_batch=advance,
                )
        for g in made:
            console.print(
                f"{g.view:<14} {g.kind:<8} {g.tag:<20} position {side.store.position(g):>10}"
                + (f"  (as of {as_of})" if as_of else "")
            )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    with read_side(args) as side:
        head = side.runner.recorder.max_notification_id() or 0
        table = Table(
            "view", "generation", "kind", "status", "position", "lag", "time zone", "as of / until"
        )
        for column in table.columns:
            column.no_wrap = True
        for g in side.store.generations():
            position = side.store.position(g)
            target = g.until_position if g.until_position is not None else head
            table.add_row(
                g.view,
                g.tag,
                g.kind,
                g.status,
                f"{position:,}",
                f"{max(0, target - position):,}",
                g.timezone,
                g.as_of or (str(g.until_position) if g.until_position else ""),
            )
        console.print(f"log head: {head:,}")
        console.print(table)
    return 0


def _queries(side: ReadSide, snapshot_name: str | None) -> ViewQueries:
    if snapshot_name:
        return ViewQueries(side.store, snapshot=snapshot_name)
    catch_up_active(side)
    return side.queries


def cmd_report(args: argparse.Namespace) -> int:
    with read_side(args) as side:
        queries = _queries(side, args.snapshot)
        rows = queries.treatment_rate(
            args.from_, args.to, by=args.by, route=args.route, agent=args.agent
        )
        built_in = queries.generation("callback_list").timezone
        if built_in != str(side.timezone):
            console.print(
                f"[yellow]note: these views cut days in {built_in}, not {side.timezone}; "
                "run `callbacks projections rebuild` with the new time zone to change that"
            )
        title = f"Treatment rate by {args.by}, {args.from_} to {args.to} ({built_in})"
        if args.snapshot:
            title += f", snapshot {args.snapshot}"
        table = Table("period", "assigned", "completed", "unprocessed", "rate", title=title)
        for r in rows:
            table.add_row(
                r.period,
                str(r.assigned),
                str(r.completed),
                str(r.unprocessed),
                "-" if r.rate is None else f"{r.rate:.1%}",
            )
        totals = [
            sum(getattr(r, f) for r in rows) for f in ("assigned", "completed", "unprocessed")
        ]
        table.add_row(
            "total",
            *map(str, totals),
            f"{totals[1] / totals[0]:.1%}" if totals[0] else "-",
            style="bold",
        )
        console.print(table)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    filters = ListFilters(
        from_=args.from_,
        to=args.to,
        route=args.route,
        status=args.status,
        state=args.state,
        phone=args.phone,
        agent=args.agent,
        agent_team=args.agent_team,
        assigner=args.assigner,
        assigner_team=args.assigner_team,
    )
    with read_side(args) as side:
        queries = _queries(side, args.snapshot)
        write = export_xlsx if args.format == "xlsx" else export_csv
        count = write(
            queries.iter_rows(filters),
            args.output,
            timezone=side.timezone,
            now=datetime.now(UTC),
            language=args.lang,
        )
    console.print(f"{count:,} callbacks written to {args.output}")
    return 0


def _aware(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.utcoffset() is None:
        msg = f"{text!r} has no UTC offset, e.g. 2026-11-01T00:00:00+09:00"
        raise argparse.ArgumentTypeError(msg)
    return value


def add_commands(sub: Any, common: Any) -> None:
    projections = sub.add_parser("projections", help="rebuild the views, or see where they stand")
    psub = projections.add_subparsers(dest="projections_command", required=True)
    rb = psub.add_parser(
        "rebuild", help="rebuild views from position 0 (blue/green), or a snapshot"
    )
    rb.add_argument(
        "name", nargs="?", help="callback-list, agent-counts, history or log-times (default: all)"
    )
    at = rb.add_mutually_exclusive_group()
    at.add_argument("--as-of", type=_aware, help="a snapshot of the log as it stood at this time")
    at.add_argument("--until-position", type=int, help="a snapshot of the log up to this position")
    rb.add_argument("--snapshot", help="the snapshot's name (default: from the time or position)")
    common(rb)
    rb.set_defaults(func=cmd_rebuild)
    st = psub.add_parser("status", help="each view's position and lag")
    common(st)
    st.set_defaults(func=cmd_status)

    report = sub.add_parser("report", help="reports")
    rsub = report.add_subparsers(dest="report_command", required=True)
    tr = rsub.add_parser(
        "treatment-rate", help="of callbacks first assigned per day/month, how many were treated"
    )
    tr.add_argument("--by", choices=["day", "month"], default="day")
    tr.add_argument("--from", dest="from_", type=date.fromisoformat, required=True)
    tr.add_argument("--to", type=date.fromisoformat, required=True)
    tr.add_argument("--route")
    tr.add_argument("--agent")
    tr.add_argument("--snapshot", help="read a snapshot made by `projections rebuild --as-of`")
    common(tr)
    tr.set_defaults(func=cmd_report)

    ex = sub.add_parser("export", help="the callback list to xlsx or csv")
    ex.add_argument("--format", choices=["xlsx", "csv"], required=True)
    ex.add_argument("--output", type=Path, required=True)
    ex.add_argument("--from", dest="from_", type=_aware)
    ex.add_argument("--to", type=_aware)
    for name in (
        "route",
        "status",
        "state",
        "phone",
        "agent",
        "agent-team",
        "assigner",
        "assigner-team",
    ):
        ex.add_argument(f"--{name}")
    ex.add_argument("--lang", choices=["en", "ko"], default="en", help="header row language")
    ex.add_argument("--snapshot")
    common(ex)
    ex.set_defaults(func=cmd_export)
