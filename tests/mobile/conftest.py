"""The app's logic against the real API in-process: an agent with a small Lima day, a device
data directory per test, and a transport that can go offline or lose answers on demand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from backend.accounts.models import Account
from backend.debtors.models import DebtorAddress
from backend.users.models import User
from mobile.config import MobileConfig
from mobile.geo import FixedPositionProvider
from mobile.session import AppContext, UserSession
from mobile.vault import TokenVault
from mobile.viewmodels.login import LoginViewModel
from shared.client import CobroClient
from shared.schemas.enums import Role
from tests import builders as b

BASE_URL = "http://cobro.test"
PASSWORD = "password123"  # the builders' password
#: Where the agent starts (Miraflores, Lima) and the debtors live, a few hundred metres apart.
START = (-12.1211, -77.0297)
HOMES = [(-12.1190, -77.0310), (-12.1250, -77.0280), (-12.1300, -77.0330)]


class Network(httpx.AsyncBaseTransport):
    """The phone's connection to the API: ``up``, ``down`` (every request fails to connect),
    or ``lose_answers`` (the server handles the request, the answer never arrives)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.mode = "up"
        self.lose_answers_of: str | None = None  # a path whose answers alone are lost
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.mode == "down":
            raise httpx.ConnectError("no signal", request=request)
        response = await self.inner.handle_async_request(request)
        if self.mode == "lose_answers" or request.url.path == self.lose_answers_of:
            await response.aread()
            raise httpx.ReadError("connection lost before the answer", request=request)
        return response


@dataclass
class Day:
    """An agent, their supervisor and their accounts (the first one's debtor has a phone)."""

    agent: User
    supervisor: User
    accounts: list[Account]


@pytest.fixture
def day(session: Session) -> Day:
    supervisor = b.user(session, Role.supervisor)
    agent = b.user(session, Role.agent, supervisor=supervisor)
    portfolio = b.portfolio(session)
    accounts = []
    for index, (lat, lon) in enumerate(HOMES):
        debtor = b.debtor(session, portfolio, phone="+51987654321" if index == 0 else None)
        session.add(
            DebtorAddress(
                debtor_id=debtor.id,
                line1=f"Av. Larco {100 + index}",
                district="Miraflores",
                city="Lima",
                country="PE",
                latitude=lat,
                longitude=lon,
            )
        )
        session.flush()
        accounts.append(
            b.account(session, portfolio, agent=agent, owner=debtor, days_past_due=10 + 30 * index)
        )
    return Day(agent, supervisor, accounts)


@pytest.fixture
def network(app) -> Network:
    return Network(httpx.ASGITransport(app=app))


@pytest.fixture
def config(tmp_path: Path) -> MobileConfig:
    return MobileConfig(api_url=BASE_URL, data_dir=tmp_path / "device", far_visit_m=300)


@pytest.fixture
def make_ctx(config: MobileConfig, network: Network) -> Callable[..., AppContext]:
    """``make_ctx(native=False, vault=None)``: a fresh app (as after a restart) on the same
    device; ``vault``: where it keeps the tokens (default: the user's store)."""

    def make(native: bool = False, vault: TokenVault | None = None) -> AppContext:
        def client(token: str | None, refresh_token: str | None, language: str) -> CobroClient:
            return CobroClient(
                BASE_URL,
                token=token,
                refresh_token=refresh_token,
                language=language,
                transport=network,
            )

        ctx = AppContext(config, FixedPositionProvider(START), client, native=native)
        if vault is not None:
            ctx.vault = vault
        return ctx

    return make


async def login(ctx: AppContext, user: User) -> UserSession:
    """Log ``user`` in through the login view model."""
    form = LoginViewModel(ctx)
    form.email, form.password = user.email, PASSWORD
    session = await form.submit()
    assert session is not None, form.error
    return session
