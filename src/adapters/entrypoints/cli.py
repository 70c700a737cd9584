"""The `callbacks` command line."""

from __future__ import annotations

import json
import os
import sys
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

from adapters.entrypoints.identity_cli import add_identity_commands
from adapters.entrypoints.mistakes import EXIT_MISTAKE, OperatorError
from adapters.entrypoints.options import OneLineParser
from adapters.entrypoints.views_cli import add_commands
from adapters.settings import Settings
from callback_domain.errors import CallbackError

if TYPE_CHECKING:
    import argparse

EXIT_BROKEN_PIPE = 141  # as a shell reports a command ended by SIGPIPE


def cmd_demo(args: argparse.Namespace) -> int:
    from adapters.demo.main import main as demo_main

    return demo_main(
        sys.stdout, database_url=args.database_url, nats_url=args.nats_url, prefix=args.prefix
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from adapters.database import Database, check_connection
    from adapters.entrypoints.serve import main as serve_main

    settings = Settings.load(
        database_url=args.database_url,
        data_dir=args.data_dir,
        timezone=args.timezone,
        nats_url=args.nats_url,
        prefix=args.prefix,
        embedded_nats_port=args.embedded_nats_port,
    )
    # A wrong database name or user is a mistake; a server down is for serve to wait out.
    check_connection(Database.parse(settings.resolved_database_url()), outage=False)
    return serve_main(settings)


def cmd_health(args: argparse.Namespace) -> int:
    """Exit 0 when `query.health` answers ok (a readiness probe), 1 otherwise; with
    `--process`, when this host's process answers ok on its metrics port's /health."""
    import asyncio

    from adapters.identity.probe import probe_headers
    from adapters.observability.health import check, check_process

    if args.process:
        port = Settings.load().metrics_port
        if not port:
            raise OperatorError(
                "CALLBACKS_METRICS_PORT",
                "--process needs the metrics port the service was started with",
                "set it as the service has it",
            )
        ready, text = check_process(f"http://127.0.0.1:{port}/health", timeout=args.timeout)
        print(text, file=sys.stdout if ready else sys.stderr)
        return 0 if ready else 1
    settings = Settings.load(nats_url=args.nats_url, prefix=args.prefix, data_dir=args.data_dir)
    servers = settings.service_servers()
    ready, text = asyncio.run(
        check(
            servers,
            settings.prefix,
            timeout=args.timeout,
            headers=probe_headers(settings),
            **settings.nats_credentials(),
        )
    )
    print(
        text if ready else f"{text} (asked {','.join(servers)})",
        file=sys.stdout if ready else sys.stderr,
    )
    return 0 if ready else 1


def cmd_history(args: argparse.Namespace) -> int:
    from adapters.bootstrap import build_service
    from adapters.database import Database, require_existing
    from projections.event_record import EventRecord

    settings = Settings.load(database_url=args.database_url, data_dir=args.data_dir)
    require_existing(Database.parse(settings.resolved_database_url()), settings.database_setting())
    try:
        callback_id = UUID(args.callback_id)
    except ValueError:
        raise OperatorError(
            "CALLBACK_ID", f"{args.callback_id!r} is not a callback id", "give its UUID"
        ) from None
    service = build_service(settings)
    try:
        events = []
        for event in service.history(callback_id):
            r = EventRecord.of(event, 0)
            events.append(
                {
                    "version": r.version,
                    "type": r.type,
                    "at": r.at.isoformat(),
                    "actor": r.actor,
                    "role": r.role,
                    "channel": r.channel,
                    **r.data,
                }
            )
    finally:
        service.close()
    if args.json:
        print(json.dumps({"callback_id": str(callback_id), "events": events}, ensure_ascii=False))
        return 0
    for e in events:
        by = "/".join(str(e[k]) for k in ("actor", "role", "channel") if e[k] is not None)
        rest = json.dumps(
            {
                k: v
                for k, v in e.items()
                if k not in {"version", "type", "at", "actor", "role", "channel"}
            },
            ensure_ascii=False,
        )
        print(f"{e['at']}  v{e['version']:<3} {e['type']:<14} {by:<28} {rest}")
    return 0


def common(sp: argparse.ArgumentParser) -> None:
    """The options that choose the store and the zone."""
    sp.add_argument(
        "--database-url",
        metavar="URL",
        help="sqlite:///path or postgresql://user@host:port/db?schema=name "
        "(env CALLBACKS_DATABASE_URL; default: events.sqlite in the data directory)",
    )
    sp.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="where the embedded defaults keep their data (env CALLBACKS_DATA_DIR, "
        "default .callbacks)",
    )
    sp.add_argument(
        "--timezone",
        metavar="ZONE",
        help="the contact center's IANA time zone, e.g. Asia/Seoul (env CALLBACKS_TIMEZONE; "
        "default: the zone the views were built in, UTC for new ones)",
    )


