"""The views' commands: projections rebuild / status / drop (report and export: reports_cli)."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from adapters.entrypoints.options import WHEN_HELP, interruptible, snapshot_option, when
from adapters.settings import Settings
from adapters.views.rebuild import drop_snapshot, rebuild, snapshot, views_named
from adapters.views.zones import different_zone

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Iterator

    from adapters.bootstrap import ReadSide

console = Console()
err_console = Console(stderr=True)


@contextmanager
def read_side(
    args: argparse.Namespace, *, read_only: bool, zone: bool = True
) -> Iterator[ReadSide]:
    """The views of the settings' store. `read_only`: the store and its views must
    exist (nothing is created); `zone=False`: a zone given apart from the views' is
    for the command to judge (a rebuild, a snapshot's reader)."""
    from adapters.bootstrap import build_read_side, build_service
    from adapters.database import Database, check_connection, require_existing
    from adapters.read_store import require_views

    settings = Settings.load(
        database_url=args.database_url, data_dir=args.data_dir, timezone=args.timezone
    )
    db = Database.parse(settings.resolved_database_url())
    if read_only:
        require_existing(db, settings.database_setting())
        require_views(db, settings.database_setting())
    else:
        check_connection(db)
    service = build_service(settings)
    try:
        side = build_read_side(settings, service, read_only=read_only, zone=zone)
    except BaseException:
        service.close()
        raise
    try:
        yield side
    finally:
        side.close()
        service.close()


def given_zone(args: argparse.Namespace) -> str | None:
    return Settings.load(timezone=args.timezone).given_timezone()


def catch_up_active(side: ReadSide) -> None:
    """Brings the live views up to the head first (a running service may do it too)."""
    side.runner.catch_up(list(side.store.active().values()))


def _progress(side: ReadSide, until: int | None) -> tuple[Progress, Callable[[int], None]]:
    head = side.runner.recorder.max_notification_id() or 0
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>10} events/s"),
        TimeRemainingColumn(),
        console=err_console,
    )
    task = progress.add_task("rebuilding", total=until if until is not None else head, rate="-")
    started = datetime.now(UTC)

    def advance(n: int) -> None:
        done = progress.tasks[0].completed + n
        seconds = max((datetime.now(UTC) - started).total_seconds(), 1e-6)
        progress.update(task, completed=done, rate=f"{done / seconds:,.0f}")

    return progress, advance


def cmd_rebuild(args: argparse.Namespace) -> int:
    views = views_named(args.name)  # every option is checked before any work starts
    given = given_zone(args)
    named = args.snapshot is not None or args.as_of is not None or args.until_position is not None
    with read_side(args, read_only=False, zone=False) as side:
        live = str(side.timezone)
        if given is not None and given != live and not named and not args.change_timezone:
            raise different_zone(live, given)
        zone = given or live
        until: int | None = args.until_position
        as_of, name = None, args.snapshot or (f"pos_{until}" if until is not None else None)
        if args.as_of is not None:
            catch_up_active(side)
            moment = args.as_of.at(ZoneInfo(zone))
            until, as_of = side.queries.position_at(moment), moment.isoformat()
            name = args.snapshot or f"asof_{moment:%Y%m%d_%H%M%S}"
        elif named and until is None:
            until = side.runner.recorder.max_notification_id() or 0
        progress, advance = _progress(side, until)
        resume = (
            "run it again to build the snapshot afresh"
            if named
            else "the live views are untouched; run it again to resume where it stopped"
        )
        with interruptible("projections rebuild", resume), progress:
            if until is None or name is None:
                made = rebuild(side.store, side.runner, views, timezone=zone, on_batch=advance)
            else:
                made = snapshot(
                    side.store,
                    side.runner,
                    views,
                    name=name,
                    until_position=until,
                    as_of=as_of,
                    timezone=zone,
                    on_batch=advance,
                )
        for g in made:
            console.print(
                f"{g.view:<14} {g.kind:<8} {g.tag:<20} position {side.store.position(g):>10}"
                f"  {g.timezone}" + (f"  (as of {as_of})" if as_of else "")
            )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    with read_side(args, read_only=True, zone=False) as side:
        head = side.runner.recorder.max_notification_id() or 0
        found: list[dict[str, Any]] = []
        for g in side.store.generations():
            position = side.store.position(g)
            target = g.until_position if g.until_position is not None else head
            found.append(
                {
                    "view": g.view,
                    "generation": g.tag,
                    "kind": g.kind,
                    "status": g.status,
                    "position": position,
                    "lag": max(0, target - position),
                    "timezone": g.timezone,
                    "as_of": g.as_of,
                    "until_position": g.until_position,
                }
            )
    if args.json:
        print(json.dumps({"head": head, "generations": found}, ensure_ascii=False))
        return 0
    table = Table(
        "view", "generation", "kind", "status", "position", "lag", "time zone", "as of / until"
    )
    for column in table.columns:
        column.no_wrap = True
    for row in found:
        until = str(row["until_position"]) if row["until_position"] is not None else ""
        table.add_row(
            row["view"],
            row["generation"],
            row["kind"],
            row["status"],
            f"{row['position']:,}",
            f"{row['lag']:,}",
            row["timezone"],
            row["as_of"] or until,
        )
    console.print(f"log head: {head:,}")
    console.print(table)
    return 0


def cmd_drop(args: argparse.Namespace) -> int:
    with read_side(args, read_only=True, zone=False) as side:
        dropped = drop_snapshot(side.store, args.snapshot)
    console.print(f"snapshot {args.snapshot} dropped ({', '.join(g.view for g in dropped)})")
    return 0


def add_commands(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    from adapters.entrypoints.reports_cli import add_report_commands

    projections = sub.add_parser("projections", help="rebuild the views, or see where they stand")
    psub = projections.add_subparsers(dest="projections_command", required=True, metavar="ACTION")
    rb = psub.add_parser(
        "rebuild", help="rebuild views from position 0 (blue/green), or build a named snapshot"
    )
    rb.add_argument(
        "name",
        nargs="?",
        metavar="VIEW",
        help="callback-list, agent-counts, history, log-times or sms-messages (default: all)",
    )
    at = rb.add_mutually_exclusive_group()
    at.add_argument(
        "--as-of",
        type=when,
        metavar="WHEN",
        help=f"a snapshot of the log as it stood then: {WHEN_HELP}",
    )
    at.add_argument(
        "--until-position",
        type=int,
        metavar="POSITION",
        help="a snapshot of the log up to this position",
    )
    rb.add_argument(
        "--snapshot",
        type=snapshot_option,
        metavar="NAME",
        help="build a snapshot under this name (1-40 of a-z, 0-9, _), at the head unless "
        "--as-of or --until-position says otherwise",
    )
    rb.add_argument(
        "--change-timezone",
        action="store_true",
        help="rebuild the live views in the --timezone given, which then becomes the "
        "deployment's zone (without it, a zone other than the views' is refused)",
    )
    common(rb)
    rb.set_defaults(func=cmd_rebuild)
    st = psub.add_parser("status", help="each view's position and lag")
    st.add_argument("--json", action="store_true", help="print one JSON document")
    common(st)
    st.set_defaults(func=cmd_status)
    dr = psub.add_parser("drop", help="drop a named snapshot")
    dr.add_argument("snapshot", type=snapshot_option, metavar="SNAPSHOT", help="its name")
    common(dr)
    dr.set_defaults(func=cmd_drop)
    add_report_commands(sub, common)
