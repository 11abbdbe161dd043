"""Segment rules: first match wins, each condition as SQL, the explanation in words, the
endpoints (staff only, audited, 409 on a taken position), concurrent evaluations, and a
strategy that takes only the accounts of a named segment."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.core.clock import today_in
from backend.core.db import session_scope
from backend.debtors.models import DebtorAddress
from backend.outbound.models import MessageTemplate, Strategy, StrategyEnrolment
from backend.outbound.planner import plan_portfolio
from backend.promises.models import Promise
from backend.segments import service
from backend.segments.models import AccountSegment, SegmentRule
from shared.schemas.enums import (
    AccountStatus,
    ActionChannel,
    EntryKind,
    Language,
    PromiseStatus,
    Role,
)
from tests import builders as b
from tests.field import helpers as h
from tests.plans.helpers import lima

LIMA = "America/Lima"


def _rule(session: Session, portfolio, position: int, segment: str, **conditions) -> SegmentRule:
    rule = SegmentRule(
        portfolio_id=portfolio.id, segment=segment, position=position, conditions=conditions
    )
    session.add(rule)
    session.flush()
    return rule


def _broken_promise(session: Session, account, days_ago: int) -> None:
    session.add(
        Promise(
            account_id=account.id,
            amount_minor=10_000,
            currency=account.currency,
            due_date=today_in(LIMA) - timedelta(days=days_ago),
            channel=ActionChannel.agent,
            recorded_by_kind="agent",
            status=PromiseStatus.broken,
        )
    )
    session.flush()


def _in_region(session: Session, account, region: str) -> None:
    session.add(
        DebtorAddress(debtor_id=account.debtor_id, line1="Av. Grau 1", region=region, country="PE")
    )
    session.flush()


def _world(session: Session):
    portfolio = b.portfolio(session)
    _rule(session, portfolio, 10, "promesa-rota", broken_promise_within_days=30)
    _rule(session, portfolio, 20, "grandes", min_balance_minor=500_000)
    _rule(session, portfolio, 30, "tardios", aging_buckets=["91-180", "181+"])
    _rule(session, portfolio, 40, "norte", regions=["Piura"], products=["Préstamo MYPE"])
    accounts = {
        # Big too, but the broken promise's rule comes first.
        "broke": b.account(session, portfolio, principal=900_000, days_past_due=20),
        "broke_long_ago": b.account(session, portfolio, principal=50_000, days_past_due=20),
        "big": b.account(session, portfolio, principal=600_000, days_past_due=20),
        "late": b.account(session, portfolio, principal=50_000, days_past_due=120),
        "north": b.account(session, portfolio, principal=50_000, product="Préstamo MYPE"),
        "north_card": b.account(session, portfolio, principal=50_000),
        "plain": b.account(session, portfolio, principal=50_000, days_past_due=10),
        "paid": b.account(session, portfolio, principal=50_000),
    }
    accounts["paid"].status = AccountStatus.paid
    session.add(accounts["paid"])
    _broken_promise(session, accounts["broke"], 10)
    _broken_promise(session, accounts["broke_long_ago"], 45)
    _in_region(session, accounts["north"], "Piura")
    _in_region(session, accounts["north_card"], "Piura")
    return portfolio, accounts


def _segments(session: Session, portfolio) -> dict:
    rows = session.execute(
        select(AccountSegment.account_id, AccountSegment.segment).where(
            AccountSegment.portfolio_id == portfolio.id
        )
    )
    return dict(rows.all())


def test_the_first_rule_that_takes_an_account_names_its_segment(session: Session) -> None:
    portfolio, accounts = _world(session)

    found = service.evaluate(session, portfolio)

    segments = _segments(session, portfolio)
    assert {name: segments.get(a.id, "gone") for name, a in accounts.items()} == {
        "broke": "promesa-rota",
        "broke_long_ago": None,
        "big": "grandes",
        "late": "tardios",
        "north": "norte",
        "north_card": None,  # the region, not the product
        "plain": None,
        "paid": "gone",  # only open accounts are segmented
    }
    assert found.accounts == 7
    assert found.by_segment == {"promesa-rota": 1, "grandes": 1, "tardios": 1, "norte": 1, "": 3}
    again = service.evaluate(session, portfolio)  # idempotent
    assert again == found and _segments(session, portfolio) == segments


def test_an_account_that_moves_changes_segment_on_the_next_evaluation(session: Session) -> None:
    """A balance that drops moves an account out of its segment; a paid-off account keeps
    the one it had while open."""
    portfolio, accounts = _world(session)
    service.evaluate(session, portfolio)
    b.ledger_entry(session, accounts["big"], EntryKind.payment, 200_000)  # below 500k now
    accounts["late"].status = AccountStatus.paid
    session.add(accounts["late"])
    session.flush()

    found = service.evaluate(session, portfolio)

    segments = _segments(session, portfolio)
    assert segments[accounts["big"].id] is None
    # Paid off, it keeps the segment it had while open (the KPIs count its payments and its
    # cure there), but the segment's size counts open accounts only.
    assert segments[accounts["late"].id] == "tardios"
    assert found.accounts == 6 and "tardios" not in found.by_segment
    accounts["late"].status = AccountStatus.active  # reopened (a reversal): evaluated again
    session.add(accounts["late"])
    session.flush()
    assert service.evaluate(session, portfolio).by_segment["tardios"] == 1


def test_the_explanation_in_both_languages(session: Session, client) -> None:
    portfolio, accounts = _world(session)
    service.evaluate(session, portfolio)
    agent = b.user(session, Role.agent)
    accounts["big"].assigned_agent_id = agent.id
    session.add(accounts["big"])
    session.flush()
    url = f"/api/v1/accounts/{accounts['big'].id}/segment"

    english = client.get(url, headers=b.headers(agent, "en"))
    spanish = client.get(url, headers=b.headers(agent, "es"))

    assert english.status_code == 200, english.text
    assert english.json()["segment"] == "grandes"
    assert english.json()["explanation"] == (
        "In segment “grandes” by rule 20. Accounts with: a balance of at least S/\xa05,000.00."
    )
    assert spanish.json()["explanation"] == (
        "En el segmento «grandes» por la regla 20. Cuentas con: saldo de al menos S/\xa05,000.00."
    )
    plain = client.get(
        f"/api/v1/accounts/{accounts['plain'].id}/segment",
        headers=b.headers(b.user(session, Role.admin)),
    )
    assert plain.json()["segment"] is None
    assert plain.json()["explanation"] == "No rule of the portfolio takes this account."


def test_rules_through_the_api(session: Session, client) -> None:
    portfolio, accounts = _world(session)
    supervisor = b.user(session, Role.supervisor)
    agent = b.user(session, Role.agent)
    url = f"/api/v1/portfolios/{portfolio.id}/segment-rules"
    body = {"segment": "pequenos", "position": 50, "conditions": {"max_balance_minor": 60_000}}

    assert client.post(url, json=body, headers=b.headers(agent)).status_code == 403
    created = client.post(url, json=body, headers=b.headers(supervisor))
    taken = client.post(url, json={**body, "segment": "otro"}, headers=b.headers(supervisor))
    incoherent = client.post(
        url,
        json={
            **body,
            "position": 60,
            "conditions": {"min_balance_minor": 9, "max_balance_minor": 1},
        },
        headers=b.headers(supervisor),
    )
    unknown_band = client.post(
        url,
        json={**body, "position": 60, "conditions": {"score_bands": ["platinum"]}},
        headers=b.headers(supervisor),
    )

    assert created.status_code == 201, created.text
    assert created.json()["explanation"] == "Accounts with: a balance of at most S/\xa0600.00."
    assert taken.status_code == 409 and taken.json()["code"] == "segment_position_taken"
    assert incoherent.status_code == 422 and unknown_band.status_code == 422
    # The rule applies at once: the evaluation ran in the same request.
    assert _segments(session, portfolio)[accounts["plain"].id] == "pequenos"

    rule_id = created.json()["id"]
    updated = client.put(
        f"/api/v1/segment-rules/{rule_id}",
        json={**body, "segment": "chicos"},
        headers=b.headers(supervisor),
    )
    assert updated.status_code == 200 and updated.json()["version"] == 2
    assert _segments(session, portfolio)[accounts["plain"].id] == "chicos"
    listed = client.get(url, headers=b.headers(supervisor)).json()
    assert [r["position"] for r in listed] == [10, 20, 30, 40, 50]

    deleted = client.delete(f"/api/v1/segment-rules/{rule_id}", headers=b.headers(supervisor))
    assert deleted.status_code == 204
    assert _segments(session, portfolio)[accounts["plain"].id] is None
    actions = session.execute(
        select(AuditEvent.action, func.count())
        .where(AuditEvent.entity_type == "segment_rule")
        .group_by(AuditEvent.action)
    ).all()
    assert dict(actions) == {
        "segment_rule.created": 1,
        "segment_rule.updated": 1,
        "segment_rule.deleted": 1,
    }
    evaluated = client.post(
        f"/api/v1/portfolios/{portfolio.id}/segments/evaluate", headers=b.headers(supervisor)
    )
    assert evaluated.status_code == 200 and evaluated.json()["accounts"] == 7


def test_a_strategy_takes_only_the_accounts_of_its_named_segment(session: Session) -> None:
    portfolio, accounts = _world(session)
    service.evaluate(session, portfolio)
    session.add(
        MessageTemplate(portfolio_id=portfolio.id, name="saldo", language=Language.es, body="Saldo")
    )
    session.add(
        Strategy(
            portfolio_id=portfolio.id,
            name="grandes",
            version=1,
            definition={
                "segment": {"segments": ["grandes", "tardios"]},
                "steps": [
                    {
                        "id": "uno",
                        "trigger": {"kind": "days_past_due", "days": 7},
                        "channels": ["sms"],
                        "template": "saldo",
                    }
                ],
            },
        )
    )
    session.flush()

    report = plan_portfolio(session, Actor.system(), portfolio.id, today_in(LIMA))

    enrolled = set(session.execute(select(StrategyEnrolment.account_id)).scalars())
    assert enrolled == {accounts["big"].id, accounts["late"].id}
    assert report.enrolled == 2


def test_concurrent_evaluations_store_one_row_per_account(committed_engine: Engine) -> None:
    with session_scope(committed_engine) as session:
        portfolio, _accounts = _world(session)
        portfolio_id = portfolio.id
    barrier = threading.Barrier(3)

    def evaluate(_: int) -> int:
        barrier.wait()
        with session_scope(committed_engine) as session:
            return service.evaluate(
                session, session.get_one(type(portfolio), portfolio_id)
            ).accounts

    with ThreadPoolExecutor(max_workers=3) as pool:
        counts = list(pool.map(evaluate, range(3)))

    assert counts == [7, 7, 7]
    with session_scope(committed_engine, write=False) as session:
        rows = session.execute(select(func.count()).select_from(AccountSegment)).scalar_one()
        assert rows == 7


def test_the_field_worklist_keeps_the_stops_of_a_segment(session: Session, client) -> None:
    portfolio = lima(session)
    _rule(session, portfolio, 1, "grandes", min_balance_minor=500_000)
    _, agent = h.team(session)
    h.shift(session, agent)
    big = h.located_account(session, portfolio, agent, h.north(100), principal=700_000)
    small = h.located_account(session, portfolio, agent, h.north(200), principal=50_000)
    service.evaluate(session, portfolio)
    url = "/api/v1/field/worklist"

    every = client.get(url, headers=b.headers(agent)).json()
    grandes = client.get(url, params={"segment": "grandes"}, headers=b.headers(agent)).json()
    bad = client.get(url, params={"segment": "No Vale"}, headers=b.headers(agent))

    assert {s["account_id"]: s["segment"] for s in every["stops"]} == {
        str(big.id): "grandes",
        str(small.id): None,
    }
    assert [s["account_id"] for s in grandes["stops"]] == [str(big.id)]
    assert bad.status_code == 422
