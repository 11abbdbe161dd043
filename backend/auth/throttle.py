"""Login throttling, per account and per client address, shared by every API process through
the database (the ``login_throttles`` table; no Redis needed).

* Every attempt is counted as a failure *before* the password is checked (its row is locked
  while counted, so concurrent attempts are counted one by one); a success takes its count
  back. So a burst of parallel guesses cannot all slip past the limit while the first ones are
  still being hashed.
* The first ``COBRO_LOGIN_FREE_ATTEMPTS_ACCOUNT`` failures of an account (``..._ADDRESS`` of an
  address) cost nothing; from then on each failure blocks the next attempt for a delay that
  doubles, 1 s, 2 s, 4 s, ... up to ``COBRO_LOGIN_MAX_DELAY_SECONDS`` (15 minutes): a lockout
  that grows with the guessing.
* An attempt while blocked answers 429 ``too_many_attempts`` with ``Retry-After``, is not
  counted and does not reach the password hash (not even a right password).
* Failures older than ``COBRO_LOGIN_WINDOW_SECONDS`` are forgotten; a successful login clears
  its account's failures (not its address's: one good account must not launder guesses).
* Accounts are throttled by the e-mail typed, existing or not, so throttling tells nothing
  about which accounts exist. Addresses are the client's IP (behind a reverse proxy, set
  uvicorn's ``FORWARDED_ALLOW_IPS`` to it); an IPv6 client counts as its /64 network.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from backend.auth import repository
from backend.auth.errors import TooManyAttempts
from backend.auth.models import LoginThrottle
from backend.core.clock import utcnow
from backend.core.config import get_settings


@dataclass(frozen=True, slots=True)
class Reservation:
    """An attempt counted as a failure until :func:`succeeded` takes it back."""

    account_key: str
    address_key: str
    at: datetime


def account_key(email: str) -> str:
    return _digest(f"account:{email.strip().lower()}")


def address_key(host: str | None) -> str:
    try:
        ip = ipaddress.ip_address(host or "")
    except ValueError:
        return _digest(f"address:{host or 'unknown'}")
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return _digest(f"address:{ip.ipv4_mapped}")
        return _digest(f"address:{ipaddress.ip_network(f'{ip}/64', strict=False)}")
    return _digest(f"address:{ip}")


def portal_address_key(host: str | None) -> str:
    """The key of a client address at the portal's ID form (counted apart from logins)."""
    return _digest(f"portal:{address_key(host)}")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def delay(failures: int, free: int) -> timedelta:
    """How long an attempt after ``failures`` failures must wait (0 within the free ones)."""
    if failures < free:
        return timedelta(0)
    seconds = min(get_settings().login_max_delay_seconds, 2 ** min(failures - free, 30))
    return timedelta(seconds=seconds)


def reserve(session: Session, email: str, address: str | None) -> Reservation:
    """Count one attempt for the account and the address, or raise ``TooManyAttempts``."""
    settings = get_settings()
    now = utcnow()
    free = {
        account_key(email): settings.login_free_attempts_account,
        address_key(address): settings.login_free_attempts_address,
    }
    count(session, free, now)
    return Reservation(account_key(email), address_key(address), now)


def count(session: Session, free: dict[str, int], now: datetime) -> None:
    """Count one attempt against each key (``free``: its attempts before delays start), or
    raise ``TooManyAttempts`` (nothing counted) while any of them is blocked. Other throttled
    doors reuse this with keys of their own (the portal's ID form: ``portal_address_key``)."""
    rows = repository.locked_throttles(session, sorted(free), now)
    waits = [row.blocked_until - now for row in rows if _blocked(row, now)]
    if waits:
        raise TooManyAttempts(retry_after_seconds=max(1, math.ceil(max(waits).total_seconds())))
    window = timedelta(seconds=get_settings().login_window_seconds)
    for row in rows:
        if now - row.last_failure_at > window:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        wait = delay(row.failures, free[row.key])
        row.blocked_until = now + wait if wait else None
        session.add(row)
    session.flush()


def give_back(session: Session, key: str, free: int, at: datetime) -> None:
    """A counted attempt (at ``at``) succeeded: the key gets that count back."""
    (row,) = repository.locked_throttles(session, [key], at)
    row.failures = max(0, row.failures - 1)
    wait = delay(row.failures, free)
    unblocked_at = at + wait if wait else None
    if row.blocked_until is not None and (unblocked_at is None or unblocked_at < row.blocked_until):
        row.blocked_until = unblocked_at
    session.add(row)
    session.flush()


def succeeded(session: Session, reservation: Reservation) -> None:
    """The password was right: the account starts afresh, the address gets its count back."""
    repository.forget_throttle(session, reservation.account_key)
    free = get_settings().login_free_attempts_address
    give_back(session, reservation.address_key, free, reservation.at)


def _blocked(row: LoginThrottle, now: datetime) -> bool:
    return row.blocked_until is not None and row.blocked_until > now
