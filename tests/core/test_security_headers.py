"""Security headers: every HTML page gets a policy, framing and referrer rules and no-store;
API answers carrying personal data are not cached."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from backend.core.headers import STRICT_POLICY, SecurityHeaders
from tests import builders as b
from tests.payments.test_builtin_and_field import _field, _link, _token
from tests.plans.helpers import lima, team


def _inline_hashes(html: str, tag: str) -> list[str]:
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.DOTALL)
    ]


def _assert_page_headers(page: httpx.Response) -> dict[str, str]:
    assert page.status_code == 200
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    directives = dict(
        part.strip().split(" ", 1) for part in page.headers["Content-Security-Policy"].split(";")
    )
    assert directives["default-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    return directives


def test_the_payment_page_allows_exactly_its_own_style(
    client: TestClient, session: Session, builtin_provider
) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent)
    page = client.get(f"/pay/{_token(_link(client, agent, account).json())}")
    directives = _assert_page_headers(page)
    assert directives["style-src"].split() == _inline_hashes(page.text, "style")
    assert "onclick" not in page.text and "<script" not in page.text
    # The sandbox form posts to this server; the payment link's token leaks to no one.
    assert directives["form-action"] == "'self'"


def test_the_receipt_allows_exactly_its_style_and_print_script(
    client: TestClient, session: Session
) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=50_000)
    code = _field(client, agent, account).json()["verification_code"]
    page = client.get(f"/receipts/{code}")
    directives = _assert_page_headers(page)
    assert directives["style-src"].split() == _inline_hashes(page.text, "style")
    assert directives["script-src"].split() == _inline_hashes(page.text, "script")
    assert "onclick" not in page.text  # inline handlers would need 'unsafe-hashes'


def test_api_answers_are_not_cached(client: TestClient, session: Session) -> None:
    user = b.user(session)
    me = client.get("/api/v1/users/me", headers=b.headers(user))
    assert me.headers["Cache-Control"] == "no-store"
    assert me.headers["X-Content-Type-Options"] == "nosniff"
    refused = client.get("/api/v1/users/me")
    assert refused.status_code == 401 and refused.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" not in me.headers  # JSON is not a page


def test_the_docs_get_their_own_policy(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.headers["X-Frame-Options"] == "DENY"
    policy = docs.headers["Content-Security-Policy"]
    assert "https://cdn.jsdelivr.net" in policy and "frame-ancestors 'none'" in policy
    assert client.get("/redoc").headers["Content-Security-Policy"] == policy


def test_the_field_app_shell_gets_the_policy_flutter_needs(client: TestClient) -> None:
    shell = client.get("/app/")
    assert shell.status_code == 200 and shell.headers["Cache-Control"] == "no-store"
    policy = shell.headers["Content-Security-Policy"]
    assert "'wasm-unsafe-eval'" in policy and "frame-ancestors 'none'" in policy
    assert "https://tile.openstreetmap.org" in policy  # the map tiles
    assert policy != STRICT_POLICY


def test_any_other_page_gets_the_strictest_policy() -> None:
    page = Starlette(routes=[Route("/page", lambda _: HTMLResponse("<p>hola</p>"))])
    page.add_middleware(SecurityHeaders)
    with TestClient(page) as client:
        answer = client.get("/page")
    assert answer.headers["Content-Security-Policy"] == STRICT_POLICY
    assert answer.headers["Cache-Control"] == "no-store"
