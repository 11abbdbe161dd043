"""The offer or plan a path names (``/offers/{offer_id}``, ``/plans/{plan_id}``), loaded and
checked in the endpoint's unit of work (``backend.core.guards``): one query, joined to its
account and kept only when the caller may see that account; 404 otherwise."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.accounts.scope import visible_through_account
from backend.auth.deps import CurrentUser
from backend.core.guards import guard
from backend.plans.models import Offer, Plan


def _visible_offer(session: Session, user: CurrentUser, offer_id: uuid.UUID) -> Offer:
    return visible_through_account(session, user, Offer, offer_id)


def _visible_plan(session: Session, user: CurrentUser, plan_id: uuid.UUID) -> Plan:
    return visible_through_account(session, user, Plan, plan_id)


VisibleOffer = Annotated[Offer, guard(_visible_offer)]
VisiblePlan = Annotated[Plan, guard(_visible_plan)]
