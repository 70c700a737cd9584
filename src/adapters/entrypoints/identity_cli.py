"""`callbacks token issue` and `callbacks keys rotate | list | retire`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adapters.entrypoints.mistakes import OperatorError
from adapters.identity.key_file import KeyFile
from adapters.identity.keys import KeySet, KeySetError
from adapters.identity.roles import PEOPLE_ROLES, TOKEN_ROLES, token_role
from adapters.identity.tokens import issue
from adapters.settings import Settings

if TYPE_CHECKING:
    import argparse

SYSTEM_TTL_DAYS = 90.0
MAX_TTL_DAYS = 3650.0


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.load(data_dir=args.data_dir)


def cmd_token_issue(args: argparse.Namespace) -> int:
    settings = _settings(args)
    role = token_role(args.role)
    if role is None:
        raise OperatorError(
            "--role", f"unknown role {args.role!r}", f"use one of {', '.join(TOKEN_ROLES)}"
        )
    if args.ttl is not None and not 0 < args.ttl <= MAX_TTL_DAYS:
        raise OperatorError(
            "--ttl", f"{args.ttl} days is out of range", f"give 0 < DAYS <= {MAX_TTL_DAYS:g}"
        )
    if args.ttl is not None:
        ttl_seconds = args.ttl * 86_400
    elif role in PEOPLE_ROLES:
        ttl_seconds = settings.token_hours * 3600.0
    else:
        ttl_seconds = SYSTEM_TTL_DAYS * 86_400
    try:
        token = issue(
            KeyFile.of(settings).current(),
            actor=args.actor,
            role=role,
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            ttl_seconds=ttl_seconds,
        )
    except ValueError as e:
        raise OperatorError("--actor", str(e), "name the system or person, e.g. ivr-1") from None
    print(token)
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    key_file = KeyFile.of(_settings(args))
    now = datetime.now(UTC)
    key_file.create = True  # rotating is how an operator creates a missing key file
    existed = key_file.path.exists()
    keys = key_file.current().rotated(now) if existed else KeySet.new(now)
    key_file.save(keys)
    print(f"active key: {keys.active} in {key_file.path}")
    if len(keys.keys) > 1:
        print("older keys still verify their tokens until `callbacks keys retire KID`")
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    keys = KeyFile.of(_settings(args)).current()
    for key in keys.keys:
        mark = "active" if key.kid == keys.active else "verifies"
        print(f"{key.kid}  {key.created_at.isoformat(timespec='seconds')}  {mark}")
    return 0


def cmd_keys_retire(args: argparse.Namespace) -> int:
    key_file = KeyFile.of(_settings(args))
    try:
        keys = key_file.current().retired(args.kid)
    except KeySetError as e:
        raise OperatorError("KID", str(e), "see `callbacks keys list`") from None
    key_file.save(keys)
    print(f"retired {args.kid}: tokens it signed are refused from now on")
    return 0


def add_identity_commands(sub: argparse._SubParsersAction[Any]) -> None:
    def data_dir(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--data-dir",
            type=Path,
            metavar="DIR",
            help="the data directory of `callbacks serve`, which holds the signing keys "
            "(env CALLBACKS_DATA_DIR; the key file: env CALLBACKS_SIGNING_KEYS_FILE)",
        )

    token = sub.add_parser("token", help="tokens for systems (IVR, CTI) and scripts")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    issue_p = token_sub.add_parser("issue", help="print a token signed with the active key")
    issue_p.add_argument(
        "--actor", required=True, metavar="NAME", help="who the token names, e.g. ivr-1"
    )
    issue_p.add_argument(
        "--role",
        required=True,
        metavar="ROLE",
        help=f"the token's role: one of {', '.join(TOKEN_ROLES)}",
    )
    issue_p.add_argument(
        "--ttl",
        type=float,
        metavar="DAYS",
        help=f"days the token is valid (default {SYSTEM_TTL_DAYS:g} for systems; "
        "CALLBACKS_TOKEN_HOURS for people)",
    )
    data_dir(issue_p)
    issue_p.set_defaults(func=cmd_token_issue)

    keys = sub.add_parser("keys", help="the deployment's signing keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    rotate = keys_sub.add_parser(
        "rotate", help="add a new active key (creates the key file if there is none)"
    )
    data_dir(rotate)
    rotate.set_defaults(func=cmd_keys_rotate)
    listing = keys_sub.add_parser("list", help="the keys, oldest first, and which is active")
    data_dir(listing)
    listing.set_defaults(func=cmd_keys_list)
    retire = keys_sub.add_parser(
        "retire", help="remove a key: every token it signed is refused (revokes a leaked token)"
    )
    retire.add_argument("kid", metavar="KID", help="the key's id, as `callbacks keys list` shows")
    data_dir(retire)
    retire.set_defaults(func=cmd_keys_retire)
