"""Runs one `callbacks` command in this process and reports its time and memory.

    python -m scripts.bench.memrun DATABASE_URL -- projections rebuild
    python -m scripts.bench.memrun DATABASE_URL -- export --format csv --output F

First a warm-up command (`projections status`: imports, connections), then the
command under a sampler of the resident set. Growth = peak during the command
minus the resident set just before it. Prints one JSON object.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time

from scripts.bench.common import RssSampler, rss_mb

from adapters.entrypoints.cli import main as cli


def run(database_url: str, command: list[str]) -> dict[str, float]:
    with contextlib.redirect_stdout(io.StringIO()):
        cli(["projections", "status", "--database-url", database_url])
    before = rss_mb(os.getpid())
    with (
        RssSampler(os.getpid(), interval=0.02) as sampler,
        contextlib.redirect_stdout(io.StringIO()),
    ):
        started = time.monotonic()
        code = cli([*command, "--database-url", database_url])
        seconds = time.monotonic() - started
    peak = max(sampler.peak, rss_mb(os.getpid()))
    return {
        "code": code,
        "seconds": seconds,
        "before_mb": before,
        "peak_mb": peak,
        "growth_mb": peak - before,
    }


if __name__ == "__main__":
    url, sep, *rest = sys.argv[1:]
    assert sep == "--"
    print(json.dumps(run(url, rest)))
