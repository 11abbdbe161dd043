"""Building statement files and the accounts, links and plans they pay."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit.service import Actor
from backend.creditors.models import Portfolio
from backend.payments import service as payments
from backend.payments.models import PaymentLink
from backend.payments.service import LinkRequest
from backend.plans import repository as plans_repository
from backend.plans import service as plans
from backend.plans.models import PlanInstalment
from backend.users.models import User
from shared.schemas.enums import ActionChannel, LinkPurpose, Role
from tests import builders as b
from tests.plans.helpers import lima

HEADER = ("Fecha", "Monto", "Referencia", "Descripción")


def csv_bytes(
    rows: list[tuple[str, ...]],
    header: tuple[str, ...] = HEADER,
    sep: str = ";",
    bom: bool = False,
) -> bytes:
    text = "\r\n".join(sep.join(cells) for cells in [header, *rows]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


class Desk:
    """A Lima portfolio with an admin, a supervisor and the supervisor's agent."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.portfolio: Portfolio = lima(session)
        self.admin: User = b.user(session, Role.admin)
        self.supervisor: User = b.user(session, Role.supervisor)
        self.agent: User = b.user(session, Role.agent, supervisor=self.supervisor)

    def account(self, ref: str, principal: int = 100_000, **kw: Any) -> Account:
        return b.account(
            self.session,
            self.portfolio,
            agent=self.agent,
            principal=principal,
            external_ref=ref,
            **kw,
        )

    def link(self, account: Account) -> PaymentLink:
        link, _ = payments.create_link(
            self.session, Actor.system(), account.id, LinkRequest(LinkPurpose.balance, "bot")
        )
        return link

    def plan(self, account: Account) -> list[PlanInstalment]:
        offers = plans.generate_offers(
            self.session, Actor.system(), account.id, ActionChannel.agent
        )
        offer = next(o for o in offers if o.plan_kind == "instalments")
        plan = plans.accept(self.session, Actor.system(), offer.id, ActionChannel.agent)
        return plans_repository.instalments(self.session, plan.id)


def upload(client: Any, who: User, portfolio: Portfolio, data: bytes, name: str = "extracto.csv"):
    return client.post(
        f"/api/v1/statements?portfolio_id={portfolio.id}",
        headers=b.headers(who),
        files={"file": (name, data, "text/csv")},
    )


def report(client: Any, who: User, statement_id: str | uuid.UUID, **params: Any) -> dict:
    response = client.get(
        f"/api/v1/statements/{statement_id}", headers=b.headers(who), params=params
    )
    assert response.status_code == 200, response.text
    return response.json()


def lines_by_no(body: dict) -> dict[int, dict]:
    return {line["line_no"]: line for line in body["lines"]["items"]}


def decide(client: Any, who: User, line: dict, action: str, account_id: Any = None):
    url = f"/api/v1/statements/{line['statement_id']}/lines/{line['id']}/{action}"
    body = {"account_id": str(account_id)} if account_id is not None else None
    return client.post(url, headers=b.headers(who), json=body)
