"""Segment rules per portfolio (staff, audited), evaluating them, and an account's segment."""

from __future__ import annotations

from fastapi import Response

from backend.accounts.guards import VisibleAccount
from backend.auth.deps import Lang, SessionDep, Staff, actor_of
from backend.core.routing import DomainRouter
from backend.creditors.guards import KnownPortfolio
from backend.creditors.service import get_portfolio
from backend.segments import service
from backend.segments.guards import KnownRule
from shared.schemas.segments import (
    AccountSegmentRead,
    SegmentEvaluation,
    SegmentRuleRead,
    SegmentRuleWrite,
)

router = DomainRouter(tags=["segments"])
RULES = "/portfolios/{portfolio_id}/segment-rules"


@router.get(RULES, response_model=list[SegmentRuleRead])
def list_rules(
    session: SessionDep, _: Staff, portfolio: KnownPortfolio, lang: Lang
) -> list[SegmentRuleRead]:
    """The portfolio's rules in the order they are tried (the first that takes an account
    names its segment), each with its conditions in words."""
    return service.rules(session, portfolio, lang)


@router.post(RULES, response_model=SegmentRuleRead, status_code=201)
def create_rule(
    session: SessionDep, user: Staff, portfolio: KnownPortfolio, body: SegmentRuleWrite, lang: Lang
) -> SegmentRuleRead:
    """Add a rule at ``position`` (409 ``segment_position_taken`` when another has it); the
    portfolio's segments are evaluated again."""
    rule = service.create(session, actor_of(user), portfolio, body)
    return service.to_read(rule, portfolio, lang)


@router.put("/segment-rules/{rule_id}", response_model=SegmentRuleRead)
def update_rule(
    session: SessionDep, user: Staff, rule: KnownRule, body: SegmentRuleWrite, lang: Lang
) -> SegmentRuleRead:
    """Replace a rule (its version counts the edits); the segments are evaluated again."""
    service.update(session, actor_of(user), rule, body)
    return service.to_read(rule, get_portfolio(session, rule.portfolio_id), lang)


@router.delete("/segment-rules/{rule_id}", status_code=204)
def delete_rule(session: SessionDep, user: Staff, rule: KnownRule) -> Response:
    service.delete(session, actor_of(user), rule)
    return Response(status_code=204)


@router.post("/portfolios/{portfolio_id}/segments/evaluate", response_model=SegmentEvaluation)
def evaluate(session: SessionDep, _: Staff, portfolio: KnownPortfolio) -> SegmentEvaluation:
    """Evaluate the rules now (the job does it hourly): open accounts per segment."""
    return service.evaluate(session, portfolio)


@router.get("/accounts/{account_id}/segment", response_model=AccountSegmentRead)
def account_segment(session: SessionDep, account: VisibleAccount, lang: Lang) -> AccountSegmentRead:
    """The account's segment, the rule that put it there, and why, in words."""
    return service.of_account(session, account, lang)
