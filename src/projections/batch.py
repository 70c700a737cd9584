"""What one batch of events does to one view: rows changed, rows appended."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable

R = TypeVar("R")


@dataclass(slots=True)
class Positioned:
    """A domain event at its position in the log."""

    position: int
    event: Any


@dataclass(slots=True)
class ViewBatch(Generic[R]):
    """The rows a batch reads and writes.

    `rows` starts with the current rows the projection asked for (`keys`); the
    projection replaces rows in it and names them in `changed`, or appends rows
    that are only ever inserted (history, log times).
    """

    rows: dict[Hashable, R] = field(default_factory=dict)
    changed: set[Hashable] = field(default_factory=set)
    appended: list[R] = field(default_factory=list)
    before: dict[Hashable, R] = field(init=False)  # the rows as loaded, before the batch

    def __post_init__(self) -> None:
        self.before = dict(self.rows)

    def put(self, key: Hashable, row: R) -> None:
        self.rows[key] = row
        self.changed.add(key)

    def edit(self, key: Hashable) -> R:
        """The row to change in place: the loaded one is copied on the batch's first
        change to it (so `before` keeps it as loaded), later changes reuse the copy.
        Cheaper than a new frozen row per event (a callback-list row has 37 fields)."""
        row = self.rows[key]
        if key not in self.changed:
            row = _copied(row)
            self.put(key, row)
        return row

    def changed_rows(self) -> list[R]:
        return [self.rows[k] for k in self.changed]


def _copied(row: R) -> R:
    """A shallow copy of a mutable slots dataclass (copy.copy takes twice as long)."""
    new = object.__new__(type(row))
    for name in type(row).__slots__:  # type: ignore[attr-defined]
        setattr(new, name, getattr(row, name))
    return new


class Projection(Protocol[R]):
    """How one view follows the log."""

    name: str

    def keys(self, events: Iterable[Positioned]) -> set[Hashable]:
        """The existing rows the batch needs (loaded before `apply`)."""

    def apply(self, batch: ViewBatch[R], item: Positioned) -> None:
        """Applies one event to the batch's rows."""
