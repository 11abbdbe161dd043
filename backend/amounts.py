"""Amount limits: the ceiling every amount entering Cobro is checked against.

Each portfolio has a ceiling (``portfolios.max_amount_minor``, default
``shared.money.DEFAULT_MAX_AMOUNT_MINOR`` = 10^13 minor units) for any single amount and for
any balance; it can be raised up to ``MAX_STORED_MINOR`` (10^15), the range the database
itself enforces on every money column (migration 0008). Both are far below int64, so adding
an amount to a balance can never overflow. Above the ceiling the answer is 422
``amount_too_large``.

Money beyond the balance by more than the portfolio's ``overpayment_tolerance_minor`` needs a
supervisor (409 ``overpayment_needs_approval``) when an agent takes it or someone posts it by
hand; money that already arrived through a provider or a bank statement is booked regardless.

Pure functions on ints, for any domain (imports included) to call before writing.
"""

from __future__ import annotations

from backend.core.errors import AmountTooLarge, OverpaymentNeedsApproval
from backend.creditors.models import Portfolio
from shared.money import DEFAULT_MAX_AMOUNT_MINOR


def ceiling(portfolio: Portfolio) -> int:
    """The largest amount, or balance, the portfolio accepts (minor units)."""
    return portfolio.max_amount_minor or DEFAULT_MAX_AMOUNT_MINOR


def check_amount(amount_minor: int, limit_minor: int) -> int:
    """``amount_minor`` itself when its size is within ``limit_minor``; else ``AmountTooLarge``.
    Also for balances: a balance above the ceiling is refused like an amount."""
    if abs(amount_minor) > limit_minor:
        raise AmountTooLarge(limit_minor=limit_minor)
    return amount_minor


def check_overpayment(balance_minor: int, credit_minor: int, tolerance_minor: int) -> None:
    """A credit of ``credit_minor`` may take the balance at most ``tolerance_minor`` below zero."""
    if balance_minor - credit_minor < -tolerance_minor:
        raise OverpaymentNeedsApproval(balance_minor=balance_minor, tolerance_minor=tolerance_minor)
