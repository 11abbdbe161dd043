from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from backend.auth.models import LoginThrottle, RefreshToken


def locked_throttles(session: Session, keys: list[str], now: datetime) -> list[LoginThrottle]:
    """The throttle rows of ``keys`` (created when missing), locked for this transaction, in
    ``keys`` order. Callers pass the keys sorted, so two logins never wait for each other in
    opposite orders."""
    insert_ = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = LoginThrottle.__table__
    for key in keys:
        session.execute(
            insert_(table)
            .values(key=key, failures=0, last_failure_at=now, blocked_until=None)
            .on_conflict_do_nothing(index_elements=["key"])
        )
    rows = session.exec(
        select(LoginThrottle)
        .where(LoginThrottle.key.in_(keys))
        .order_by(LoginThrottle.key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    by_key = {row.key: row for row in rows}
    return [by_key[key] for key in keys]


def forget_throttle(session: Session, key: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def refresh_token_for_update(session: Session, token_hash: str) -> RefreshToken | None:
    return session.exec(
        select(RefreshToken)
        .where(RefreshToken.token_hash == token_hash)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def revoke_family(session: Session, family_id: uuid.UUID, now: datetime) -> int:
    """Revoke every token of the family; how many were still live (neither rotated nor
    revoked)."""
    live = session.execute(
        select(func.count())
        .select_from(RefreshToken)
        .where(
            RefreshToken.family_id == family_id,
            RefreshToken.rotated_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
    ).scalar_one()
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return live


def revoke_live_successors(session: Session, family_id: uuid.UUID, now: datetime) -> None:
    """Revoke the family's tokens that are still usable (the successor whose answer was lost)."""
    session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.family_id == family_id,
            RefreshToken.rotated_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )


def delete_stale(session: Session, now: datetime, throttles_before: datetime) -> tuple[int, int]:
    """Expired refresh tokens, and throttles with no failure since ``throttles_before`` and no
    block still running."""
    tokens = session.execute(delete(RefreshToken).where(RefreshToken.expires_at < now)).rowcount
    throttles = session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < throttles_before,
            or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < now),
        )
    ).rowcount
    return tokens, throttles
