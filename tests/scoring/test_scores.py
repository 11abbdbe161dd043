"""Scores: every owing account scored with the newest model, its drivers in words, the field
day ordered by them, segments by their bands, and the creditor's switch that turns it all off;
concurrent scoring runs leave one score per account."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.creditors.models import Creditor, Portfolio
from backend.field import worklist
from backend.scoring import service
from backend.scoring.models import AccountScore, PropensityModel
from backend.segments import service as segments
from backend.segments.models import AccountSegment, SegmentRule
from shared.schemas.enums import Role
from tests import builders as b
from tests.field import helpers as h
from tests.plans.helpers import lima, today
from tests.scoring.history import TODAY, history


def _trained(session: Session, accounts: int = 120, seed: int = 3):
    portfolio = b.portfolio(session)
    creditor = session.get_one(Creditor, portfolio.creditor_id)
    made = history(session, portfolio, accounts, seed=seed)
    service.train(session, Actor.system(), creditor, TODAY)
    return portfolio, creditor, made


def test_every_owing_account_is_scored_with_its_drivers(session: Session, client) -> None:
    _, creditor, made = _trained(session)

    scored = service.score(session, creditor, TODAY)

    rows = session.execute(select(AccountScore)).scalars().all()
    assert scored == len(rows) == sum(1 for a in made if a.balance_minor > 0)
    assert {r.band for r in rows} <= {"high", "medium", "low"}
    for row in rows:
        assert len(row.drivers) == 3
        effects = [abs(d["effect"]) for d in row.drivers]
        assert effects == sorted(effects, reverse=True)
    best = max(rows, key=lambda r: r.score)
    admin = b.user(session, Role.admin)
    answer = client.get(f"/api/v1/accounts/{best.account_id}/score", headers=b.headers(admin, "es"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["enabled"] and body["score"] == best.score and body["model_version"] == 1
    assert body["band"] == "high"
    labels = {d["feature"]: d["label"] for d in body["drivers"]}
    assert all(label and label != f"score.feature.{f}" for f, label in labels.items())
    models = client.get(
        f"/api/v1/creditors/{creditor.id}/propensity-models", headers=b.headers(admin)
    ).json()
    assert [m["version"] for m in models] == [1] and "artifact" not in models[0]
    assert models[0]["metrics"]["auc"] > models[0]["metrics"]["baseline_auc"]


def test_switching_scoring_off_drops_and_ignores_scores(session: Session, client) -> None:
    _, creditor, made = _trained(session)
    service.score(session, creditor, TODAY)
    admin, supervisor = b.user(session, Role.admin), b.user(session, Role.supervisor)
    url = f"/api/v1/creditors/{creditor.id}/scoring"

    refused = client.put(url, json={"enabled": False}, headers=b.headers(supervisor))
    off = client.put(url, json={"enabled": False}, headers=b.headers(admin))

    assert refused.status_code == 403
    assert off.status_code == 200 and off.json() == {
        "creditor_id": str(creditor.id),
        "enabled": False,
    }
    assert session.execute(select(func.count()).select_from(AccountScore)).scalar_one() == 0
    assert service.score(session, creditor, TODAY) == 0  # the job scores nothing
    read = client.get(f"/api/v1/accounts/{made[0].id}/score", headers=b.headers(admin)).json()
    assert read["enabled"] is False and read["score"] is None
    trained = client.post(
        f"/api/v1/creditors/{creditor.id}/propensity-models", headers=b.headers(admin)
    )
    assert trained.status_code == 409 and trained.json()["code"] == "scoring_disabled"
    switched = session.execute(
        select(AuditEvent).where(AuditEvent.action == "creditor.scoring_switched")
    ).scalar_one()
    assert switched.before == {"scoring_enabled": True}
    assert switched.after == {"scoring_enabled": False}


def _score(session: Session, account, value: float, band: str = "low") -> None:
    creditor_id = session.get_one(Portfolio, account.portfolio_id).creditor_id
    model = session.execute(
        select(PropensityModel).where(PropensityModel.creditor_id == creditor_id)
    ).scalar_one_or_none()
    if model is None:
        model = PropensityModel(
            creditor_id=creditor_id,
            version=1,
            kind="test",
            cutoff=today(),
            sha256="0" * 64,
            artifact=b"-",
            features=[],
            metrics={},
        )
        session.add(model)
        session.flush()
    session.add(
        AccountScore(
            account_id=account.id,
            creditor_id=model.creditor_id,
            model_id=model.id,
            score=value,
            band=band,
            drivers=[],
        )
    )
    session.flush()


def test_the_field_day_ranks_likelier_payers_first(session: Session) -> None:
    portfolio = lima(session)
    creditor = session.get_one(Creditor, portfolio.creditor_id)
    _, agent = h.team(session)
    h.shift(session, agent)
    first = h.located_account(session, portfolio, agent, h.north(100))
    second = h.located_account(session, portfolio, agent, h.north(200))
    begin = datetime.now(UTC)

    def order() -> list:
        found = worklist.day_stops(session, [agent.id], today(), "America/Lima", begin)
        return [(s.row.account_id, s.row.value_minor) for s in found.stops]

    even = order()
    assert even[0][1] == even[1][1]  # the same worth: the rules alone cannot tell them apart
    _score(session, min(first, second, key=lambda a: a.id), 0.1)
    _score(session, max(first, second, key=lambda a: a.id), 0.9, "high")
    scored = order()
    assert scored[0][0] == max(first.id, second.id) and scored[0][1] > scored[1][1]
    assert abs(scored[0][1] - even[0][1] * 1.4) <= 1 and abs(scored[1][1] - even[1][1] * 0.6) <= 1

    creditor.scoring_enabled = False  # off: scores are not used, even if some are left
    session.add(creditor)
    session.flush()
    assert order() == even


def test_segments_take_accounts_by_score_band(session: Session) -> None:
    portfolio = b.portfolio(session)
    likely, unlikely, unscored = (b.account(session, portfolio) for _ in range(3))
    _score(session, likely, 0.8, "high")
    _score(session, unlikely, 0.1, "low")
    session.add(
        SegmentRule(
            portfolio_id=portfolio.id,
            segment="probables",
            position=1,
            conditions={"score_bands": ["high", "medium"]},
        )
    )
    session.flush()

    segments.evaluate(session, portfolio)

    found = dict(session.execute(select(AccountSegment.account_id, AccountSegment.segment)).all())
    assert found == {likely.id: "probables", unlikely.id: None, unscored.id: None}


def test_concurrent_scoring_runs_leave_one_score_per_account(committed_engine: Engine) -> None:
    with session_scope(committed_engine) as session:
        _, creditor, made = _trained(session, accounts=60, seed=4)
        creditor_id = creditor.id
    barrier = threading.Barrier(3)

    def run(_: int) -> int:
        barrier.wait()
        with session_scope(committed_engine) as session:
            return service.score(session, session.get_one(Creditor, creditor_id), TODAY)

    with ThreadPoolExecutor(max_workers=3) as pool:
        counts = list(pool.map(run, range(3)))

    owing = sum(1 for a in made if a.balance_minor > 0)
    assert counts == [owing] * 3
    with session_scope(committed_engine, write=False) as session:
        stored = session.execute(select(func.count()).select_from(AccountScore)).scalar_one()
        assert stored == owing
