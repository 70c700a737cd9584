"""The time zone of the views: recorded with them, kept unless the operator moves it.

A view cuts days and months in a zone, so its generations record the zone they
were built in. The deployment's zone is the zone of the live views; a setting that
names another one is refused rather than followed silently (reports would change
meaning behind the operator's back).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.entrypoints.mistakes import OperatorError
from adapters.views.schema import CALLBACK_LIST

if TYPE_CHECKING:
    from adapters.views.store import ViewStore

DEFAULT_ZONE = "UTC"  # a deployment's first views, when no zone is given
SETTING = "CALLBACKS_TIMEZONE"


def recorded_zone(store: ViewStore) -> str | None:
    """The zone the live views were built in; None before there are any."""
    if not store.has_registry():
        return None
    live = store.active().get(CALLBACK_LIST)
    return live.timezone if live is not None else None


def different_zone(recorded: str, given: str) -> OperatorError:
    return OperatorError(
        SETTING,
        f"the views were built in {recorded}, not {given}",
        f"leave it unset to keep {recorded}; to build views in {given} run "
        f"`callbacks projections rebuild --timezone {given}` with --snapshot NAME "
        "(a snapshot) or --change-timezone (the live views)",
    )


def live_zone(store: ViewStore, given: str | None, *, strict: bool = True) -> str:
    """The zone the live views are (or will be) built in. `given`: a zone the operator
    set explicitly, which must be theirs when `strict` (a rebuild decides itself)."""
    recorded = recorded_zone(store)
    if recorded is None:
        return given or DEFAULT_ZONE
    if strict and given is not None and given != recorded:
        raise different_zone(recorded, given)
    return recorded
