"""The segment rule a path names (``/segment-rules/{rule_id}``), loaded in the endpoint's unit
of work; 404 when missing. Rules are the agency's configuration, like the portfolios they
belong to: staff see and change them (the endpoints' role)."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.core.errors import NotFound
from backend.core.guards import guard
from backend.segments.models import SegmentRule


def _rule(session: Session, rule_id: uuid.UUID) -> SegmentRule:
    rule = session.get(SegmentRule, rule_id)
    if rule is None:
        raise NotFound()
    return rule


KnownRule = Annotated[SegmentRule, guard(_rule)]
