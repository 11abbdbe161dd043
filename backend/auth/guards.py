"""The API key a path names (``/auth/api-keys/{key_id}``), loaded in the endpoint's unit of
work; 404 when missing. Only admins reach these routes (the endpoint's role)."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.auth import keys
from backend.auth.models import ApiKey
from backend.core.guards import guard


def _api_key(session: Session, key_id: uuid.UUID) -> ApiKey:
    return keys.get(session, key_id)


KnownApiKey = Annotated[ApiKey, guard(_api_key)]
