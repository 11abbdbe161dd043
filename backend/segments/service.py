"""Segment rules (ordered per portfolio, first match wins), their evaluation over the
portfolio's open accounts, and why an account is in its segment.

Changing a rule evaluates the portfolio again in the same unit of work, so what an account's
segment says always follows the rules in force; the hourly job ``segments.evaluate`` catches
what moves by itself (days past due, balances, scores, broken promises).
"""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.clock import today_in, utcnow
from backend.core.errors import Conflict
from backend.creditors.models import Portfolio
from backend.creditors.service import get_portfolio
from backend.segments import repository
from backend.segments.models import SegmentRule
from backend.segments.rules import explain
from shared.i18n import t
from shared.schemas.segments import (
    AccountSegmentRead,
    SegmentConditions,
    SegmentEvaluation,
    SegmentRuleRead,
    SegmentRuleWrite,
)


class PositionTaken(Conflict):
    code = "segment_position_taken"


def rules(session: Session, portfolio: Portfolio, lang: str) -> list[SegmentRuleRead]:
    return [to_read(rule, portfolio, lang) for rule in repository.rules_of(session, portfolio.id)]


def to_read(rule: SegmentRule, portfolio: Portfolio, lang: str) -> SegmentRuleRead:
    conditions = SegmentConditions.model_validate(rule.conditions)
    return SegmentRuleRead(
        id=rule.id,
        portfolio_id=rule.portfolio_id,
        segment=rule.segment,
        position=rule.position,
        conditions=conditions,
        version=rule.version,
        explanation=explain(conditions, lang, portfolio.currency, portfolio.country),
        created_at=rule.created_at,
        updated_at=rule.updated_at,
    )


def create(
    session: Session, actor: Actor, portfolio: Portfolio, body: SegmentRuleWrite
) -> SegmentRule:
    _free(session, portfolio.id, body.position, None)
    rule = SegmentRule(
        portfolio_id=portfolio.id,
        segment=body.segment,
        position=body.position,
        conditions=body.conditions.model_dump(mode="json"),
    )
    _flush(session, rule)
    audit.record(
        session, actor, "segment_rule.created", "segment_rule", rule.id, after=_plain(rule)
    )
    evaluate(session, portfolio)
    return rule


def update(
    session: Session, actor: Actor, rule: SegmentRule, body: SegmentRuleWrite
) -> SegmentRule:
    _free(session, rule.portfolio_id, body.position, rule.id)
    before = _plain(rule)
    rule.segment = body.segment
    rule.position = body.position
    rule.conditions = body.conditions.model_dump(mode="json")
    rule.version += 1
    _flush(session, rule)
    audit.record(
        session,
        actor,
        "segment_rule.updated",
        "segment_rule",
        rule.id,
        before=before,
        after=_plain(rule),
    )
    evaluate(session, get_portfolio(session, rule.portfolio_id))
    return rule


def delete(session: Session, actor: Actor, rule: SegmentRule) -> None:
    audit.record(
        session, actor, "segment_rule.deleted", "segment_rule", rule.id, before=_plain(rule)
    )
    portfolio_id = rule.portfolio_id
    session.delete(rule)
    session.flush()
    evaluate(session, get_portfolio(session, portfolio_id))


def evaluate(session: Session, portfolio: Portfolio) -> SegmentEvaluation:
    """Store each open account's segment on the portfolio's local day (idempotent)."""
    found = repository.rules_of(session, portfolio.id)
    repository.store(session, portfolio.id, found, today_in(portfolio.timezone), utcnow())
    counts = repository.counts(session, portfolio.id)
    return SegmentEvaluation(
        portfolio_id=portfolio.id,
        accounts=sum(counts.values()),
        by_segment={segment or "": n for segment, n in counts.items()},
    )


def of_account(session: Session, account: Account, lang: str) -> AccountSegmentRead:
    stored = repository.segment_of(session, account.id)
    if stored is None:
        return AccountSegmentRead(
            account_id=account.id,
            segment=None,
            rule_id=None,
            explanation=t("segment.not_evaluated", lang),
            evaluated_at=None,
        )
    if stored.segment is None:
        words = t("segment.unmatched", lang)
    else:
        rule = session.get(SegmentRule, stored.rule_id) if stored.rule_id else None
        if rule is None or rule.version != stored.rule_version:
            words = t("segment.matched_rule_gone", lang, segment=stored.segment)
        else:
            portfolio = get_portfolio(session, account.portfolio_id)
            conditions = explain(
                SegmentConditions.model_validate(rule.conditions),
                lang,
                portfolio.currency,
                portfolio.country,
            )
            words = t(
                "segment.matched",
                lang,
                segment=stored.segment,
                position=rule.position,
                conditions=conditions,
            )
    return AccountSegmentRead(
        account_id=account.id,
        segment=stored.segment,
        rule_id=stored.rule_id,
        explanation=words,
        evaluated_at=stored.evaluated_at,
    )


def _free(session: Session, portfolio_id: uuid.UUID, position: int, but: uuid.UUID | None) -> None:
    if repository.position_taken(session, portfolio_id, position, but):
        raise PositionTaken(position=position)


def _flush(session: Session, rule: SegmentRule) -> None:
    """Write the rule; a concurrent writer that took its position first makes this a 409."""
    try:
        with session.begin_nested():
            session.add(rule)
            session.flush()
    except IntegrityError as exc:
        raise PositionTaken(position=rule.position) from exc


def _plain(rule: SegmentRule) -> dict[str, object]:
    return {
        "portfolio_id": str(rule.portfolio_id),
        "segment": rule.segment,
        "position": rule.position,
        "conditions": rule.conditions,
        "version": rule.version,
    }
