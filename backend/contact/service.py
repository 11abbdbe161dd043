"""Each portfolio's contact rules: its country's rule set with the portfolio's overrides
(``portfolios.contact_rules``), validated when saved and audited."""

from __future__ import annotations

import json
import uuid
from functools import lru_cache
from typing import Any

from sqlmodel import Session

from backend.audit import service as audit
from backend.audit.service import Actor
from backend.contact.rules import RuleError, RuleSet, rule_set_to_dict, rules_for
from backend.core.errors import ValidationFailed
from backend.creditors.models import Portfolio
from backend.creditors.service import get_portfolio
from shared.schemas.contact import ContactRulesRead

OVERRIDABLE = frozenset(rule_set_to_dict(rules_for("PE"))) - {"country"}


class InvalidContactRules(ValidationFailed):
    code = "invalid_contact_rules"


def rules_of(portfolio: Portfolio) -> RuleSet:
    """The portfolio's effective rule set (parsed once per distinct set: worklists ask per
    stop)."""
    return _parse(portfolio.country, json.dumps(portfolio.contact_rules or {}, sort_keys=True))


@lru_cache(maxsize=256)
def _parse(country: str, overrides_json: str) -> RuleSet:
    return rules_for(country, json.loads(overrides_json))


def read(portfolio: Portfolio) -> ContactRulesRead:
    return ContactRulesRead(
        portfolio_id=portfolio.id,
        country=portfolio.country,
        overrides=portfolio.contact_rules or {},
        effective=rule_set_to_dict(rules_of(portfolio)),
    )


def replace(
    session: Session, actor: Actor, portfolio_id: uuid.UUID, overrides: dict[str, Any]
) -> ContactRulesRead:
    """Replace the portfolio's overrides of its country's rules ({} goes back to the law's).
    Unknown keys and impossible rules answer 422 ``invalid_contact_rules`` with the reason."""
    portfolio = get_portfolio(session, portfolio_id)
    unknown = sorted(set(overrides) - OVERRIDABLE)
    if unknown:
        raise InvalidContactRules(details=[f"unknown rule: {key}" for key in unknown])
    try:
        rules_for(portfolio.country, overrides)
    except RuleError as exc:
        raise InvalidContactRules(details=[str(exc)]) from None
    before = portfolio.contact_rules or None
    portfolio.contact_rules = overrides
    session.add(portfolio)
    session.flush()
    audit.record(
        session,
        actor,
        "policy.contact_updated",
        "portfolio",
        portfolio.id,
        before=before,
        after=overrides,
    )
    return read(portfolio)
