from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordRequestForm

from backend.auth.deps import SessionDep
from backend.core.config import get_settings
from backend.core.routing import DomainRouter
from backend.core.security import create_access_token
from backend.users import service as users
from shared.schemas.auth import Token

router = DomainRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=Token)
def login(session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    """OAuth2 password flow: ``username`` is the email. Answers a bearer JWT with an expiry."""
    user = users.authenticate(session, form.username, form.password)
    minutes = get_settings().token_minutes
    return Token(
        access_token=create_access_token(user.id, user.role.value, minutes),
        expires_in=minutes * 60,
    )
