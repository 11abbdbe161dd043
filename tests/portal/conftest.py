"""The portal as a browser reaches it: ``backend.main``'s app (the API with the portal mounted
at ``/portal``), its pages calling the API in-process through the bot client, inside each
test's transaction. Rosa owes S/ 1,200.00; another debtor owes on the same portfolio."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.accounts.models import Account
from backend.core.security import create_access_token
from backend.debtors.models import Debtor
from backend.users.models import User
from bots.portal.app import LazyApi
from shared.client.bot import BotApi
from shared.schemas.enums import Role
from tests import builders as b
from tests.plans.helpers import lima, team

PHONE = "+51987654321"
ID_NUMBER = "45678912"
BORN = date(1985, 3, 15)


@dataclass
class Seeded:
    agent: User
    debtor: Debtor
    account: Account
    other: Account


@pytest.fixture
def seeded(session: Session) -> Seeded:
    _, agent = team(session)
    portfolio = lima(session, max_negotiations=20)
    debtor = b.debtor(session, portfolio, phone=PHONE, id_number=ID_NUMBER, birth_date=BORN)
    account = b.account(session, portfolio, agent=agent, owner=debtor, principal=120_000)
    other = b.account(session, portfolio, agent=agent, principal=50_000)
    return Seeded(agent, debtor, account, other)


def portal_api(app: FastAPI) -> LazyApi:
    mounted = next(r for r in app.routes if getattr(r, "path", None) == "/portal")
    return mounted.app.state.portal_api  # type: ignore[attr-defined]


@pytest.fixture
def browser(app: FastAPI, session: Session, seeded: Seeded) -> Iterator[TestClient]:
    """A browser on the portal; the portal's client carries a bot token of this database."""
    bot = b.user(session, Role.bot)
    token = create_access_token(bot.id, Role.bot.value, version=bot.token_version)
    lazy = portal_api(app)
    lazy.use(BotApi.connect("http://cobro.test", token=token, transport=httpx.ASGITransport(app)))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    asyncio.run(lazy.aclose())


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def nonce(html: str) -> str:
    found = re.search(r'name="nonce" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def login(browser: TestClient, last4: str = PHONE[-4:]) -> httpx.Response:
    page = browser.get("/portal/")
    return browser.post(
        "/portal/verify",
        data={"csrf": csrf(page.text), "id_number": ID_NUMBER, "phone_last4": last4},
        follow_redirects=False,
    )
