"""Propensity scoring: the per-creditor switch and model versions (admins train and switch),
and an account's score with what drives it."""

from __future__ import annotations

from backend.accounts.guards import VisibleAccount
from backend.auth.deps import Admin, Lang, SessionDep, Staff, actor_of
from backend.core.routing import DomainRouter
from backend.creditors.guards import KnownCreditor
from backend.scoring import service
from shared.schemas.scoring import (
    AccountScoreRead,
    PropensityModelRead,
    ScoringState,
    ScoringSwitch,
)

router = DomainRouter(tags=["scoring"])
MODELS = "/creditors/{creditor_id}/propensity-models"


@router.put("/creditors/{creditor_id}/scoring", response_model=ScoringState)
def switch_scoring(
    session: SessionDep, user: Admin, creditor: KnownCreditor, body: ScoringSwitch
) -> ScoringState:
    """Switch propensity scoring on or off for the creditor. Off: its scores are deleted and
    nothing orders or segments by them until it is switched on and scored again."""
    return service.switch(session, actor_of(user), creditor, body.enabled)


@router.get(MODELS, response_model=list[PropensityModelRead])
def list_models(
    session: SessionDep, _: Staff, creditor: KnownCreditor
) -> list[PropensityModelRead]:
    """The creditor's newest model versions (up to 20) with their held-out metrics."""
    return service.models_of(session, creditor)


@router.post(MODELS, response_model=PropensityModelRead, status_code=201)
def train_model(session: SessionDep, user: Admin, creditor: KnownCreditor) -> PropensityModelRead:
    """Train a new version now (the job ``scoring.train`` does it weekly); 422
    ``not_enough_history`` when too few accounts paid or did not; 409 ``scoring_disabled``."""
    today = service.today_of(session, creditor)
    return service.to_read(service.train(session, actor_of(user), creditor, today))


@router.get("/accounts/{account_id}/score", response_model=AccountScoreRead)
def account_score(session: SessionDep, account: VisibleAccount, lang: Lang) -> AccountScoreRead:
    """The account's probability of a payment within 30 days, its band and the features that
    moved it most."""
    return service.of_account(session, account, lang)
