"""A stand-in for the `nats` CLI's `req`, made of nats-py, for running the README's lines
through bash as written (there is no `nats` binary on the test machines).

    nats req SUBJECT BODY [-H Name:Value]... [--raw]

Like natscli it connects to `$NATS_URL` (default nats://127.0.0.1:4222) and prints the
reply's body. Each request and its reply is also appended, as one JSON line, to
`$README_NATS_LOG` so the test can check every reply.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

import nats


def parse(argv: list[str]) -> tuple[str, str, dict[str, str]]:
    if len(argv) < 3 or argv[0] not in {"req", "request"}:
        raise SystemExit(f"nats stand-in: only `nats req SUBJECT BODY` is played, not {argv}")
    subject, body, rest = argv[1], argv[2], argv[3:]
    headers: dict[str, str] = {}
    i = 0
    while i < len(rest):
        if rest[i] == "-H":
            name, value = rest[i + 1].split(":", 1)
            headers[name] = value
            i += 2
        elif rest[i] == "--raw":
            i += 1
        else:
            raise SystemExit(f"nats stand-in: option {rest[i]!r} is not played")
    return subject, body, headers


async def main(argv: list[str]) -> None:
    subject, body, headers = parse(argv)
    nc = await nats.connect(os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
    try:
        reply = await nc.request(subject, body.encode(), timeout=10, headers=headers or None)
    finally:
        await nc.close()
    text = reply.data.decode()
    if log := os.environ.get("README_NATS_LOG"):
        with open(log, "a", encoding="utf-8") as f:
            record = {"subject": subject, "body": body, "headers": headers, "reply": text}
            f.write(json.dumps(record) + "\n")
    print(text)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
