"""The cyclic garbage collector tuned for a long-running server process.

Importing the app leaves about 280,000 long-lived objects (FastAPI, SQLAlchemy, pydantic
schemas, the bots and the web app). With CPython's defaults a full collection walks all of them
(about 0.1 s of CPU on a small machine) whenever enough request objects have survived two
younger collections; under concurrent reads that allocate many objects (a page of 50 accounts
builds a few thousand) the young generation filled every 700 objects and the full collections
came every few hundred requests: about a fifth of the CPU of the account list went to the
collector. ``settle`` runs once, when the app starts serving: it freezes what startup built (the
collector no longer walks it) and collects the young generation every ``YOUNG_THRESHOLD`` net
new objects instead of 700, so a request's short-lived objects are freed by reference counting
before any collection sees them.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000
_settled = False


def settle() -> None:
    """Freeze the startup heap and widen the young generation, once per process."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
