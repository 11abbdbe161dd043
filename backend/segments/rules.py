"""A rule's conditions as SQL over accounts (for the set-based evaluation) and in words (for the
person reading why an account is in its segment)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, exists, or_, select, true
from sqlmodel import col

from backend.accounts.models import Account
from backend.aging import in_bucket_sql
from backend.debtors.models import DebtorAddress
from backend.promises.models import Promise
from backend.scoring.models import AccountScore
from shared.i18n import t
from shared.i18n.formats import money
from shared.schemas.enums import PromiseStatus
from shared.schemas.segments import SegmentConditions


def matches(conditions: SegmentConditions, today: date) -> ColumnElement[bool]:
    """SQL: the account (``Account`` columns) meets every condition on ``today``."""
    found: list[ColumnElement[bool]] = []
    if conditions.aging_buckets:
        found.append(
            or_(
                *(
                    in_bucket_sql(b, Account.balance_minor, Account.due_date, today)
                    for b in conditions.aging_buckets
                )
            )
        )
    if conditions.min_balance_minor is not None:
        found.append(Account.balance_minor >= conditions.min_balance_minor)
    if conditions.max_balance_minor is not None:
        found.append(Account.balance_minor <= conditions.max_balance_minor)
    if conditions.products:
        found.append(col(Account.product).in_(conditions.products))
    if conditions.regions:
        found.append(
            exists(
                select(DebtorAddress.id).where(
                    DebtorAddress.debtor_id == Account.debtor_id,
                    col(DebtorAddress.region).in_(conditions.regions),
                )
            )
        )
    if conditions.score_bands:
        found.append(
            exists(
                select(AccountScore.account_id).where(
                    AccountScore.account_id == Account.id,
                    col(AccountScore.band).in_(conditions.score_bands),
                )
            )
        )
    if conditions.broken_promise_within_days is not None:
        since = today - timedelta(days=conditions.broken_promise_within_days)
        found.append(
            exists(
                select(Promise.id).where(
                    Promise.account_id == Account.id,
                    Promise.status == PromiseStatus.broken,
                    Promise.due_date >= since,
                )
            )
        )
    return and_(true(), *found)


def explain(conditions: SegmentConditions, lang: str, currency: str, country: str = "") -> str:
    """The conditions in a sentence of ``lang`` (amounts in ``currency``)."""
    parts: list[str] = []
    if conditions.aging_buckets:
        buckets = ", ".join(b.value for b in conditions.aging_buckets)
        parts.append(t("segment.buckets", lang, buckets=buckets))
    low, high = conditions.min_balance_minor, conditions.max_balance_minor
    if low is not None:
        parts.append(t("segment.min_balance", lang, amount=money(low, currency, lang, country)))
    if high is not None:
        parts.append(t("segment.max_balance", lang, amount=money(high, currency, lang, country)))
    if conditions.products:
        parts.append(t("segment.products", lang, products=", ".join(conditions.products)))
    if conditions.regions:
        parts.append(t("segment.regions", lang, regions=", ".join(conditions.regions)))
    if conditions.score_bands:
        bands = ", ".join(t(f"segment.band.{band}", lang) for band in conditions.score_bands)
        parts.append(t("segment.score_bands", lang, bands=bands))
    if conditions.broken_promise_within_days is not None:
        parts.append(t("segment.broken_promise", lang, days=conditions.broken_promise_within_days))
    if not parts:
        return t("segment.every_account", lang)
    return t("segment.conditions", lang, conditions="; ".join(parts))
