"""A bot user, a debtor with a phone and a birth date on file, and the chat URL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlmodel import Session

from backend.accounts.models import Account
from backend.debtors.models import Debtor
from backend.users.models import User
from shared.schemas.enums import Role
from tests import builders as b
from tests.plans.helpers import lima, team

PHONE = "+51987654321"
BORN = date(1985, 3, 15)


def chat(user_id: str = "1001", channel: str = "telegram") -> str:
    return f"/api/v1/bot/{channel}/{user_id}"


@dataclass
class Seed:
    bot: User
    agent: User
    debtor: Debtor
    account: Account
    other: Account  # another debtor's account, in the same portfolio

    @property
    def headers(self) -> dict[str, str]:
        return b.headers(self.bot)


@pytest.fixture
def seed(session: Session) -> Seed:
    _, agent = team(session)
    portfolio = lima(session)
    debtor = b.debtor(session, portfolio, phone=PHONE, id_number="45678912", birth_date=BORN)
    account = b.account(session, portfolio, agent=agent, owner=debtor, principal=120_000)
    other = b.account(session, portfolio, agent=agent, principal=50_000)
    return Seed(b.user(session, Role.bot), agent, debtor, account, other)


def verify(client, seed: Seed, user_id: str = "1001", channel: str = "telegram") -> None:
    answer = client.post(
        f"{chat(user_id, channel)}/identify",
        headers=seed.headers,
        json={"id_number": seed.debtor.id_number, "phone_last4": PHONE[-4:]},
    )
    assert answer.json()["status"] == "verified", answer.text
