"""`callbacks report` and `callbacks export`: read-only, filters checked like `query.list`."""

from __future__ import annotations

import csv
import json
import sys
from contextlib import suppress
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rich.table import Table

from adapters.entrypoints.list_options import OPTIONS, add_list_filters, given_filters
from adapters.entrypoints.options import (
    WHEN_HELP,
    checked,
    interruptible,
    output_path,
    snapshot_option,
    when,
)
from adapters.entrypoints.views_cli import catch_up_active, console, given_zone, read_side
from adapters.views.zones import different_zone

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from pathlib import Path

    from adapters.bootstrap import ReadSide
    from adapters.views.queries import ViewQueries

_OPTIONS = {**OPTIONS, "agent": "--agent", "route": "--route"}


def _queries(side: ReadSide, args: argparse.Namespace) -> tuple[ViewQueries, ZoneInfo]:
    """The views read (live, or the snapshot named) and the zone they were built in;
    a zone given apart from theirs is refused."""
    from adapters.views.queries import ViewQueries
    from adapters.views.schema import CALLBACK_LIST

    queries = (
        ViewQueries(side.store, snapshot=args.snapshot, phones=side.queries.phones)
        if args.snapshot
        else side.queries
    )
    built_in = queries.generation(CALLBACK_LIST).timezone
    given = given_zone(args)
    if given is not None and given != built_in:
        raise different_zone(built_in, given)
    return queries, ZoneInfo(built_in)


def cmd_report(args: argparse.Namespace) -> int:
    from adapters.messaging.messages.queries import TreatmentRateQuery

    with read_side(args, read_only=True, zone=False) as side:
        queries, zone = _queries(side, args)
        query = checked(
            TreatmentRateQuery,
            {
                "from": args.from_.date_in(zone).isoformat(),
                "to": args.to.date_in(zone).isoformat(),
                "by": args.by,
                "route": args.route,
                "agent": args.agent,
                "team": args.team,
                "phone": args.phone,
            },
            _OPTIONS,
        )
        if not args.snapshot:
            catch_up_active(side)
        rows = queries.treatment_rate(
            query.from_,
            query.to,
            by=query.by,
            route=query.route,
            agent=query.agent,
            team=query.team,
            phone=query.phone,
        )
    columns = ("assigned", "completed", "unprocessed", "failed", "released")
    total: dict[str, Any] = {"period": "total"}
    total |= {c: sum(getattr(r, c) for r in rows) for c in columns}
    total["rate"] = round(total["completed"] / total["assigned"], 4) if total["assigned"] else None
    found = [r.as_json() for r in rows]
    fmt = "json" if args.json else args.format
    if fmt == "json":
        document = {"by": query.by, "from": str(query.from_), "to": str(query.to)}
        document |= {"timezone": str(zone), "snapshot": args.snapshot}
        print(json.dumps({**document, "rows": found, "total": total}, ensure_ascii=False))
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(total))
        writer.writeheader()
        writer.writerows([*found, total])
    else:
        title = f"Treatment rate by {query.by}, {query.from_} to {query.to} ({zone})"
        if args.snapshot:
            title += f", snapshot {args.snapshot}"
        table = Table("period", *columns, "rate", title=title)
        for r in [*found, total]:
            table.add_row(
                r["period"],
                *(str(r[c]) for c in columns),
                "-" if r["rate"] is None else f"{r['rate']:.1%}",
                style="bold" if r is total else None,
            )
        console.print(table)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from adapters.export import export_csv, export_xlsx
    from adapters.messaging.messages.queries import ListQuery

    path = output_path(args.output)  # before any work
    with read_side(args, read_only=True, zone=False) as side:
        queries, zone = _queries(side, args)
        filters = checked(ListQuery, given_filters(args, zone), _OPTIONS).to_filters()
        if not args.snapshot:
            catch_up_active(side)
        rows = queries.iter_rows(filters)
        now = datetime.now(UTC)
        with interruptible("export", "nothing was written; run it again", _remover(path)):
            if args.format == "xlsx":
                with _binary(path) as out:
                    count = export_xlsx(rows, out, timezone=zone, now=now, language=args.lang)
            else:
                with _text(path) as out:
                    count = export_csv(rows, out, timezone=zone, now=now, language=args.lang)
    where = "standard output" if path is None else str(path)
    print(f"callbacks: {count:,} callbacks written to {where}", file=sys.stderr)
    return 0


def _remover(path: Path | None) -> Callable[[], None]:
    """What an interrupted export leaves: nothing (its partial file is removed)."""

    def remove() -> None:
        if path is not None:
            with suppress(OSError):
                path.unlink()

    return remove


def _binary(path: Any) -> Any:
    if path is None:
        return _Unclosed(sys.stdout.buffer)
    return path.open("wb")


def _text(path: Any) -> Any:
    if path is None:
        return _Unclosed(sys.stdout)
    return path.open("w", newline="", encoding="utf-8-sig")  # BOM: Excel reads UTF-8


class _Unclosed:
    """Standard output as a `with` target that is flushed, not closed."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def __enter__(self) -> Any:
        return self.stream

    def __exit__(self, *_: object) -> None:
        self.stream.flush()


def add_report_commands(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    report = sub.add_parser("report", help="reports from the views")
    rsub = report.add_subparsers(dest="report_command", required=True, metavar="REPORT")
    tr = rsub.add_parser(
        "treatment-rate", help="of callbacks first assigned per day/month, how many were treated"
    )
    tr.add_argument(
        "--by", choices=["day", "month"], default="day", help="one row per day or month"
    )
    tr.add_argument(
        "--from",
        dest="from_",
        type=when,
        required=True,
        metavar="WHEN",
        help=f"first day, included: {WHEN_HELP} (its day there)",
    )
    tr.add_argument(
        "--to",
        type=when,
        required=True,
        metavar="WHEN",
        help=f"last day, included: {WHEN_HELP} (its day there)",
    )
    tr.add_argument("--route", metavar="ROUTE", help="only this route")
    tr.add_argument("--agent", metavar="AGENT", help="only this agent")
    tr.add_argument("--team", metavar="TEAM", help="only callbacks routed to this team")
    tr.add_argument("--phone", metavar="PHONE", help="only this phone number, in any format")
    tr.add_argument(
        "--format",
        choices=["table", "csv", "json"],
        default="table",
        help="a table (default), CSV or JSON on standard output",
    )
    tr.add_argument("--json", action="store_true", help="the same as --format json")
    tr.add_argument(
        "--snapshot",
        type=snapshot_option,
        metavar="NAME",
        help="read a snapshot made by `projections rebuild --snapshot/--as-of`",
    )
    common(tr)
    tr.set_defaults(func=cmd_report)

    ex = sub.add_parser("export", help="the callback list to xlsx or csv")
    ex.add_argument("--format", choices=["xlsx", "csv"], required=True, help="the file's format")
    ex.add_argument(
        "--output",
        required=True,
        metavar="PATH",
        help="the file to write (its folder must exist), or - for standard output",
    )
    add_list_filters(ex)
    ex.add_argument(
        "--lang",
        choices=["en", "ko"],
        default="en",
        help="language of the header row and of coded values (state, status, reason ...)",
    )
    ex.add_argument(
        "--snapshot", type=snapshot_option, metavar="NAME", help="read this named snapshot"
    )
    common(ex)
    ex.set_defaults(func=cmd_export)
