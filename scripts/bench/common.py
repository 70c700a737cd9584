"""Helpers of the benchmark: PostgreSQL schemas, percentiles, resident memory, processes."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
DEFAULT_PG = "postgresql://root@127.0.0.1:5432/test"


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child process: no CALLBACKS_* of ours, src and the repo importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLBACKS_")}
    env["CALLBACKS_HTTP_PORT"] = "0"  # the bench drives NATS; 8080 may be taken
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), str(ROOT), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep
    )
    env.update(extra)
    return env


def new_schema_name(label: str) -> str:
    return f"bench_{label}_{secrets.token_hex(3)}"


def schema_url(base: str, schema: str) -> str:
    return f"{base}{'&' if '?' in base else '?'}schema={schema}"


def conninfo(base: str) -> str:
    from adapters.database import Database

    return Database.parse(base).conninfo()


def create_schema(base: str, schema: str) -> None:
    with psycopg.connect(conninfo(base), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


def drop_schema(base: str, schema: str) -> None:
    with psycopg.connect(conninfo(base), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def rss_mb(pid: int) -> float:
    """Current resident set of a process, MB (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, IndexError, ValueError):
        return 0.0


class RssSampler:
    """Samples a process's resident set every `interval` seconds in a thread; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval = pid, interval
        self.peak = 0.0
        self.last = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.last = rss_mb(self.pid)
            self.peak = max(self.peak, self.last)
            self._stop.wait(self.interval)

    def reset(self) -> None:
        self.peak = rss_mb(self.pid)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        self._thread.join()


def run_json(
    args: list[str], *, timeout: float, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Runs a child Python module that prints one JSON object as its last line."""
    done = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=ROOT,
        env=env or child_env(),
    )
    if done.returncode != 0:
        msg = f"{' '.join(args[:3])} failed ({done.returncode}):\n{done.stderr[-3000:]}"
        raise RuntimeError(msg)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@contextmanager
def timed(label: str) -> Iterator[None]:
    started = time.monotonic()
    log(f"{label} ...")
    yield
    log(f"{label}: {time.monotonic() - started:.1f} s")


_T0 = time.monotonic()


def log(text: str) -> None:
    print(f"[{time.monotonic() - _T0:6.1f}s] {text}", file=sys.stderr, flush=True)


_OUR_PACKAGES = ("adapters/", "callback_domain/", "projections/")


def summarize_profile(raw: Path, top: int = 30) -> str:
    """py-spy's raw (collapsed) stacks → the functions with most samples, self and inclusive."""
    import collections

    own: collections.Counter[str] = collections.Counter()
    within: collections.Counter[str] = collections.Counter()
    ours: collections.Counter[str] = collections.Counter()  # by the project's innermost two frames
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n, frames = int(count), stack.split(";")
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            within[frame] += n
        mine = [f.split(" (")[0] for f in frames if any(p in f for p in _OUR_PACKAGES)]
        ours[
            " > ".join(mine[-2:]) if mine else "(libraries only: " + frames[-1].split(" (")[0] + ")"
        ] += n
    lines = [f"{total} samples", "", "by the project's code (its innermost two frames):"]
    lines += [f"  {v / total:6.1%}  {k}" for k, v in ours.most_common(top)]
    lines += ["", "self:"]
    lines += [f"  {v / total:6.1%}  {k}" for k, v in own.most_common(top)]
    lines += ["", "inclusive:"]
    lines += [f"  {v / total:6.1%}  {k}" for k, v in within.most_common(top * 2)]
    return "\n".join(lines) + "\n"
