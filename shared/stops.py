"""An agent's skips and moves laid over the day's stops, the same way on the server (the
worklist it answers) and on the phone (changes still in the outbox).

Each change names a stop by its debtor. A skip marks the stop skipped with its reason; a move
takes the stop out and puts it right after ``after_debtor_id`` (first when None). Changes apply
in the order they were made; one that names a stop no longer in the day changes nothing, and a
move after a stop no longer there leaves the stop where it is. Positions are numbered again
from 1 in the resulting order.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Protocol

from shared.schemas.field import StopEventKind, StopReason, WorklistStop


class StopChange(Protocol):
    @property
    def kind(self) -> StopEventKind: ...

    @property
    def debtor_id(self) -> uuid.UUID: ...

    @property
    def reason(self) -> StopReason: ...

    @property
    def after_debtor_id(self) -> uuid.UUID | None: ...


def apply_changes(stops: list[WorklistStop], changes: Iterable[StopChange]) -> list[WorklistStop]:
    """``stops`` (in visit order) with ``changes`` applied; the input is left unchanged."""
    order = list(stops)
    for change in changes:
        at = _index(order, change.debtor_id)
        if at is None:
            continue
        if change.kind == StopEventKind.skip:
            order[at] = order[at].model_copy(update={"skipped": change.reason})
            continue
        moved = order.pop(at)
        if change.after_debtor_id is None:
            order.insert(0, moved)
            continue
        after = _index(order, change.after_debtor_id)
        order.insert(at if after is None else after + 1, moved)
    return [s.model_copy(update={"position": n}) for n, s in enumerate(order, start=1)]


def _index(order: list[WorklistStop], debtor_id: uuid.UUID) -> int | None:
    return next((i for i, stop in enumerate(order) if stop.debtor_id == debtor_id), None)


__all__ = ["StopChange", "apply_changes"]