def _nats_options(sp: argparse.ArgumentParser, nats_help: str) -> None:
    sp.add_argument("--nats-url", metavar="URL", help=nats_help)
    sp.add_argument(
        "--prefix",
        metavar="PREFIX",
        help="the subject prefix (env CALLBACKS_PREFIX, default callbacks)",
    )


def parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="callbacks", description=__doc__)
    p.add_argument(
        "--version",
        action="version",
        version=f"callbacks {version('callbacks')}",
        help="print the version and exit",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the whole service in one process")
    common(serve)
    _nats_options(
        serve,
        "use this NATS and start none; a cluster's servers comma-separated, "
        "credentials in each URL (env CALLBACKS_NATS_URL)",
    )
    serve.add_argument(
        "--embedded-nats-port",
        type=int,
        metavar="PORT",
        help="port of the embedded NATS (env CALLBACKS_EMBEDDED_NATS_PORT, default 4222, "
        "or a free one if 4222 is taken; 0: any)",
    )
    serve.set_defaults(func=cmd_serve)

    health = sub.add_parser("health", help="exit 0 if the service answers query.health (readiness)")
    _nats_options(
        health,
        "NATS server(s), comma-separated (env CALLBACKS_NATS_URL; default: the embedded "
        "server of the data directory, wherever it listens)",
    )
    health.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="the data directory of the embedded server (env CALLBACKS_DATA_DIR)",
    )
    health.add_argument(
        "--timeout",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="seconds to wait for the answer (default 5)",
    )
    health.add_argument(
        "--process",
        action="store_true",
        help="ask the process on this host instead (GET /health on CALLBACKS_METRICS_PORT): "
        "its event loop, NATS connections and event store",
    )
    health.set_defaults(func=cmd_health)

    demo = sub.add_parser(
        "demo",
        help="start the service on a temporary data directory and play a scripted hour "
        "of a contact center against it over NATS",
    )
    demo.add_argument(
        "--database-url", metavar="URL", help="keep the demo's events here (default: a temp file)"
    )
    demo.add_argument(
        "--nats-url",
        metavar="URL",
        help="play on this NATS (where a `nats sub` may already watch); default: an "
        "embedded NATS on a free port",
    )
    demo.add_argument(
        "--prefix",
        metavar="PREFIX",
        default="callbacks",
        help="the subject prefix (default callbacks)",
    )
    demo.set_defaults(func=cmd_demo)

    history = sub.add_parser("history", help="every event of one callback, from the event log")
    history.add_argument("callback_id", metavar="CALLBACK_ID", help="the callback's id (a UUID)")
    history.add_argument("--json", action="store_true", help="print one JSON document")
    common(history)
    history.set_defaults(func=cmd_history)
    add_commands(sub, common)
    add_identity_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except OperatorError as e:
        print(f"callbacks: {e.line()}", file=sys.stderr)
        return EXIT_MISTAKE
    except (CallbackError, LookupError, ValueError) as e:
        print(f"callbacks: {e}", file=sys.stderr)
        return EXIT_MISTAKE
    except BrokenPipeError:  # `callbacks ... | head`: the reader had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
