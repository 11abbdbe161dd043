"""Conversations end to end: ``ConversationCore`` talking to the real app in-process.

The core reaches the backend only through the typed client over ``httpx.ASGITransport``, inside
each test's transaction (the ``app`` fixture); the portfolio has the negotiation policy of
``tests/plans/helpers.py``. Scenarios are async and run with ``asyncio.run`` in sync tests.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session

from backend.accounts.models import Account
from backend.core.security import create_access_token
from backend.debtors.models import Debtor
from backend.users.models import User
from bots.core.engine import ConversationCore
from bots.core.messages import ChatChannel, Incoming, Reply
from shared.schemas.enums import Language, Role
from tests import builders as b
from tests.plans.helpers import lima, team

BASE_URL = "http://cobro.test"
PHONE = "+51987654321"
ID_NUMBER = "45678912"
BORN = date(1985, 3, 15)


@dataclass
class Seeded:
    bot: User
    agent: User
    debtor: Debtor
    account: Account

    @property
    def token(self) -> str:
        return create_access_token(self.bot.id, Role.bot.value, version=self.bot.token_version)


@pytest.fixture
def seeded(session: Session) -> Seeded:
    """Rosa owes S/\xa01,200.00 on one account of a Lima portfolio."""
    _, agent = team(session)
    portfolio = lima(session)
    debtor = b.debtor(
        session,
        portfolio,
        phone=PHONE,
        id_number=ID_NUMBER,
        birth_date=BORN,
        preferred_language=Language.en,
    )
    account = b.account(session, portfolio, agent=agent, owner=debtor, principal=120_000)
    return Seeded(b.user(session, Role.bot), agent, debtor, account)


@dataclass
class Person:
    """One person writing to the bot on one channel; message ids are numbered."""

    core: ConversationCore
    channel: ChatChannel = "telegram"
    user_id: str = "777"
    hint: str | None = None
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    last: Reply = field(default_factory=Reply)

    async def send(
        self,
        text: str = "",
        *,
        choice: str | None = None,
        deep_link: str | None = None,
        message_id: str | None = None,
    ) -> Reply:
        incoming = Incoming(
            channel=self.channel,
            user_id=self.user_id,
            message_id=message_id or f"m{next(self._ids)}",
            text=text,
            choice=choice,
            deep_link=deep_link,
            language_hint=self.hint,
        )
        self.last = await self.core.handle(incoming)
        return self.last

    async def press(self, prefix: str) -> Reply:
        """Press the first button of the last reply whose id starts with ``prefix``."""
        return await self.send(choice=button(self.last, prefix))


def text(reply: Reply) -> str:
    return "\n".join(message.text for message in reply.messages)


def buttons(reply: Reply) -> list[str]:
    return [button.id for message in reply.messages for button in message.buttons]


def button(reply: Reply, prefix: str) -> str:
    found = [b for b in buttons(reply) if b.startswith(prefix)]
    assert found, f"no {prefix!r} button in {buttons(reply)}: {text(reply)}"
    return found[0]


@dataclass
class World:
    """The core and a plain HTTP client (for the payment page) over one in-process app."""

    core: ConversationCore
    web: httpx.AsyncClient
    transport: httpx.ASGITransport
    token: str

    def person(self, **kwargs: object) -> Person:
        return Person(self.core, **kwargs)  # type: ignore[arg-type]

    async def restart(self, *people: Person) -> None:
        """A new bot process: nothing survives but what the backend stores."""
        await self.core.aclose()
        self.core = ConversationCore.connect(BASE_URL, token=self.token, transport=self.transport)
        for person in people:
            person.core = self.core

    async def pay(self, url: str) -> None:
        """Pay a payment link through the built-in provider's sandbox."""
        path = httpx.URL(url).path
        answer = await self.web.post(f"{path}/sandbox")
        assert answer.status_code == 303, answer.text


Scenario = Callable[[World], Awaitable[None]]


@pytest.fixture
def run(app: FastAPI, seeded: Seeded) -> Callable[[Scenario], None]:
    def runner(scenario: Scenario) -> None:
        async def main() -> None:
            transport = httpx.ASGITransport(app=app)
            core = ConversationCore.connect(BASE_URL, token=seeded.token, transport=transport)
            async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as web:
                world = World(core, web, transport, seeded.token)
                try:
                    await scenario(world)
                finally:
                    await world.core.aclose()

        asyncio.run(main())

    return runner
