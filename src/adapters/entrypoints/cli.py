"""The `callbacks` command line."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from uuid import UUID

from adapters.bootstrap import build_service
from adapters.entrypoints.identity_cli import add_identity_commands
from adapters.entrypoints.mistakes import EXIT_MISTAKE, OperatorError
from adapters.entrypoints.views_cli import add_commands
from adapters.settings import Settings
from callback_domain.errors import CallbackError


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.load(database_url=args.database_url, data_dir=args.data_dir)


def cmd_demo(args: argparse.Namespace) -> int:
    from adapters.demo import run_demo

    with tempfile.TemporaryDirectory(prefix="callbacks-demo-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'demo.sqlite'}"
        service = build_service(Settings.load(database_url=url))
        print(f"callbacks demo: a scripted hour of a contact center (store: {url})")
        try:
            run_demo(service, sys.stdout)
        finally:
            service.close()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from adapters.entrypoints.serve import main as serve_main

    settings = Settings.load(
        database_url=args.database_url,
        data_dir=args.data_dir,
        timezone=args.timezone,
        nats_url=args.nats_url,
        prefix=args.prefix,
        embedded_nats_port=args.embedded_nats_port,
    )
    return serve_main(settings)


def cmd_health(args: argparse.Namespace) -> int:
    """Exit 0 when `query.health` answers ok (a readiness probe), 1 otherwise; with
    `--process`, when this host's process answers ok on its metrics port's /health."""
    import asyncio

    from adapters.observability.health import check, check_process

    if args.process:
        port = Settings.load().metrics_port
        if not port:
            print(
                "--process needs the metrics port (CALLBACKS_METRICS_PORT) the service was started with",
                file=sys.stderr,
            )
            return 2
        ready, text = check_process(f"http://127.0.0.1:{port}/health", timeout=args.timeout)
        print(text, file=sys.stdout if ready else sys.stderr)
        return 0 if ready else 1
    settings = Settings.load(nats_url=args.nats_url, prefix=args.prefix)
    servers = settings.nats_servers() or [f"nats://127.0.0.1:{settings.embedded_nats_port or 4222}"]
    ready, text = asyncio.run(
        check(servers, settings.prefix, timeout=args.timeout, **settings.nats_credentials())
    )
    print(text, file=sys.stdout if ready else sys.stderr)
    return 0 if ready else 1


def cmd_history(args: argparse.Namespace) -> int:
    service = build_service(_settings(args))
    try:
        for event in service.history(UUID(args.callback_id)):
            fields = {
                k: v
                for k, v in vars(event).items()
                if k not in {"originator_id", "originator_version", "timestamp", "originator_topic"}
            }
            print(
                f"{event.timestamp.isoformat()}  v{event.originator_version:<3} "
                f"{type(event).__name__:<14} {fields}"
            )
    finally:
        service.close()
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="callbacks", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--database-url", help="sqlite:///path or postgresql://… (env CALLBACKS_DATABASE_URL)"
        )
        sp.add_argument(
            "--data-dir",
            type=Path,
            help="where the embedded default keeps data (env CALLBACKS_DATA_DIR)",
        )
        sp.add_argument(
            "--timezone",
            help="the contact center's IANA time zone for reports (env CALLBACKS_TIMEZONE)",
        )

    serve = sub.add_parser("serve", help="run the whole service in one process")
    common(serve)
    serve.add_argument(
        "--nats-url",
        help="use this NATS and start none; a cluster's servers comma-separated, "
        "credentials in each URL (env CALLBACKS_NATS_URL)",
    )
    serve.add_argument(
        "--prefix", help="the subject prefix (env CALLBACKS_PREFIX, default callbacks)"
    )
    serve.add_argument(
        "--embedded-nats-port",
        type=int,
        help="port of the embedded NATS (env CALLBACKS_EMBEDDED_NATS_PORT, default 4222; 0: any)",
    )
    serve.set_defaults(func=cmd_serve)

    health = sub.add_parser("health", help="exit 0 if the service answers query.health (readiness)")
    health.add_argument(
        "--nats-url", help="NATS server(s), comma-separated (env CALLBACKS_NATS_URL)"
    )
    health.add_argument(
        "--prefix", help="the subject prefix (env CALLBACKS_PREFIX, default callbacks)"
    )
    health.add_argument(
        "--timeout", type=float, default=5.0, help="seconds to wait for the answer (default 5)"
    )
    health.add_argument(
        "--process",
        action="store_true",
        help="ask the process on this host instead (GET /health on CALLBACKS_METRICS_PORT): "
        "its event loop, NATS connections and event store",
    )
    health.set_defaults(func=cmd_health)

    demo = sub.add_parser("demo", help="run a scripted hour of a contact center")
    demo.add_argument("--database-url", help="keep the demo's events here (default: a temp file)")
    demo.set_defaults(func=cmd_demo)

    history = sub.add_parser("history", help="every event of one callback")
    history.add_argument("callback_id")
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


if __name__ == "__main__":
    sys.exit(main())
