"""Jobs: train each creditor's model weekly (a new version), score its accounts daily with the
newest. Each creditor is its own unit of work; creditors with scoring off are skipped by
training, and scoring drops what they had."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Engine
from sqlmodel import col, select

from backend.audit.service import Actor
from backend.core.clock import today_in
from backend.core.db import session_scope
from backend.creditors.models import Creditor, Portfolio
from backend.jobs.registry import job
from backend.scoring import service
from shared.observability.logs import get_logger

log = get_logger("cobro.scoring")


@job("scoring.train", cron="15 2 * * 1", max_attempts=2)
def train_models(creditor_id: str | None = None) -> dict[str, int | None]:
    return run_training(creditor_id=creditor_id)


@job("scoring.score", cron="25 3 * * *")
def score_accounts(creditor_id: str | None = None) -> dict[str, int]:
    return run_scoring(creditor_id=creditor_id)


def run_training(
    engine: Engine | None = None, *, creditor_id: str | None = None, today: date | None = None
) -> dict[str, int | None]:
    """A new model version per creditor with scoring on (None: not enough history)."""
    versions: dict[str, int | None] = {}
    for found, day in _creditors(engine, creditor_id, enabled_only=True):
        with session_scope(engine) as session:
            creditor = session.get_one(Creditor, found)
            try:
                trained = service.train(session, Actor.system(), creditor, today or day)
            except service.NotEnoughHistory as exc:
                log.info("scoring not trained", creditor_id=str(found), **exc.params)
                versions[str(found)] = None
                continue
            versions[str(found)] = trained.version
    return versions


def run_scoring(
    engine: Engine | None = None, *, creditor_id: str | None = None, today: date | None = None
) -> dict[str, int]:
    """Score every creditor's accounts (those with scoring off lose their scores)."""
    counts: dict[str, int] = {}
    for found, day in _creditors(engine, creditor_id, enabled_only=False):
        with session_scope(engine) as session:
            creditor = session.get_one(Creditor, found)
            counts[str(found)] = service.score(session, creditor, today or day)
    return counts


def _creditors(
    engine: Engine | None, creditor_id: str | None, *, enabled_only: bool
) -> list[tuple[uuid.UUID, date]]:
    """The creditors to work on, each with its day (its first portfolio's local date)."""
    with session_scope(engine, write=False) as session:
        query = (
            select(Creditor.id, Portfolio.timezone)
            .join(Portfolio, Portfolio.creditor_id == Creditor.id)
            .order_by(col(Creditor.id), col(Portfolio.id))
        )
        if enabled_only:
            query = query.where(col(Creditor.scoring_enabled))
        if creditor_id is not None:
            query = query.where(Creditor.id == uuid.UUID(creditor_id))
        zones: dict[uuid.UUID, str] = {}
        for found, timezone in session.execute(query):
            zones.setdefault(found, timezone)
    return [(found, today_in(zone)) for found, zone in zones.items()]
