"""Key rotation of the personal data sealed at rest (``backend.core.crypto``).

After a new key is put first in ``COBRO_DATA_KEYS`` (the old ones kept after it), new values
are sealed under it at once and old ones still open; ``cobro rotate-data-key`` queues the job
that re-seals, a page of rows per committed unit of work, every debtor and phone with a value
still under another version. Idempotent: a re-sealed row no longer matches, so a re-run (or a
retry after a crash) only does what is left. When it reports nothing left, the old key can be
removed from the environment.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, String, func, or_, select, type_coerce, update
from sqlmodel import Session, col

from backend.core.crypto import keyring
from backend.debtors.models import Debtor, DebtorPhone

PAGE = 500
_DEBTOR_SEALED = ("id_number", "birth_date", "emails")


def _stale(column: Any) -> ColumnElement[bool]:
    """A sealed value under another key than the current one (the stored text's prefix)."""
    stored = type_coerce(column, String)
    return stored.is_not(None) & ~stored.startswith(f"v{keyring().current}:")


def reseal_debtors_page(session: Session, after: uuid.UUID | None) -> uuid.UUID | None:
    """Re-seal up to ``PAGE`` debtors with a stale value; the last id, or None when done."""
    # updated_at given back unchanged: re-sealing is no change to the debtor (retention counts
    # from the last one).
    columns = (getattr(Debtor, name) for name in (*_DEBTOR_SEALED, "updated_at"))
    query = select(Debtor.id, *columns).where(
        or_(*(_stale(getattr(Debtor, name)) for name in _DEBTOR_SEALED))
    )
    if after is not None:
        query = query.where(Debtor.id > after)
    rows = session.execute(query.order_by(col(Debtor.id)).limit(PAGE)).all()
    if rows:  # opened on the way out, sealed under the current key on the way back
        session.execute(update(Debtor), [dict(row._mapping) for row in rows])
    return rows[-1].id if len(rows) == PAGE else None


def reseal_phones_page(session: Session, after: uuid.UUID | None) -> uuid.UUID | None:
    query = select(DebtorPhone.id, DebtorPhone.e164).where(_stale(DebtorPhone.e164))
    if after is not None:
        query = query.where(DebtorPhone.id > after)
    rows = session.execute(query.order_by(col(DebtorPhone.id)).limit(PAGE)).all()
    if rows:
        session.execute(update(DebtorPhone), [dict(row._mapping) for row in rows])
    return rows[-1].id if len(rows) == PAGE else None


def stale_count(session: Session) -> int:
    """Rows holding a value sealed under another key than the current one."""
    debtors = select(func.count()).where(
        or_(*(_stale(getattr(Debtor, name)) for name in _DEBTOR_SEALED))
    )
    phones = select(func.count()).where(_stale(DebtorPhone.e164))
    return session.execute(debtors).scalar_one() + session.execute(phones).scalar_one()
