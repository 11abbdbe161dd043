"""Password checks cannot starve the server: a bounded number run at once, the rest wait on
the event loop (holding no thread) or are turned away at once."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import Engine

from backend.app import create_app
from backend.auth import hashing
from backend.auth.errors import LoginBusy
from backend.core.config import get_settings
from backend.core.security import hash_password, verify_password
from tests.live import serve


class Tracked:
    """The real argon2 check, counting how many run at once."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, password: str, password_hash: str) -> bool:
        with self._lock:
            self.running += 1
            self.calls += 1
            self.most = max(self.most, self.running)
        try:
            return verify_password(password, password_hash)
        finally:
            with self._lock:
                self.running -= 1


def test_the_gate_runs_its_slots_queues_the_rest_and_turns_away_the_overflow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tracked = Tracked()
    monkeypatch.setattr(hashing, "verify_password", tracked)
    stored = hash_password("right")

    async def scenario() -> list[object]:
        gate = hashing.HashingGate(slots=1, queue=2)
        attempts = [gate.verify("right" if i == 0 else "wrong", stored) for i in range(5)]
        return await asyncio.gather(*attempts, return_exceptions=True)

    results = asyncio.run(scenario())
    assert results[:3] == [True, False, False]
    assert all(isinstance(r, LoginBusy) for r in results[3:])
    assert results[3].params == {"retry_after_seconds": 1}  # type: ignore[union-attr]
    assert (tracked.calls, tracked.most) == (3, 1)


@pytest.mark.slow
def test_bogus_logins_in_parallel_do_not_slow_other_requests(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's probe: 40 bogus logins at once while other requests come in."""
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    monkeypatch.setenv("COBRO_LOGIN_HASH_SLOTS", "1")
    monkeypatch.setenv("COBRO_LOGIN_QUEUE", "8")
    monkeypatch.setenv("COBRO_LOGIN_FREE_ATTEMPTS_ADDRESS", "100")
    get_settings.cache_clear()
    tracked = Tracked()
    monkeypatch.setattr(hashing, "verify_password", tracked)
    try:
        with serve(create_app()) as base, httpx.Client(base_url=base, timeout=60) as http:
            http.get("/healthz")  # warm up
            done = threading.Event()
            latencies: list[float] = []

            def probe() -> None:
                while not done.is_set():
                    started = time.monotonic()
                    assert http.get("/healthz").status_code == 200
                    latencies.append(time.monotonic() - started)
                    time.sleep(0.05)

            def bogus(i: int) -> httpx.Response:
                return http.post(
                    "/api/v1/auth/token",
                    data={"username": f"nobody{i}@test.cobro", "password": "guess"},
                )

            watcher = threading.Thread(target=probe)
            watcher.start()
            with ThreadPoolExecutor(40) as pool:
                answers = list(pool.map(bogus, range(40)))
            done.set()
            watcher.join()
    finally:
        get_settings.cache_clear()
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {401, 503} and statuses.count(401) >= 9
    busy = [a for a in answers if a.status_code == 503]
    assert busy and {a.json()["code"] for a in busy} == {"login_busy"}
    assert {a.headers["Retry-After"] for a in busy} == {"1"}
    assert tracked.most == 1 and tracked.calls == statuses.count(401)
    assert latencies and max(latencies) < 1.5, f"slowest other request: {max(latencies):.2f} s"
