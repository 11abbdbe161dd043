from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from backend.auth import keys, service, sessions
from backend.auth.deps import Admin, SessionDep, actor_of
from backend.auth.guards import KnownApiKey
from backend.conversations import service as conversations
from backend.core.pagination import PageParams, next_cursor, page_params
from backend.core.routing import DomainRouter
from shared.schemas.auth import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    BotTokenRequest,
    RefreshRequest,
    Token,
)
from shared.schemas.common import ErrorBody, Page

router = DomainRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/token",
    response_model=Token,
    responses={429: {"model": ErrorBody}, 503: {"model": ErrorBody}},
)
async def login(
    request: Request, session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> Token:
    """OAuth2 password flow: ``username`` is the email. Answers a short-lived bearer JWT and a
    refresh token. Repeated failures for an account or from an address are slowed down: 429
    ``too_many_attempts`` with ``Retry-After`` (the password is then not checked at all)."""
    address = request.client.host if request.client else None
    return await service.login(session, form.username, form.password, address)


@router.post("/refresh", response_model=Token)
def refresh(session: SessionDep, body: RefreshRequest) -> Token:
    """A new access token and refresh token for a refresh token, which is spent: presenting
    it again later ends the session (401 ``session_expired``), as does a password change."""
    return sessions.refresh(session, body.refresh_token)


@router.post("/logout", status_code=204)
def logout(session: SessionDep, body: RefreshRequest) -> Response:
    """End the session of this refresh token (its access token expires on its own)."""
    sessions.logout(session, body.refresh_token)
    return Response(status_code=204)


@router.post("/bot-token", response_model=Token)
def bot_token(session: SessionDep, admin: Admin, body: BotTokenRequest) -> Token:
    """A credential for bots running in their own process (``COBRO_BOT_TOKEN``); with
    ``rotate`` every earlier one stops working at once (admins)."""
    secret = conversations.bot_credential(session, actor_of(admin), body.days, rotate=body.rotate)
    return Token(access_token=secret, expires_in=body.days * 24 * 3600)


@router.post("/api-keys", response_model=ApiKeyCreated, status_code=201)
def create_api_key(session: SessionDep, admin: Admin, body: ApiKeyCreate) -> object:
    """A key for a machine client, acting as ``user_id`` (its role and scope); the answer is
    the only time the key is shown (admins)."""
    return keys.create(session, actor_of(admin), body)


@router.get("/api-keys", response_model=Page[ApiKeyRead])
def list_api_keys(
    session: SessionDep, _: Admin, paging: Annotated[PageParams, Depends(page_params)]
) -> object:
    rows = keys.page(session, paging.cursor, paging.limit)
    return Page(items=rows[: paging.limit], next_cursor=next_cursor(rows, paging.limit))


@router.delete("/api-keys/{key_id}", response_model=ApiKeyRead)
def revoke_api_key(session: SessionDep, admin: Admin, key: KnownApiKey) -> object:
    """The key stops working at once (admins)."""
    return keys.revoke(session, actor_of(admin), key)
