"""The list filters as command-line options (`callbacks export`), checked by the wire model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.entrypoints.options import WHEN_HELP, when

if TYPE_CHECKING:
    import argparse
    from zoneinfo import ZoneInfo

# Options taking one value, or several when repeated (any of them matches).
REPEATABLE = ("route", "status", "state", "type")
SINGLE = ("phone", "phone_suffix", "agent", "agent_team", "assigner", "assigner_team", "team")
TIMES = {"from": "from_", "to": "to", "desired_from": "desired_from", "desired_to": "desired_to"}
OPTIONS = {
    **{name: "--" + name.replace("_", "-") for name in (*TIMES, *REPEATABLE, *SINGLE)},
    "overdue": "--overdue",
}


def add_list_filters(parser: argparse.ArgumentParser) -> None:
    """The options of CONTRACT.md's list filters."""
    for name, what in (
        ("from", "requested at or after"),
        ("to", "requested before"),
        ("desired-from", "desired time at or after"),
        ("desired-to", "desired time before"),
    ):
        dest = TIMES[name.replace("-", "_")]
        parser.add_argument(
            f"--{name}", dest=dest, type=when, metavar="WHEN", help=f"{what}: {WHEN_HELP}"
        )
    for name, metavar, what in (
        ("route", "ROUTE", "this route"),
        ("status", "STATUS", "this status: REGISTERED, UNPROCESSED, CANCELLED or COMPLETED"),
        ("state", "STATE", "this state: SCHEDULED, QUEUED, ROUTING, PROCESSING or COMPLETED"),
        ("type", "TYPE", "this type: IMMEDIATE or SCHEDULED"),
    ):
        parser.add_argument(
            f"--{name}", action="append", metavar=metavar, help=f"only {what} (repeat for several)"
        )
    for name, metavar, what in (
        ("phone", "PHONE", "this phone number, in any format"),
        ("phone-suffix", "DIGITS", "numbers ending in these 4 or more digits"),
        ("agent", "AGENT", "assigned to this agent"),
        ("agent-team", "TEAM", "assigned to an agent of this team"),
        ("assigner", "SUPERVISOR", "assigned by this supervisor"),
        ("assigner-team", "TEAM", "assigned by this supervisor's team"),
        ("team", "TEAM", "routed to this team"),
    ):
        parser.add_argument(f"--{name}", metavar=metavar, help=f"only {what}")
    parser.add_argument(
        "--overdue",
        choices=["yes", "no"],
        help="only callbacks past (yes) or not past (no) their desired time and window",
    )


def given_filters(args: argparse.Namespace, zone: ZoneInfo) -> dict[str, Any]:
    """The options given, by their wire names (a plain date is midnight in `zone`)."""
    given: dict[str, Any] = {}
    for wire, dest in TIMES.items():
        value = getattr(args, dest)
        given[wire] = value.at(zone).isoformat() if value is not None else None
    for name in REPEATABLE:
        values = getattr(args, name)
        given[name] = values[0] if values and len(values) == 1 else values
    for name in SINGLE:
        given[name] = getattr(args, name)
    given["overdue"] = None if args.overdue is None else args.overdue == "yes"
    return given
