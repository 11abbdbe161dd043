"""Logging in: throttled, with the password check behind the hashing gate.

A login is three steps, so that nothing is held while the password hash is computed:

1. a unit of work counts the attempt (``throttle.reserve``: 429 before any hashing when the
   account or the address is blocked) and reads the user;
2. the password is checked on the event loop's hashing gate (``hashing``: a bounded number at
   once; 503 ``login_busy`` beyond the queue), with no connection or transaction open;
3. a second unit of work settles the attempt: a wrong password answers 401 (the failure is
   already counted), a right one clears the account's count and issues the session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session

from backend.auth import hashing, sessions, throttle
from backend.core.errors import InvalidCredentials
from backend.core.routing import run_unit
from backend.core.security import DUMMY_HASH
from backend.users import repository as users_repository
from backend.users import service as users
from backend.users.models import User
from shared.schemas.auth import Token


@dataclass(frozen=True, slots=True)
class _Attempt:
    reservation: throttle.Reservation
    user_id: uuid.UUID | None
    password_hash: str | None  # None: refused without checking (a demo login in production)


async def login(session: Session, email: str, password: str, address: str | None) -> Token:
    attempt = await run_unit(session, lambda: _begin(session, email, address))
    right = False
    if attempt.password_hash is not None:
        right = await hashing.gate().verify(password, attempt.password_hash)
    return await run_unit(session, lambda: _finish(session, attempt, right))


def _begin(session: Session, email: str, address: str | None) -> _Attempt:
    reservation = throttle.reserve(session, email, address)
    user = users_repository.by_email(session, email)
    if user is None:  # checked all the same, so an unknown e-mail takes as long
        return _Attempt(reservation, None, DUMMY_HASH)
    if user.is_demo and not users.usable(user):
        return _Attempt(reservation, user.id, None)
    return _Attempt(reservation, user.id, user.password_hash)


def _finish(session: Session, attempt: _Attempt, right: bool) -> Token:
    user = session.get(User, attempt.user_id) if right and attempt.user_id else None
    if not users.usable(user):
        raise InvalidCredentials()
    throttle.succeeded(session, attempt.reservation)
    return sessions.issue(session, user)
