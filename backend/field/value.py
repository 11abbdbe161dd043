"""What a visit is worth: the collected-at-risk a stop puts in reach, in minor units of its
currency, for ranking stops and as the routing solver's penalty for leaving one out.

Per account: the balance weighted by how collectable it still is at its age (older debt is
collected less often), plus what falls due that day or is overdue in a plan (a promise due,
unpaid instalments: money the debtor already agreed to pay). Per stop (a debtor at an address):
the sum over its accounts, then

- x1.25 when a plan of one of the accounts broke recently (the debtor needs a new agreement);
- x1.2 when the debtor has not been contacted for ``STALE_DAYS`` (or never), x0.5 when they
  were contacted within ``RECENT_DAYS`` (another contact now adds little).
"""

from __future__ import annotations

from dataclasses import dataclass

#: (up to this many days past due, share of the balance a visit is taken to put at reach).
RECOVERY = ((30, 0.6), (60, 0.5), (90, 0.4), (180, 0.3), (360, 0.2))
OLDEST = 0.1
BROKEN_PLAN = 1.25
STALE_DAYS, STALE = 14, 1.2
RECENT_DAYS, RECENT = 2, 0.5
PROPENSITY_FLOOR = 0.5


@dataclass(frozen=True, slots=True)
class AccountSignals:
    balance_minor: int
    days_past_due: int
    promise_due_minor: int = 0
    instalments_due_minor: int = 0
    broken_plan: bool = False
    #: The probability of a payment within 30 days, when the account is scored.
    propensity: float | None = None


def account_worth(signals: AccountSignals) -> float:
    share = next((s for limit, s in RECOVERY if signals.days_past_due <= limit), OLDEST)
    if signals.propensity is not None:
        share *= PROPENSITY_FLOOR + signals.propensity
    return signals.balance_minor * share + signals.promise_due_minor + signals.instalments_due_minor


def stop_worth(accounts: list[AccountSignals], days_since_contact: int | None) -> int:
    worth = sum(account_worth(a) for a in accounts)
    if any(a.broken_plan for a in accounts):
        worth *= BROKEN_PLAN
    if days_since_contact is None or days_since_contact >= STALE_DAYS:
        worth *= STALE
    elif days_since_contact < RECENT_DAYS:
        worth *= RECENT
    return round(worth)
