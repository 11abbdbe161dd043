"""The server's startup heap is frozen and its young generation widened, once per process."""

from __future__ import annotations

import gc

import pytest
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.core import heap


def test_starting_the_app_settles_the_heap_once(monkeypatch: pytest.MonkeyPatch) -> None:
    with TestClient(create_app()):
        assert gc.get_freeze_count() > 0  # startup's objects are out of the collector's walks
        assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD
    freezes: list[None] = []
    monkeypatch.setattr(heap.gc, "freeze", lambda: freezes.append(None))
    with TestClient(create_app()):  # a second app in the same process
        pass
    heap.settle()
    assert freezes == []
