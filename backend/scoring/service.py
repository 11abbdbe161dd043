"""Train a creditor's propensity model (a new version each time), score its accounts with the
newest, read an account's score, and switch scoring on or off per creditor.

Off, nothing of scoring is used: the creditor's scores are deleted, the scoring job skips it,
readers (``scores_for``) ignore it, so worklists order by the rules without a score and score
bands match no account in segments. Its trained versions stay for the record.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.clock import today_in, utcnow
from backend.core.errors import Conflict, ValidationFailed
from backend.creditors.models import Creditor
from backend.scoring import features, model, repository
from backend.scoring.models import AccountScore, PropensityModel
from shared.i18n import t
from shared.schemas.scoring import (
    AccountScoreRead,
    PropensityModelRead,
    ScoreDriver,
    ScoringState,
)


class NotEnoughHistory(ValidationFailed):
    code = "not_enough_history"


class ScoringDisabled(Conflict):
    code = "scoring_disabled"


def train(session: Session, actor: Actor, creditor: Creditor, today: date) -> PropensityModel:
    """Fit on the accounts owing 30 days ago (label: paid since), store as the next version."""
    if not creditor.scoring_enabled:
        raise ScoringDisabled()
    cutoff = today - features.HORIZON
    rows = features.rows(session, creditor.id, cutoff)
    try:
        trained = model.train(rows)
    except model.NotEnoughHistory as exc:
        raise NotEnoughHistory(rows=exc.rows, positives=exc.positives) from exc
    artifact, sha = trained.artifact()
    row = PropensityModel(
        creditor_id=creditor.id,
        version=repository.next_version(session, creditor.id),
        kind=model.KIND,
        cutoff=cutoff,
        sha256=sha,
        artifact=artifact,
        features=[*features.NUMERIC, *features.CATEGORICAL],
        metrics=trained.metrics,
    )
    try:  # two trainings at once: the version's unique constraint lets one in
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise Conflict() from exc
    audit.record(
        session,
        actor,
        "propensity_model.trained",
        "propensity_model",
        row.id,
        after={
            "creditor_id": str(creditor.id),
            "version": row.version,
            "sha256": sha,
            "auc": trained.metrics["auc"],
            "baseline_auc": trained.metrics["baseline_auc"],
        },
    )
    return row


def score(session: Session, creditor: Creditor, today: date) -> int:
    """Score every account the creditor is owed on ``today`` with its newest model; the number
    scored (0 when scoring is off or no model was trained yet)."""
    if not creditor.scoring_enabled:
        repository.drop_scores(session, creditor.id)
        return 0
    found = repository.latest(session, creditor.id)
    if found is None:
        return 0
    estimator, encoder = model.load(found.artifact, found.sha256)
    rows = features.rows(session, creditor.id, today)
    now = utcnow()
    scored = model.score(estimator, encoder, rows)
    repository.store_scores(
        session,
        creditor.id,
        [
            {
                "account_id": row.account_id,
                "creditor_id": creditor.id,
                "model_id": found.id,
                "score": s.score,
                "band": s.band,
                "drivers": s.drivers,
                "scored_at": now,
            }
            for row, s in zip(rows, scored, strict=True)
        ],
        now,
    )
    return len(rows)


def today_of(session: Session, creditor: Creditor) -> date:
    """The creditor's day: its first portfolio's local date (UTC's without a portfolio)."""
    return today_in(repository.timezone_of(session, creditor.id) or "UTC")


def switch(session: Session, actor: Actor, creditor: Creditor, enabled: bool) -> ScoringState:
    before = creditor.scoring_enabled
    creditor.scoring_enabled = enabled
    session.add(creditor)
    session.flush()
    if not enabled:
        repository.drop_scores(session, creditor.id)
    audit.record(
        session,
        actor,
        "creditor.scoring_switched",
        "creditor",
        creditor.id,
        before={"scoring_enabled": before},
        after={"scoring_enabled": enabled},
    )
    return ScoringState(creditor_id=creditor.id, enabled=enabled)


def models_of(session: Session, creditor: Creditor) -> list[PropensityModelRead]:
    return [to_read(m) for m in repository.versions(session, creditor.id)]


def to_read(row: PropensityModel) -> PropensityModelRead:
    return PropensityModelRead.model_validate(row.model_dump(exclude={"artifact"}))


def of_account(session: Session, account: Account, lang: str) -> AccountScoreRead:
    creditor = repository.creditor_of(session, account)
    stored = session.get(AccountScore, account.id) if creditor.scoring_enabled else None
    if stored is None:
        return AccountScoreRead(
            account_id=account.id,
            enabled=creditor.scoring_enabled,
            score=None,
            band=None,
            drivers=[],
            model_version=None,
            scored_at=None,
        )
    version = session.get_one(PropensityModel, stored.model_id).version
    return AccountScoreRead(
        account_id=account.id,
        enabled=True,
        score=stored.score,
        band=stored.band,
        drivers=[
            ScoreDriver(
                feature=d["feature"],
                label=t(f"score.feature.{d['feature']}", lang),
                value=d["value"],
                effect=d["effect"],
            )
            for d in stored.drivers
        ],
        model_version=version,
        scored_at=stored.scored_at,
    )


def scores_for(session: Session, account_ids: list[uuid.UUID]) -> dict[uuid.UUID, float]:
    """Scores to use (their creditor has scoring on), by account."""
    return repository.scores_for(session, account_ids)


__all__ = ["NotEnoughHistory", "ScoringDisabled", "of_account", "score", "switch", "train"]
