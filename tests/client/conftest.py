"""The client against the real app in-process, inside each test's transaction."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from backend.core.security import create_access_token
from backend.users.models import User
from shared.client import CobroClient

BASE_URL = "http://cobro.test"


class Recorder(httpx.AsyncBaseTransport):
    """Passes requests on to another transport and keeps them, to count and inspect them."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)


ClientFactory = Callable[..., CobroClient]


def token_of(user: User) -> str:
    """A token as a device would have stored it after logging in."""
    return create_access_token(user.id, user.role.value, version=user.token_version)


@pytest.fixture
def recorder(app) -> Recorder:
    return Recorder(httpx.ASGITransport(app=app))


@pytest.fixture
def connect(recorder: Recorder) -> ClientFactory:
    """``connect(language=..., token=...)``: a client of the app; use it as ``async with``."""

    def factory(*, language: str = "es", token: str | None = None) -> CobroClient:
        return CobroClient(BASE_URL, transport=recorder, language=language, token=token)

    return factory
