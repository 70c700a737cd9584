"""Every option of every command is documented (issue 10: `--from FROM_`, no help)."""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING

import pytest

from adapters.entrypoints.cli import main, parser

if TYPE_CHECKING:
    from collections.abc import Iterator

_DEST_METAVAR = re.compile(r"\b[A-Z][A-Z0-9]*_(?![A-Z0-9])")  # FROM_, or AGENT_ at an edge


def _commands(
    p: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, p
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            helped = {a.dest for a in action._choices_actions if a.help}
            for name, child in action.choices.items():
                assert name in helped, f"`callbacks {' '.join((*path, name))}` has no help"
                yield from _commands(child, (*path, name))


COMMANDS = list(_commands(parser()))


def test_every_command_is_reached() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    for wanted in (
        "serve",
        "health",
        "history",
        "projections rebuild",
        "projections status",
        "projections drop",
        "report treatment-rate",
        "export",
    ):
        assert wanted in names


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(p) or "callbacks" for p, _ in COMMANDS]
)
def test_every_option_has_help_and_a_chosen_metavar(
    path: tuple[str, ...], command: argparse.ArgumentParser
) -> None:
    for action in command._actions:
        if isinstance(action, argparse._SubParsersAction):
            continue
        assert action.help and action.help != argparse.SUPPRESS, (path, action.option_strings)
        takes_value = action.nargs != 0
        if takes_value:
            assert action.metavar is not None or action.choices is not None, (
                path,
                action.option_strings or action.dest,
            )
    text = command.format_help()
    assert not _DEST_METAVAR.search(text), text


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert re.fullmatch(r"callbacks \d+\.\d+\.\d+\S*\n", capsys.readouterr().out)
