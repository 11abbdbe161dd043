"""Logins through the real endpoint, counting the password checks that actually ran."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from backend.auth import hashing
from backend.core.security import DUMMY_HASH

TOKEN_URL = "/api/v1/auth/token"
PASSWORD = "password123"  # the builders' password

Login = Callable[..., httpx.Response]


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The passwords whose hash was checked, in order. The check itself is a stand-in that
    knows the builders' password (argon2 costs ~0.4 s a check; ``test_hashing_gate`` runs the
    real one)."""
    seen: list[str] = []

    def check(password: str, password_hash: str) -> bool:
        seen.append(password)
        return password == PASSWORD and password_hash != DUMMY_HASH

    monkeypatch.setattr(hashing, "verify_password", check)
    return seen


@pytest.fixture
def login(app, checks: list[str]) -> Iterator[Login]:
    """``login(email, password, address="10.0.0.1")``: POST /auth/token from that client
    address."""
    clients: dict[str, TestClient] = {}

    def post(email: str, password: str, address: str = "10.0.0.1") -> httpx.Response:
        if address not in clients:
            clients[address] = TestClient(
                app, raise_server_exceptions=False, client=(address, 5000)
            )
        return clients[address].post(TOKEN_URL, data={"username": email, "password": password})

    yield post
    for opened in clients.values():
        opened.close()
