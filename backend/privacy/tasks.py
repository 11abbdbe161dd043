"""Daily job: erase the personal data of debtors whose retention ran out
(``backend.privacy.retention``), a page of debtors per committed unit of work.

Each page is set-based (a few statements whatever its size) and idempotent: an erased debtor is
no longer due, so a crash loses at most the page in flight, which the next run erases.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from backend.core.actors import Actor
from backend.core.clock import utcnow
from backend.jobs.pages import in_pages
from backend.jobs.registry import job
from backend.privacy import rotation, service


def run_retention(engine: Engine | None = None, *, now: datetime | None = None) -> int:
    """Erase every debtor past retention at ``now``; how many were erased."""
    at = now or utcnow()
    erased = 0

    def page(session: Session, after: uuid.UUID | None) -> uuid.UUID | None:
        nonlocal erased
        ids = service.erase_expired_page(session, Actor.system(), at, after)
        erased += len(ids)
        return ids[-1] if len(ids) == service.PAGE else None

    in_pages(engine, page)
    return erased


@job("privacy.retention", cron="40 4 * * *")
def erase_past_retention() -> None:
    run_retention()


def run_rotation(engine: Engine | None = None) -> None:
    """Re-seal every value still under an older data key (``backend.privacy.rotation``)."""
    in_pages(engine, rotation.reseal_debtors_page)
    in_pages(engine, rotation.reseal_phones_page)


@job("privacy.rotate_data_key", max_attempts=3)
def rotate_data_key() -> None:
    run_rotation()
