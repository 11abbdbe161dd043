"""Cursors: every paginated endpoint of the OpenAPI answers a malformed cursor with 422
``invalid_cursor``, never a server error (``backend.core.pagination`` reads every cursor).

The endpoints are found in ``app.openapi()`` (every operation with a ``cursor`` parameter), so a
new list is fuzzed as soon as it exists; a path id it names must be one ``PATH_IDS`` can fill.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from backend.core.clock import utcnow
from backend.integrations.models import WebhookEndpoint
from backend.statements.models import BankStatement
from tests import builders as b
from tests.api.conftest import World

# Cursors no list accepts: the one of the issue (U+00B9, a digit to ``str.isdigit`` that
# ``int`` refuses), other non-ASCII digits, numbers and UUIDs in forms ``int`` and ``uuid.UUID``
# accept but the API never writes, injections, and one too long.
MALFORMED = [
    "\u00b9",
    "12\u00b9",
    "\u0663",  # ARABIC-INDIC DIGIT THREE
    "\uff11\uff12",  # FULLWIDTH ONE TWO
    "1_000",
    "+1",
    " 1",
    "1 ",
    "-1",
    "0x10",
    "1e3",
    "{" + str(uuid.UUID(int=7)) + "}",
    "urn:uuid:" + str(uuid.UUID(int=7)),
    uuid.UUID(int=7).hex,
    str(uuid.UUID(int=7)).replace("0", "\uff10"),
    "' OR 1=1 --",
    "\x00",
    "%",
    "9" * 13,
    "x" * 65,
    str(uuid.UUID(int=7)) + "0",
]
_KEY = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_NUMBER = re.compile(r"[0-9]{1,12}")


def _paginated() -> list[str]:
    from backend.main import app

    found = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            if "cursor" in names:
                assert method == "get", path
                found.append(path)
    return found


PAGINATED = _paginated()
PATH_IDS: dict[str, Callable[[Session, World], Any]] = {
    "account_id": lambda session, world: world.account_a.id,
    "statement_id": lambda session, world: _statement(session, world).id,
    "creditor_id": lambda session, world: world.portfolio.creditor_id,
    "debtor_id": lambda session, world: world.debtor_a.id,
    "endpoint_id": lambda session, world: _webhook_endpoint(session, world).id,
}


def _webhook_endpoint(session: Session, world: World) -> WebhookEndpoint:
    row = WebhookEndpoint(
        creditor_id=world.portfolio.creditor_id,
        url="https://bank.example/hooks",
        events=["payment.received"],
        collected_until=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def _statement(session: Session, world: World) -> BankStatement:
    row = BankStatement(
        portfolio_id=world.portfolio.id, filename="s.csv", sha256="0" * 64, currency="PEN"
    )
    session.add(row)
    session.flush()
    return row


def _url(session: Session, world: World, path: str) -> str:
    for name in re.findall(r"{(\w+)}", path):
        path = path.replace(f"{{{name}}}", str(PATH_IDS[name](session, world)))
    return path


def test_the_paginated_endpoints_are_found() -> None:
    assert len(PAGINATED) >= 15
    assert "/api/v1/statements/{statement_id}" in PAGINATED


@pytest.mark.parametrize("path", PAGINATED)
def test_every_malformed_cursor_is_422_invalid_cursor(
    client: TestClient, session: Session, world: World, path: str
) -> None:
    url = _url(session, world, path)
    headers = b.headers(world.admin)
    assert client.get(url, headers=headers).status_code == 200
    for cursor in MALFORMED:
        answer = client.get(url, params={"cursor": cursor}, headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (422, "invalid_cursor"), cursor
        assert answer.json()["message"] == "The pagination cursor is not valid."


@pytest.mark.parametrize("path", PAGINATED)
def test_any_cursor_answers_a_page_or_invalid_cursor(
    client: TestClient, session: Session, world: World, path: str
) -> None:
    """Arbitrary text: a well-formed key or number may name a page (or be out of range), every
    other cursor is ``invalid_cursor``; nothing is a server error."""
    url = _url(session, world, path)
    headers = b.headers(world.admin)

    @settings(
        max_examples=40,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.text(min_size=1, max_size=80))
    def probe(cursor: str) -> None:
        answer = client.get(url, params={"cursor": cursor}, headers=headers)
        well_formed = _KEY.fullmatch(cursor) or _NUMBER.fullmatch(cursor)
        if well_formed:
            assert answer.status_code in (200, 422), cursor
        else:
            assert (answer.status_code, answer.json()["code"]) == (422, "invalid_cursor"), cursor

    probe()


def test_the_field_sync_cursor_is_checked_alike(client: TestClient, world: World) -> None:
    for cursor in ["\u00b9", "not-a-cursor", "djF8eA", "x" * 200]:
        answer = client.post(
            "/api/v1/field/sync",
            json={"device_id": "d", "cursor": cursor, "actions": []},
            headers=b.headers(world.agent_a),
        )
        assert (answer.status_code, answer.json()["code"]) == (422, "invalid_cursor"), cursor
