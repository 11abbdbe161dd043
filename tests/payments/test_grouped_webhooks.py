"""Provider events handled as a group (``handle_events``, used by the webhook endpoint through
``batching``) end exactly as handled one by one (``handle_event``): one payment per link,
duplicates answered as such, refunds that came first applied, links marked paid."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.ledger.models import LedgerEntry
from backend.payments import batching
from backend.payments import service as payments
from backend.payments.models import Payment, PaymentLink, ProviderEvent
from backend.payments.providers import builtin
from backend.payments.service import LinkRequest
from shared.schemas.enums import LinkPurpose
from tests import builders as b
from tests.payments.stripe_stub import refund_event
from tests.payments.test_booking_statements import counted
from tests.plans.helpers import lima


def _links(session: Session, count: int) -> list[PaymentLink]:
    portfolio = lima(session)
    links = []
    for _ in range(count):
        account = b.account(session, portfolio, principal=70_000)
        link, _ = payments.create_link(
            session, Actor.system(), account.id, LinkRequest(LinkPurpose.balance, "bot")
        )
        links.append(link)
    return links


def _events(links: list[PaymentLink], tag: str) -> list[dict[str, Any]]:
    """Checkouts for every link, one sent twice, a refund before its payment, an unknown
    link and an unpaid session."""
    events = [builtin.sandbox_completion_event(link) for link in links]
    for event in events:
        event["id"] = f"{event['id']}_{tag}"
    refund = refund_event(f"evt_refund_{tag}", f"pi_builtin_{links[1].id.hex}", 20_000)
    unknown = copy.deepcopy(events[2])
    unknown["id"] = f"evt_unknown_{tag}"
    unknown["data"]["object"].update(client_reference_id="nope", metadata={})
    unpaid = copy.deepcopy(events[3])
    unpaid["id"] = f"evt_unpaid_{tag}"
    unpaid["data"]["object"].update(payment_status="unpaid", id="cs_other")
    return [refund, events[0], events[1], events[0], unknown, *events[2:], unpaid]


def _state(session: Session, links: list[PaymentLink]) -> list[Any]:
    session.expire_all()
    state = []
    for link in links:
        account = session.get(Account, link.account_id)
        fresh = session.get(PaymentLink, link.id)
        paid = session.execute(
            select(func.count()).select_from(Payment).where(Payment.link_id == link.id)
        ).scalar_one()
        entries = session.execute(
            select(LedgerEntry.kind, LedgerEntry.amount_minor)
            .where(LedgerEntry.account_id == link.account_id)
            .order_by(LedgerEntry.kind, LedgerEntry.amount_minor)
        ).all()
        actions = session.execute(
            select(AuditEvent.action)
            .where(AuditEvent.account_id == link.account_id)
            .order_by(AuditEvent.action)
        ).scalars()
        state.append(
            (
                account.balance_minor,
                account.status.value,
                fresh.status.value,
                paid,
                [(k.value, a) for k, a in entries],
                list(actions),
            )
        )
    return state


def test_a_group_ends_as_one_by_one(session: Session) -> None:
    one_by_one, grouped = _links(session, 5), _links(session, 5)

    singles = [
        payments.handle_event(session, builtin.NAME, event)
        for event in _events(one_by_one, "single")
    ]
    together = payments.handle_events(session, builtin.NAME, _events(grouped, "group"))

    # A refund that arrives with its payment is applied after it in the group (one by one it
    # waits as deferred until the payment comes): the same end state either way.
    assert singles[0] == "deferred" and together[0] == "processed"
    assert together[1:] == singles[1:]
    assert together.count("duplicate") == 1
    assert _state(session, grouped) == _state(session, one_by_one)
    outcomes = session.execute(
        select(ProviderEvent.event_id, ProviderEvent.outcome).where(
            ProviderEvent.event_id.like("%group%")
        )
    ).all()
    assert dict(outcomes)["evt_refund_group"] == "processed"


def test_events_already_in_the_inbox_are_duplicates(session: Session) -> None:
    links = _links(session, 4)
    events = _events(links, "again")
    first = payments.handle_events(session, builtin.NAME, events)
    before = _state(session, links)

    again = payments.handle_events(session, builtin.NAME, events)

    assert again == ["duplicate"] * len(events) and first != again
    assert _state(session, links) == before


def test_the_batcher_groups_concurrent_events_and_answers_each() -> None:
    calls: list[list[str]] = []

    def handler(sessions: list[Any], provider: str, events: list[dict[str, Any]]) -> list[Any]:
        calls.append([e["id"] for e in events])
        return [ValueError("bad") if e["id"] == "bad" else f"ok:{e['id']}" for e in events]

    async def deliver() -> list[Any]:
        ids = ["a", "b", "bad", "c", "d"]
        return await asyncio.gather(
            *(batching.submit(None, "stripe", {"id": i}, handler) for i in ids),  # type: ignore[arg-type]
            return_exceptions=True,
        )

    answers = asyncio.run(deliver())

    assert answers[:2] == ["ok:a", "ok:b"] and answers[3:] == ["ok:c", "ok:d"]
    assert isinstance(answers[2], ValueError)  # only that request fails (5xx, redelivered)
    assert sum(len(c) for c in calls) == 5 and len(calls) < 5  # grouped, each handled once


@pytest.mark.parametrize("count", [4, 40])
def test_a_group_costs_a_constant_number_of_statements(session: Session, count: int) -> None:
    links = _links(session, count)
    events = [builtin.sandbox_completion_event(link) for link in links]
    events += events[: count // 4]  # duplicates in the same group
    session.flush()
    session.expire_all()

    with counted(session) as statements:
        outcomes = payments.handle_events(session, builtin.NAME, events)

    assert outcomes.count("processed") == count and outcomes.count("duplicate") == count // 4
    # claim, links with their accounts locked, booked ids, entries, balances, payments,
    # links paid, audit, deferred refunds (the outcomes were claimed as they ended)
    assert len(statements) <= 9, "\n".join(statements)
