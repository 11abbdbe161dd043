"""Every query of scoring."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.creditors.models import Creditor, Portfolio
from backend.scoring.models import AccountScore, PropensityModel

CHUNK = 1_000


def latest(session: Session, creditor_id: uuid.UUID) -> PropensityModel | None:
    return session.execute(
        select(PropensityModel)
        .where(PropensityModel.creditor_id == creditor_id)
        .order_by(col(PropensityModel.version).desc())
        .limit(1)
    ).scalar_one_or_none()


def versions(session: Session, creditor_id: uuid.UUID, limit: int = 20) -> list[PropensityModel]:
    return list(
        session.execute(
            select(PropensityModel)
            .where(PropensityModel.creditor_id == creditor_id)
            .order_by(col(PropensityModel.version).desc())
            .limit(limit)
        ).scalars()
    )


def next_version(session: Session, creditor_id: uuid.UUID) -> int:
    found = session.execute(
        select(func.max(PropensityModel.version)).where(PropensityModel.creditor_id == creditor_id)
    ).scalar_one()
    return (found or 0) + 1


def store_scores(
    session: Session, creditor_id: uuid.UUID, rows: list[dict[str, Any]], now: datetime
) -> None:
    """Upsert the scores (a concurrent run's rows are overwritten, never duplicated), then drop
    the creditor's scores this run did not write (accounts no longer owing)."""
    table = AccountScore.__table__
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for start in range(0, len(rows), CHUNK):
        statement = insert(table).values(rows[start : start + CHUNK])
        statement = statement.on_conflict_do_update(
            index_elements=["account_id"],
            set_={
                name: statement.excluded[name]
                for name in ("creditor_id", "model_id", "score", "band", "drivers", "scored_at")
            },
        )
        session.execute(statement)
    session.execute(
        delete(AccountScore).where(
            AccountScore.creditor_id == creditor_id, AccountScore.scored_at != now
        )
    )


def drop_scores(session: Session, creditor_id: uuid.UUID) -> None:
    session.execute(delete(AccountScore).where(AccountScore.creditor_id == creditor_id))


def scores_for(session: Session, account_ids: list[uuid.UUID]) -> dict[uuid.UUID, float]:
    """The scores of those accounts whose creditor has scoring on."""
    if not account_ids:
        return {}
    rows = session.execute(
        select(AccountScore.account_id, AccountScore.score)
        .join(Creditor, Creditor.id == AccountScore.creditor_id)
        .where(col(AccountScore.account_id).in_(account_ids), col(Creditor.scoring_enabled))
    )
    return {account_id: score for account_id, score in rows}


def creditor_of(session: Session, account: Account) -> Creditor:
    return session.execute(
        select(Creditor)
        .join(Portfolio, Portfolio.creditor_id == Creditor.id)
        .where(Portfolio.id == account.portfolio_id)
    ).scalar_one()


def enabled_creditors(session: Session) -> list[uuid.UUID]:
    return list(
        session.execute(
            select(Creditor.id).where(col(Creditor.scoring_enabled)).order_by(col(Creditor.id))
        ).scalars()
    )


def timezone_of(session: Session, creditor_id: uuid.UUID) -> str | None:
    return session.execute(
        select(Portfolio.timezone)
        .where(Portfolio.creditor_id == creditor_id)
        .order_by(col(Portfolio.id))
        .limit(1)
    ).scalar_one_or_none()
