"""Running the same work from several threads at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable


def at_once(work: Callable[[], object], threads: int) -> list[BaseException]:
    """Run ``work`` in ``threads`` threads released together by a barrier; what they raised."""
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            work()
        except BaseException as exc:
            errors.append(exc)

    started = [threading.Thread(target=run) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    return errors
