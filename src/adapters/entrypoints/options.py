"""What every `callbacks` command shares: its parser, dates, filters and interruptions.

One home each: a mistake on the command line is one line (`OneLineParser`), a date
option is a plain date (midnight in the contact center's zone) or a time with an
offset (`when`, then `at`), and filters are checked by the wire contract's own models
(`checked`), so the command line refuses exactly what `query.list` refuses.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from pydantic import BaseModel

from adapters.entrypoints.mistakes import EXIT_MISTAKE, OperatorError
from callback_domain.errors import InvalidRequestError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from zoneinfo import ZoneInfo

M = TypeVar("M", bound=BaseModel)
EXIT_INTERRUPTED = 130
WHEN_HELP = "a date (midnight in the contact center's zone) or a time with an offset"


class OneLineParser(argparse.ArgumentParser):
    """An option mistake is one line and exit code 2, like every other mistake."""

    def error(self, message: str) -> NoReturn:
        print(f"callbacks: {message}; see `{self.prog} --help`", file=sys.stderr)
        sys.exit(EXIT_MISTAKE)


@dataclass(frozen=True, slots=True)
class When:
    """A date option as given: a plain date, or an aware time."""

    text: str
    day: date | None = None
    moment: datetime | None = None

    def at(self, zone: ZoneInfo) -> datetime:
        """The moment meant: a plain date is midnight in `zone`."""
        if self.moment is not None:
            return self.moment
        assert self.day is not None
        return datetime.combine(self.day, time(), zone)

    def date_in(self, zone: ZoneInfo) -> date:
        """The day meant, in `zone`."""
        return self.day if self.day is not None else self.at(zone).astimezone(zone).date()


def when(text: str) -> When:
    """The argparse type of every date option."""
    try:
        if len(text) == len("2026-11-01"):
            return When(text, day=date.fromisoformat(text))
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        msg = (
            f"{text!r} is neither a date (2026-11-01) nor a time with an offset "
            "(2026-11-01T09:00:00+09:00)"
        )
        raise argparse.ArgumentTypeError(msg)
    return When(text, moment=moment)


def snapshot_option(text: str) -> str:
    """The argparse type of --snapshot: checked before any work starts."""
    from adapters.views.generation import snapshot_name

    try:
        return snapshot_name(text)
    except OperatorError as e:
        raise argparse.ArgumentTypeError(f"{e.problem}: {e.fix}") from None


def checked(model: type[M], given: dict[str, Any], options: dict[str, str]) -> M:
    """`given` (wire names) validated by a wire model; a refusal names the option
    (`options` maps wire names to options) and says what the contract says."""
    from adapters.messaging.messages.envelope import parse

    body = json.dumps({k: v for k, v in given.items() if v is not None}, default=str)
    try:
        return parse(model, body.encode())
    except InvalidRequestError as e:
        first = e.errors[0]
        option = options.get(first.field, f"--{first.field.replace('_', '-')}")
        raise OperatorError(option, first.message, f"see `callbacks {_command()} --help`") from None


def _command() -> str:
    words = [a for a in sys.argv[1:3] if not a.startswith("-")]
    return " ".join(words)


def output_path(text: str) -> Path | None:
    """--output: a file in a folder that exists, or `-` (standard output: None)."""
    if text == "-":
        return None
    path = Path(text)
    if not path.parent.is_dir():
        raise OperatorError(
            "--output",
            f"no folder {str(path.parent)!r} to write {path.name} in",
            "create the folder first, or give a path in an existing one (or - for stdout)",
        )
    return path


@contextmanager
def interruptible(what: str, resume: str, undo: Callable[[], None] | None = None) -> Iterator[None]:
    """Ctrl-C: `undo` (e.g. remove a partial file), then one line saying what is left
    and how to resume, exit code 130."""
    try:
        yield
    except KeyboardInterrupt:
        if undo is not None:
            undo()
        print(f"callbacks: {what} interrupted; {resume}", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
