"""A read of many callbacks within the caller's granted routes (a supervisor or monitor
limited to some routes); the rule of who sees what is callback_domain.visibility's."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.views.queries import ListFilters
    from callback_domain.values import Caller


def granted(caller: Caller) -> tuple[str, ...] | None:
    """The routes the caller is limited to (None: every route)."""
    return None if caller.routes is None else tuple(sorted(caller.routes))


def within_grants(caller: Caller, filters: ListFilters) -> ListFilters:
    routes = granted(caller)
    return filters if routes is None else replace(filters, granted_routes=routes)
