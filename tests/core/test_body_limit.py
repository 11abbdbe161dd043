"""Request bodies are limited while they stream in, before parsing and authentication."""

from __future__ import annotations

import asyncio
import re
import select
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session
from starlette.types import Message

from backend.app import LARGE_BODIES, create_app
from backend.core.config import get_settings
from shared.schemas.enums import Role
from tests import builders as b
from tests.live import serve

MIB = 1024 * 1024
ACCOUNTS = "/api/v1/accounts"


def test_an_oversized_body_is_refused_before_authentication(client: TestClient) -> None:
    body = b'{"external_ref": "' + b"x" * (2 * MIB) + b'"}'
    response = client.post(ACCOUNTS, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413  # not 401: the body limit comes first
    assert response.json()["code"] == "payload_too_large"
    assert response.json()["details"] == {"limit": get_settings().max_body_bytes}
    assert response.headers["Connection"] == "close"


def test_a_chunked_body_is_cut_at_the_limit(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"external_ref": "'
        for _ in range(40):
            yield b"x" * 64 * 1024
        yield b'"}'

    response = client.post(ACCOUNTS, content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"


def test_a_body_within_the_limit_reaches_the_endpoint(client: TestClient) -> None:
    response = client.post(ACCOUNTS, json={"external_ref": "x" * 1000})
    assert response.status_code == 401


async def _drive(app, headers: list[tuple[bytes, bytes]], chunk: bytes) -> tuple[int, int]:
    """POST a long body to ``app``; the status answered and the bytes it pulled."""
    pulled = 0
    sent: list[Message] = []

    async def receive() -> Message:  # 8 MiB, as far as the app cares to read
        nonlocal pulled
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": pulled < 8 * MIB}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": ACCOUNTS,
        "raw_path": ACCOUNTS.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("cobro.test", 80),
        "state": {},
    }
    await app(scope, receive, send)
    return sent[0]["status"], pulled


def test_the_app_pulls_no_more_than_the_limit_of_a_long_body(app) -> None:
    chunk = b"x" * 64 * 1024
    status, pulled = asyncio.run(_drive(app, [], chunk))
    assert status == 413
    assert pulled <= get_settings().max_body_bytes + len(chunk)


def test_a_declared_length_over_the_limit_is_refused_without_reading(app) -> None:
    status, pulled = asyncio.run(_drive(app, [(b"content-length", b"209715200")], b"x"))
    assert (status, pulled) == (413, 0)


@pytest.mark.parametrize(("method", "path"), sorted(LARGE_BODIES))
def test_the_routes_allowed_larger_bodies_exist_and_get_them(app, method: str, path: str) -> None:
    """A body declared at twice the default limit reaches each of these routes (here refused
    for want of a token), which proves the route exists at that path."""
    declared = 2 * get_settings().max_body_bytes
    assert LARGE_BODIES[(method, path)]() > declared
    filled = path.format(
        channel="whatsapp", user_id="51987654321", account_id="01a25075-b930-7cec-9908-0bf91c25f1e5"
    )
    status = asyncio.run(_drive_path(app, method, filled, declared))
    assert status == (403 if path.startswith("/portal/") else 401)  # the portal's: no CSRF token


async def _drive_path(app, method: str, path: str, declared: int) -> int:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"portfolio_id=01a25075-b930-7cec-9908-0bf91c25f1e5",
        "headers": [
            (b"content-type", b"multipart/form-data; boundary=x"),
            (b"content-length", str(declared).encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("cobro.test", 80),
        "state": {},
    }
    await app(scope, receive, send)
    return sent[0]["status"]


def test_a_large_import_is_still_accepted(session: Session, client: TestClient) -> None:
    admin = b.user(session, Role.admin)
    portfolio = b.portfolio(session)
    content = b"external_ref;document\n" + b"# padding\n" * (150 * 1024)  # 1.5 MiB
    response = client.post(
        f"/api/v1/imports?portfolio_id={portfolio.id}",
        files={"file": ("cartera.csv", content)},
        headers=b.headers(admin),
    )
    assert response.status_code != 413, response.text


def _rss() -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024  # type: ignore[union-attr]


def _push(port: int, total: int) -> tuple[bytes, int]:
    """Send a chunked JSON body of ``total`` bytes, without credentials, until the server
    answers; the status line and how much was sent."""
    chunk = b"x" * 256 * 1024
    framed = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(
            b"POST /api/v1/accounts HTTP/1.1\r\nHost: cobro\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        sent = 0
        while sent < total:
            if select.select([sock], [], [], 0)[0]:
                break  # the server answered
            try:
                sock.sendall(framed)
            except OSError:  # it answered and closed meanwhile
                break
            sent += len(chunk)
        answer = b""
        while b"\r\n" not in answer:
            try:
                data = sock.recv(4096)
            except ConnectionResetError:
                break
            if not data:
                break
            answer += data
        return answer.split(b"\r\n", 1)[0], sent


@pytest.mark.slow
def test_five_parallel_200_mb_bodies_leave_the_memory_flat() -> None:
    """The issue's probe against a real server: five unauthenticated 200 MB bodies at once."""
    with serve(create_app()) as base:
        port = int(base.rsplit(":", 1)[1])
        before = _rss()
        results: list[tuple[bytes, int]] = []
        threads = [
            threading.Thread(target=lambda: results.append(_push(port, 200 * MIB)))
            for _ in range(5)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        grown = _rss() - before
    assert [status_line for status_line, _ in results] == [
        b"HTTP/1.1 413 Request Entity Too Large"
    ] * 5
    assert max(sent for _, sent in results) < 16 * MIB  # the limit, plus what sockets buffer
    assert grown < 50 * MIB, f"the server grew by {grown / MIB:.0f} MiB"
