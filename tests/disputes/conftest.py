"""A Lima team (supervisor and agent), a verified-able debtor with an account, the bot, and
helpers to dispute through the bot API and resolve as staff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit.service import Actor
from backend.creditors.models import Portfolio
from backend.debtors.models import Debtor
from backend.plans import service as plans
from backend.plans.models import Plan
from backend.users.models import User
from shared.schemas.enums import ActionChannel, PlanKind, Role
from tests import builders as b
from tests.conversations.conftest import PHONE, chat
from tests.plans.helpers import POLICY, team, today

API = "/api/v1"


@dataclass
class World:
    bot: User
    supervisor: User
    agent: User
    admin: User
    portfolio: Portfolio
    debtor: Debtor
    account: Account
    other: Account  # another debtor's account, same portfolio and team

    @property
    def bot_headers(self) -> dict[str, str]:
        return b.headers(self.bot)

    def url(self, path: str = "", user_id: str = "1001", channel: str = "telegram") -> str:
        return f"{chat(user_id, channel)}{path}"


@pytest.fixture
def world(session: Session) -> World:
    supervisor, agent = team(session)
    portfolio = b.portfolio(
        session,
        negotiation_policy=POLICY,
        creditor=b.creditor(session, name=f"Banco Andino {b.n()}"),
    )
    debtor = b.debtor(session, portfolio, phone=PHONE, id_number=f"4{b.n():07d}"[-8:])
    account = b.account(
        session, portfolio, agent=agent, owner=debtor, principal=120_000, external_ref=_ref()
    )
    other = b.account(session, portfolio, agent=agent, principal=50_000)
    return World(
        b.user(session, Role.bot),
        supervisor,
        agent,
        b.user(session, Role.admin),
        portfolio,
        debtor,
        account,
        other,
    )


def _ref() -> str:
    return f"TC-{b.n():04d}-7781"


def verify(client, world: World, user_id: str = "1001", channel: str = "telegram") -> None:
    answer = client.post(
        world.url("/identify", user_id, channel),
        headers=world.bot_headers,
        json={"id_number": world.debtor.id_number, "phone_last4": PHONE[-4:]},
    )
    assert answer.json()["status"] == "verified", answer.text


def dispute(client, world: World, message_id: str = "m-1", **body: Any):
    """The debtor disputes the account in chat (the chat must be verified)."""
    payload = {
        "reason": "not_recognised",
        "statement": "No reconozco esta deuda",
        "message_id": message_id,
        **body,
    }
    return client.post(
        world.url(f"/accounts/{world.account.id}/disputes"),
        headers=world.bot_headers,
        json=payload,
    )


def resolve(client, who: User, dispute_id: str, outcome: str, **body: Any):
    return client.post(
        f"{API}/disputes/{dispute_id}/resolve",
        headers=b.headers(who),
        json={"outcome": outcome, "note": "Revisado con el acreedor", **body},
    )


def instalment_plan(session: Session, account: Account) -> Plan:
    """An instalment plan accepted from the account's offers."""
    offers = plans.generate_offers(session, Actor.system(), account.id, ActionChannel.agent)
    offer = next(o for o in offers if o.plan_kind == PlanKind.instalments)
    plan = plans.accept(session, Actor.system(), offer.id, ActionChannel.agent)
    session.refresh(account)
    return plan


def field_payment(client, world: World, amount: str = "200.00") -> dict:
    """A cash payment an agent took, with its receipt number and verification code."""
    answer = client.post(
        f"{API}/accounts/{world.account.id}/field-payments",
        headers=b.headers(world.agent),
        json={
            "amount": amount,
            "currency": "PEN",
            "paid_on": today().isoformat(),
            "method": "cash",
            "client_id": f"client-{b.n():06d}",
            "receipt_number": f"R-{b.n()}",
        },
    )
    assert answer.status_code == 201, answer.text
    return answer.json()
