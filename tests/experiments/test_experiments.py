"""Champion/challenger: the planner splits accounts stably and records the split, results
count who paid within 7 days with each variant's chance of being best, the bandit takes over
once every variant has outcomes, a supervisor promotes a winner, and concurrent planners agree
on each account's variant."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.core.clock import today_in
from backend.core.db import session_scope
from backend.experiments import bandit, service
from backend.experiments.models import Experiment, ExperimentAssignment
from backend.ledger import service as ledger
from backend.outbound.models import MessageTemplate, Strategy
from backend.outbound.planner import plan_portfolio
from shared.schemas.enums import EntryKind, Language, Role
from tests import builders as b

STEP = {
    "id": "mora7",
    "trigger": {"kind": "days_past_due", "days": 7},
    "channels": ["sms"],
    "template": "saldo",
}
BODY = {
    "strategy": "cobranza",
    "step": "mora7",
    "variants": [{"key": "a", "template": "saldo"}, {"key": "b", "template": "saldo-b"}],
    "min_outcomes": 30,
}


def _portfolio(session: Session):
    portfolio = b.portfolio(session)
    for name in ("saldo", "saldo-b"):
        session.add(
            MessageTemplate(
                portfolio_id=portfolio.id,
                name=name,
                language=Language.es,
                body=f"{name} {{{{ balance }}}}",
            )
        )
    session.add(
        Strategy(
            portfolio_id=portfolio.id, name="cobranza", version=1, definition={"steps": [STEP]}
        )
    )
    session.flush()
    return portfolio


def _experiment(session: Session, portfolio, **changes) -> Experiment:
    from shared.schemas.experiments import ExperimentCreate

    return service.create(
        session, Actor.system(), portfolio, ExperimentCreate.model_validate({**BODY, **changes})
    )


def _accounts(session: Session, portfolio, count: int, day: date):
    return [
        b.account(
            session,
            portfolio,
            owner=b.debtor(session, portfolio, phone=f"+5198{b.n():07d}"),
            due_date=day - timedelta(days=7),
        )
        for _ in range(count)
    ]


def _assignments(session: Session) -> dict:
    rows = session.execute(
        select(
            ExperimentAssignment.account_id,
            ExperimentAssignment.variant,
            ExperimentAssignment.method,
        )
    ).all()
    return {account_id: (variant, method) for account_id, variant, method in rows}


def test_the_planner_splits_accounts_stably_and_records_it(session: Session, client) -> None:
    portfolio = _portfolio(session)
    day = today_in(portfolio.timezone)
    accounts = _accounts(session, portfolio, 40, day)
    supervisor = b.user(session, Role.supervisor)
    created = client.post(
        f"/api/v1/portfolios/{portfolio.id}/experiments", json=BODY, headers=b.headers(supervisor)
    )
    assert created.status_code == 201, created.text
    experiment = session.get_one(Experiment, uuid.UUID(created.json()["id"]))

    plan_portfolio(session, Actor.system(), portfolio.id, day)
    plan_portfolio(session, Actor.system(), portfolio.id, day)  # again: nothing new

    found = _assignments(session)
    assert set(found) == {a.id for a in accounts}
    for account in accounts:
        expected = "ab"[bandit.at_random(experiment.id, account.id, 2)]
        assert found[account.id] == (expected, "random")
    split = sum(1 for variant, _ in found.values() if variant == "a")
    assert 10 <= split <= 30  # a fair coin over 40 accounts
    for account in accounts:
        variant = found[account.id][0]
        name = service.template_name(
            session,
            portfolio.id,
            session.execute(select(Strategy.id)).scalar_one(),
            "mora7",
            account.id,
            "saldo",
        )
        assert name == ("saldo" if variant == "a" else "saldo-b")


def test_creating_checks_the_step_and_templates(session: Session, client) -> None:
    portfolio = _portfolio(session)
    supervisor, agent = b.user(session, Role.supervisor), b.user(session, Role.agent)
    url = f"/api/v1/portfolios/{portfolio.id}/experiments"
    unknown = {
        **BODY,
        "variants": [{"key": "a", "template": "saldo"}, {"key": "b", "template": "nada"}],
    }

    assert client.post(url, json=BODY, headers=b.headers(agent)).status_code == 403
    assert client.post(url, json=unknown, headers=b.headers(supervisor)).json()["code"] == (
        "invalid_experiment"
    )
    assert (
        client.post(url, json={**BODY, "step": "otro"}, headers=b.headers(supervisor)).status_code
        == 422
    )
    assert client.post(url, json=BODY, headers=b.headers(supervisor)).status_code == 201
    again = client.post(url, json=BODY, headers=b.headers(supervisor))
    assert again.status_code == 409 and again.json()["code"] == "experiment_exists"


def test_results_and_the_bandit_once_every_variant_has_outcomes(session: Session, client) -> None:
    portfolio = _portfolio(session)
    experiment = _experiment(session, portfolio)
    day = today_in(portfolio.timezone)
    earlier = day - timedelta(days=10)
    paid = {"a": 10, "b": 30}
    for key in ("a", "b"):
        for i, account in enumerate(_accounts(session, portfolio, 40, earlier)):
            session.add(
                ExperimentAssignment(
                    experiment_id=experiment.id,
                    account_id=account.id,
                    variant=key,
                    method="random",
                    assigned_on=earlier,
                    matures_on=earlier + timedelta(days=7),
                )
            )
            if i < paid[key] or (key == "a" and i == paid[key]):
                entry = b.ledger_entry(
                    session,
                    account,
                    EntryKind.payment,
                    1_000,
                    effective_date=earlier + timedelta(days=2),
                )
                if i == paid[key]:  # a payment reversed since (it bounced): nothing recovered
                    ledger.reverse(session, b.SYSTEM, entry.id, idempotency_key="r", source="test")
            if i == 0:  # paid too late to count
                b.ledger_entry(
                    session,
                    account,
                    EntryKind.payment,
                    500,
                    effective_date=earlier + timedelta(days=8),
                )
    session.flush()
    supervisor = b.user(session, Role.supervisor)

    body = client.get(f"/api/v1/experiments/{experiment.id}", headers=b.headers(supervisor)).json()

    results = {r["key"]: r for r in body["results"]}
    assert body["assignment"] == "thompson" and body["status"] == "running"
    assert (results["a"]["assigned"], results["a"]["matured"], results["a"]["paid"]) == (40, 40, 10)
    assert results["a"]["paid_rate"] == 0.25 and results["b"]["paid_rate"] == 0.75
    assert results["a"]["recovered_minor"] == 10_000 and results["b"]["recovered_minor"] == 30_000
    assert results["b"]["probability_best"] > 0.999
    assert abs(results["a"]["probability_best"] + results["b"]["probability_best"] - 1) < 1e-9

    newcomers = _accounts(session, portfolio, 60, day)
    strategy_id = session.execute(select(Strategy.id)).scalar_one()
    added = service.assign_planned(
        session, portfolio.id, [(strategy_id, "mora7", a.id) for a in newcomers], day
    )
    found = _assignments(session)
    assert added == 60
    assert all(found[a.id][1] == "thompson" for a in newcomers)
    assert sum(1 for a in newcomers if found[a.id][0] == "b") >= 57  # 0.75 vs 0.25 on 40 each


def test_a_supervisor_promotes_a_winner(session: Session, client) -> None:
    portfolio = _portfolio(session)
    experiment = _experiment(session, portfolio)
    day = today_in(portfolio.timezone)
    (account,) = _accounts(session, portfolio, 1, day)
    plan_portfolio(session, Actor.system(), portfolio.id, day)
    supervisor, agent = b.user(session, Role.supervisor), b.user(session, Role.agent)
    url = f"/api/v1/experiments/{experiment.id}/promote"

    assert client.post(url, json={"variant": "b"}, headers=b.headers(agent)).status_code == 403
    assert client.post(url, json={"variant": "z"}, headers=b.headers(supervisor)).status_code == 422
    promoted = client.post(url, json={"variant": "b"}, headers=b.headers(supervisor))
    again = client.post(url, json={"variant": "a"}, headers=b.headers(supervisor))

    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["status"] == "promoted" and promoted.json()["winner"] == "b"
    assert again.status_code == 409 and again.json()["code"] == "experiment_promoted"
    strategy_id = session.execute(select(Strategy.id)).scalar_one()
    name = service.template_name(session, portfolio.id, strategy_id, "mora7", account.id, "saldo")
    assert name == "saldo-b"  # whatever the account was assigned
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "experiment.promoted")
    ).scalar_one()
    assert event.actor_id == supervisor.id and event.after == {"status": "promoted", "winner": "b"}


def test_concurrent_planners_agree_on_each_accounts_variant(committed_engine: Engine) -> None:
    with session_scope(committed_engine) as session:
        portfolio = _portfolio(session)
        experiment = _experiment(session, portfolio)
        day = today_in(portfolio.timezone)
        accounts = [a.id for a in _accounts(session, portfolio, 30, day)]
        strategy_id = session.execute(select(Strategy.id)).scalar_one()
        ids = (portfolio.id, experiment.id)
    barrier = threading.Barrier(4)

    def plan(_: int) -> None:
        barrier.wait()
        with session_scope(committed_engine) as session:
            service.assign_planned(
                session, ids[0], [(strategy_id, "mora7", a) for a in accounts], day
            )

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(plan, range(4)))

    with session_scope(committed_engine, write=False) as session:
        rows = session.execute(
            select(ExperimentAssignment.account_id, ExperimentAssignment.variant)
        ).all()
        assert (
            len(rows)
            == 30
            == session.execute(
                select(func.count(func.distinct(ExperimentAssignment.account_id)))
            ).scalar_one()
        )
        for account_id, variant in rows:
            assert variant == "ab"[bandit.at_random(ids[1], account_id, 2)]


def test_the_portfolios_experiments_are_listed_with_their_results(session: Session, client) -> None:
    portfolio = _portfolio(session)
    experiment = _experiment(session, portfolio)
    day = today_in(portfolio.timezone)
    _accounts(session, portfolio, 4, day)
    plan_portfolio(session, Actor.system(), portfolio.id, day)
    elsewhere = _portfolio(session)
    _experiment(session, elsewhere)
    supervisor, agent = b.user(session, Role.supervisor), b.user(session, Role.agent)
    url = f"/api/v1/portfolios/{portfolio.id}/experiments"

    assert client.get(url, headers=b.headers(agent)).status_code == 403
    listed = client.get(url, headers=b.headers(supervisor))
    assert listed.status_code == 200, listed.text
    (only,) = listed.json()
    assert only["id"] == str(experiment.id) and only["assignment"] == "random"
    assert sum(r["assigned"] for r in only["results"]) == 4
    assert [r["key"] for r in only["results"]] == ["a", "b"]
