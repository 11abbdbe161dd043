"""Progress of a long import, reported by stage: ``update(stage, done, total)``.

Stages: ``loading`` (once, before the portfolio is locked), then ``importing`` with the rows
read, validated and written so far, every few thousand rows and once at the end; ``total`` is
``None`` (or an estimate) while the row count is not known yet.
"""

from __future__ import annotations

from typing import Protocol

EVERY = 2000  # rows between updates


class Progress(Protocol):
    def update(self, stage: str, done: int, total: int | None) -> None: ...


class NoProgress:
    def update(self, stage: str, done: int, total: int | None) -> None:
        return None
