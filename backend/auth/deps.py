"""Annotated dependencies that keep endpoints short: the session, the caller, their language.

The cheap ones are ``async``: FastAPI runs a synchronous dependency on a worker thread, and
each hop to a thread costs more than these checks themselves."""

from __future__ import annotations

import uuid
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from backend.auth import keys
from backend.auth.errors import ReadOnly
from backend.core.actors import Actor
from backend.core.config import get_settings
from backend.core.db import get_session
from backend.core.errors import Forbidden, NotAuthenticated
from backend.core.security import decode_access_token
from backend.users import principals
from backend.users import service as users
from backend.users.models import User
from shared.i18n import normalize_language
from shared.schemas.enums import CREDITOR_ROLES, Role

# The endpoint's unit of work (backend.core.routing) commits before the response is sent, so a
# failed commit answers an error (a webhook provider then retries) instead of a 2xx for lost work.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def current_principal(
    session: SessionDep, token: Annotated[str | None, Depends(_bearer)]
) -> User:
    """Whoever the bearer token names: a person or a service identity (the bots).

    Runs on the event loop: a token seen within the last few seconds is answered from
    ``backend.users.principals`` (no JWT decode, no query; see there for how quickly a
    deactivation or a revocation takes effect); otherwise the user is read on a worker
    thread."""
    if not token:
        raise NotAuthenticated()
    ttl = get_settings().principal_cache_seconds
    if ttl > 0 and (cached := principals.lookup(token, ttl)) is not None:
        return cached
    return await run_in_threadpool(_load_principal, session, token, ttl)


def _load_principal(session: Session, token: str, ttl: float) -> User:
    if keys.is_key(token):
        return _load_key(session, token, ttl)
    try:
        claims = decode_access_token(token)
        user_id = uuid.UUID(claims["sub"])
        expires_at = float(claims["exp"])
        version = int(claims["ver"])
    except (jwt.PyJWTError, ValueError, KeyError, TypeError):
        raise NotAuthenticated("error.token_invalid") from None
    generation = principals.generation()
    user = session.get(User, user_id)
    # End the read here, on this dependency's thread: the endpoint's own unit of work begins
    # on its thread (as a write where it writes), and no connection waits between the two.
    session.commit()
    # A token issued before the user's last password change, deactivation or role change (or
    # before their credential was rotated) carries an older version: refused.
    if not users.usable(user) or user.token_version != version:
        raise NotAuthenticated("error.token_invalid")
    if ttl > 0:
        principals.store(token, user, expires_at, generation)
    return user


def _load_key(session: Session, key: str, ttl: float) -> User:
    """A machine client's API key (``backend.auth.keys``): the user it acts as."""
    generation = principals.generation()
    found = keys.principal_of(session, key)
    session.commit()  # as above: no connection held between this thread and the endpoint's
    if found is None:
        raise NotAuthenticated("error.token_invalid")
    user, until = found
    if ttl > 0:
        principals.store(key, user, until, generation)
    return user


Principal = Annotated[User, Depends(current_principal)]


# Methods that change nothing: what a creditor's user without the write grant may send.
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


async def current_user(principal: Principal, request: Request) -> User:
    """A person (admin, supervisor, agent, or a creditor's user). Service identities such as
    the bots reach only the endpoints written for them (``require_roles(Role.bot)``).

    A creditor's users only read unless granted writes: refused here, once for every endpoint
    open to any person, whatever it changes. (Their admin's management of their users goes
    through ``require_roles``, not through this.)"""
    if principal.role == Role.bot:
        raise Forbidden()
    writes = request.method not in _READS
    if writes and principal.role in CREDITOR_ROLES and not principal.can_write:
        raise ReadOnly()
    return principal


CurrentUser = Annotated[User, Depends(current_user)]


def require_roles(*roles: Role):
    async def check(user: Principal) -> User:
        if user.role not in roles:
            raise Forbidden()
        return user

    return Depends(check)


Staff = Annotated[User, require_roles(Role.admin, Role.supervisor)]
Admin = Annotated[User, require_roles(Role.admin)]
# Who manages users: the agency's admins (anyone), a creditor's admin (their creditor's users).
UserAdmin = Annotated[User, require_roles(Role.admin, Role.creditor_admin)]
Bot = Annotated[User, require_roles(Role.bot)]


async def language(request: Request) -> str:
    return normalize_language(request.headers.get("accept-language"))


Lang = Annotated[str, Depends(language)]


def actor_of(user: User) -> Actor:
    return Actor("user", user.id)
