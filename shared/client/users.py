"""Authentication and users."""

from __future__ import annotations

import uuid

from shared.client.http import V1, HttpClient
from shared.schemas.auth import Token, UserCreate, UserRead, UserUpdate
from shared.schemas.common import Page
from shared.schemas.enums import Role


class UsersApi(HttpClient):
    async def login(self, email: str, password: str) -> Token:
        """OAuth2 password login; the token is kept for the next requests and returned (with
        its lifetime in ``expires_in`` seconds) so a client may store it. Wrong credentials
        raise ``AuthError`` with code ``invalid_credentials``."""
        token = await self._request(
            "POST",
            f"{V1}/auth/token",
            data={"username": email, "password": password},
            model=Token,
        )
        self._token = token.access_token
        return token

    def logout(self) -> None:
        """Forget the token (the API keeps no session; the token expires on its own)."""
        self._token = None

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
