"""Login throttling per account and per address: growing delays, refused before hashing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from backend.auth import throttle
from backend.auth.errors import TooManyAttempts
from backend.core.clock import pinned, utcnow
from backend.core.db import session_scope
from shared.schemas.enums import Role
from tests import builders as b
from tests.auth.conftest import PASSWORD, Login


def test_200_wrong_passwords_then_the_right_one(
    session: Session, login: Login, checks: list[str]
) -> None:
    user = b.user(session, Role.agent)
    start = utcnow()
    with pinned(start):
        answers = [login(user.email, f"guess-{i}") for i in range(200)]
        right = login(user.email, PASSWORD)
    assert [a.status_code for a in answers[:5]] == [401] * 5
    assert {a.status_code for a in answers[5:]} == {429}
    refused = answers[5].json()
    assert refused["code"] == "too_many_attempts"
    assert (
        answers[5].headers["Retry-After"] == "1" == str(refused["details"]["retry_after_seconds"])
    )
    # Refused before the password hash: not even the right password was checked.
    assert right.status_code == 429 and len(checks) == 5
    with pinned(start + timedelta(seconds=1)):
        assert login(user.email, PASSWORD).status_code == 200
        assert login(user.email, "guess-again").status_code == 401  # the account starts afresh


def test_each_failure_past_the_free_ones_doubles_the_wait(session: Session, login: Login) -> None:
    user = b.user(session, Role.agent)
    now = utcnow()
    waits = []
    with pinned(now):
        for i in range(5):
            assert login(user.email, f"guess-{i}").status_code == 401
    for i in range(5):
        with pinned(now):
            blocked = login(user.email, "one more")
            assert blocked.status_code == 429
            wait = int(blocked.headers["Retry-After"])
            waits.append(wait)
        now += timedelta(seconds=wait)
        with pinned(now):
            assert login(user.email, f"late-{i}").status_code == 401
    assert waits == [1, 2, 4, 8, 16]


def test_the_longest_wait_is_capped_and_old_failures_are_forgotten(
    session: Session, login: Login, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = b.user(session, Role.agent)
    settings = throttle.get_settings()
    monkeypatch.setattr(settings, "login_max_delay_seconds", 3)
    now = utcnow()
    for i in range(9):
        with pinned(now):
            assert login(user.email, f"guess-{i}").status_code == 401
        now += timedelta(seconds=3)
    with pinned(now - timedelta(seconds=1)):
        assert login(user.email, "x").headers["Retry-After"] == "1"  # 2 ** 4 capped at 3
    # An hour without failures: counting starts again (five free failures).
    later = now + timedelta(seconds=settings.login_window_seconds + 1)
    with pinned(later):
        assert [login(user.email, f"new-{i}").status_code for i in range(6)] == [401] * 5 + [429]


def test_unknown_accounts_are_throttled_alike(login: Login, checks: list[str]) -> None:
    """Throttling says nothing about which e-mails exist (and an unknown one is hashed too)."""
    with pinned(utcnow()):
        answers = [login("nobody@test.cobro", f"guess-{i}") for i in range(7)]
    assert [a.status_code for a in answers] == [401] * 5 + [429] * 2
    assert {a.json()["code"] for a in answers[:5]} == {"invalid_credentials"}
    assert len(checks) == 5


def test_one_address_guessing_many_accounts_is_slowed_down(session: Session, login: Login) -> None:
    """Password spraying: one guess per account, many accounts, one address."""
    user = b.user(session, Role.agent)
    with pinned(utcnow()):
        statuses = [
            login(f"user{i}@test.cobro", "Verano2026", address="203.0.113.7").status_code
            for i in range(20)
        ]
        assert statuses == [401] * 20
        blocked = login(user.email, PASSWORD, address="203.0.113.7")
        assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "1"
        # The same account from another address is not blocked.
        assert login(user.email, PASSWORD, address="198.51.100.1").status_code == 200


def test_a_success_clears_the_account_but_not_the_address(session: Session, login: Login) -> None:
    owner = b.user(session, Role.agent)
    others = [b.user(session, Role.agent) for _ in range(19)]
    with pinned(utcnow()):
        for other in others:  # 19 failures from the address, one per account
            assert login(other.email, "guess", address="203.0.113.9").status_code == 401
        assert login(owner.email, PASSWORD, address="203.0.113.9").status_code == 200
        # The success took its own count back: one more failure is still free, then blocked.
        assert login(others[0].email, "guess", address="203.0.113.9").status_code == 401
        assert login(owner.email, PASSWORD, address="203.0.113.9").status_code == 429


def test_ipv6_clients_count_by_their_64_network() -> None:
    assert throttle.address_key("2001:db8:1:2::1") == throttle.address_key("2001:db8:1:2:ffff::9")
    assert throttle.address_key("2001:db8:1:2::1") != throttle.address_key("2001:db8:1:3::1")
    assert throttle.address_key("::ffff:192.0.2.1") == throttle.address_key("192.0.2.1")


def test_parallel_attempts_are_counted_one_by_one(committed_engine: Engine) -> None:
    """Forty attempts at once on one account, each in its own transaction and connection (as
    in separate API processes): exactly the free ones get to check a password."""
    barrier = threading.Barrier(40)
    now = utcnow()

    def attempt(i: int) -> bool:
        barrier.wait()
        try:
            with session_scope(committed_engine) as session:
                throttle.reserve(session, "target@test.cobro", f"192.0.2.{i}")
        except TooManyAttempts:
            return False
        return True

    with pinned(now), ThreadPoolExecutor(40) as pool:
        admitted = list(pool.map(attempt, range(40)))
    assert sum(admitted) == throttle.get_settings().login_free_attempts_account
