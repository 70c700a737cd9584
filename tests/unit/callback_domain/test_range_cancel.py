"""The range cancel is a use case of the service: any selection, cancelled in commands of at
most MAX_BULK ids, their results merged into one."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from callback_domain.handlers.assignment import MAX_BULK
from callback_domain.lifecycle import CallbackState
from callback_domain.results import CancelResult
from tests.factories import SUPERVISOR, T0, queued

if TYPE_CHECKING:
    from callback_domain.application import CallbackService


def test_a_selection_larger_than_the_bulk_limit_becomes_several_commands() -> None:
    from callback_domain.application import CallbackService

    selected = [UUID(int=n) for n in range(2 * MAX_BULK + 1)]

    commands = CallbackService.cancel_selected(SUPERVISOR, T0, selected)

    assert [len(c.callback_ids) for c in commands] == [MAX_BULK, MAX_BULK, 1]
    assert [i for c in commands for i in c.callback_ids] == selected
    assert all(c.caller == SUPERVISOR and c.at == T0 for c in commands)
    assert CallbackService.cancel_selected(SUPERVISOR, T0, []) == []


def test_the_selected_callbacks_are_cancelled_and_the_unknown_skipped(
    sut: CallbackService,
) -> None:
    open_one, unknown = queued(sut), UUID(int=99)

    results = [
        sut.execute(command) for command in sut.cancel_selected(SUPERVISOR, T0, [open_one, unknown])
    ]
    merged = sut.cancelled_together(results)

    assert merged.cancelled == (open_one,)
    assert [(s.callback_id, s.reason) for s in merged.skipped] == [(unknown, "not_found")]
    assert sut.get_callback(open_one).state is CallbackState.COMPLETED


def test_results_merge_in_order() -> None:
    from callback_domain.application import CallbackService

    a, b = UUID(int=1), UUID(int=2)

    merged = CallbackService.cancelled_together(
        [CancelResult(cancelled=(a,), skipped=()), CancelResult(cancelled=(b,), skipped=())]
    )

    assert merged == CancelResult(cancelled=(a, b), skipped=())
