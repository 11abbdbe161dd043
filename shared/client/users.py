"""Authentication and users."""

from __future__ import annotations

import contextlib
import uuid

from shared.client.errors import ApiError, ApiUnavailable
from shared.client.http import V1, HttpClient
from shared.schemas.auth import RefreshRequest, Token, UserCreate, UserRead, UserUpdate
from shared.schemas.common import Page
from shared.schemas.enums import Role


class UsersApi(HttpClient):
    async def login(self, email: str, password: str) -> Token:
        """OAuth2 password login; the tokens are kept for the next requests (the access token
        is renewed with the refresh token when it expires) and returned so a client may store
        them. Wrong credentials raise ``AuthError`` with code ``invalid_credentials``; too many
        failures ``ApiError`` 429 ``too_many_attempts`` (``details.retry_after_seconds``)."""
        token = await self._request(
            "POST",
            f"{V1}/auth/token",
            data={"username": email, "password": password},
            model=Token,
        )
        self._use(token)
        return token

    async def logout(self) -> None:
        """End the session: the API revokes the refresh token (when it can be reached) and the
        client forgets both tokens (the access token expires on its own within minutes)."""
        refresh_token, self._token, self._refresh_token = self._refresh_token, None, None
        # Offline or already ended: the tokens are gone from here all the same.
        if refresh_token is not None:
            with contextlib.suppress(ApiError, ApiUnavailable):
                await self._request(
                    "POST",
                    f"{V1}/auth/logout",
                    json=RefreshRequest(refresh_token=refresh_token),
                    model=type(None),
                )

    async def me(self) -> UserRead:
        """The logged-in user."""
        return await self._request("GET", f"{V1}/users/me", model=UserRead)

    async def list_users(
        self,
        *,
        role: Role | None = None,
        supervisor_id: uuid.UUID | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[UserRead]:
        """Users (staff only; a supervisor always gets their own team)."""
        params = {"role": role, "supervisor_id": supervisor_id, "cursor": cursor, "limit": limit}
        return await self._request("GET", f"{V1}/users", params=params, model=Page[UserRead])

    async def create_user(self, data: UserCreate) -> UserRead:
        """Create a user (admins)."""
        return await self._request("POST", f"{V1}/users", json=data, model=UserRead)

    async def get_user(self, user_id: uuid.UUID) -> UserRead:
        """One user (staff)."""
        return await self._request("GET", f"{V1}/users/{user_id}", model=UserRead)

    async def update_user(self, user_id: uuid.UUID, changes: UserUpdate) -> UserRead:
        """Change the fields set in ``changes`` (admins)."""
        return await self._request("PATCH", f"{V1}/users/{user_id}", json=changes, model=UserRead)
