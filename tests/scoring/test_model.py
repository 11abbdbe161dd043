"""Training a creditor's model on a history with behaviour: it beats days past due alone on
held-out accounts, is stored as a version with its digest and metrics, and loads back."""

from __future__ import annotations

from sqlmodel import Session

from backend.audit.service import Actor
from backend.creditors.models import Creditor
from backend.scoring import features, model, service
from shared.schemas.enums import Role
from tests import builders as b
from tests.scoring.history import CUTOFF, TODAY, history


def test_the_model_beats_days_past_due_on_held_out_accounts(session: Session) -> None:
    portfolio = b.portfolio(session)
    creditor = session.get_one(Creditor, portfolio.creditor_id)
    history(session, portfolio, 400, seed=3)

    first = service.train(session, Actor.system(), creditor, TODAY)
    second = service.train(session, Actor.system(), creditor, TODAY)

    metrics = first.metrics
    assert first.cutoff == CUTOFF and (first.version, second.version) == (1, 2)
    assert metrics["rows"] == 400 and metrics["held_out"] == 100
    assert metrics["auc"] > metrics["baseline_auc"] + 0.05, metrics
    assert metrics["auc"] > 0.75 and 0 < metrics["brier"] < 0.25
    bins = metrics["calibration"]
    assert sum(b_["count"] for b_ in bins) == 100
    assert all(
        0 <= b_["observed"] <= 1 and b_["low"] <= b_["predicted"] <= b_["high"] for b_ in bins
    )
    estimator, encoder = model.load(first.artifact, first.sha256)
    rows = features.rows(session, creditor.id, CUTOFF)
    scored = model.score(estimator, encoder, rows)
    assert len(scored) == 400 and all(0 < s.score < 1 for s in scored)


def test_a_tampered_model_is_refused(session: Session) -> None:
    portfolio = b.portfolio(session)
    creditor = session.get_one(Creditor, portfolio.creditor_id)
    history(session, portfolio, 80, seed=5)
    trained = service.train(session, Actor.system(), creditor, TODAY)

    try:
        model.load(trained.artifact + b"x", trained.sha256)
    except ValueError as exc:
        assert "digest" in str(exc)
    else:
        raise AssertionError("a model whose bytes changed loaded")


def test_too_little_history_is_a_named_error(session: Session, client) -> None:
    portfolio = b.portfolio(session)
    history(session, portfolio, 12, seed=1)
    admin = b.user(session, Role.admin)

    answer = client.post(
        f"/api/v1/creditors/{portfolio.creditor_id}/propensity-models", headers=b.headers(admin)
    )

    assert answer.status_code == 422 and answer.json()["code"] == "not_enough_history"
