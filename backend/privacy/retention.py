"""How long a debtor's personal data is kept once every account of theirs is closed, per
country: configurable defaults, not legal advice (``docs/privacy.md`` cites the laws).

Each default is the period during which the creditor may still need to prove who owed what
(limitation periods of claims, record-keeping duties). ``COBRO_RETENTION_YEARS`` overrides
any of them (``"PE=10,CO=5"``); a country not listed keeps ``DEFAULT_YEARS``.
"""

from __future__ import annotations

from datetime import datetime

from backend.core.config import get_settings

DEFAULT_YEARS = 10

YEARS: dict[str, int] = {
    # Código Civil art. 2001(1): a personal action is time-barred after ten years.
    "PE": 10,
    # Código de Comercio art. 60 and Ley 962 de 2005 art. 28: books and supporting papers ten
    # years; Código Civil art. 2536: the ordinary action ten years.
    "CO": 10,
    # Código de Comercio arts. 38 (records ten years) and 1047 (ordinary limitation ten years).
    "MX": 10,
    # Código Civil art. 2515: ordinary actions five years; Ley 19.628 art. 18: overdue debts
    # may not be reported after five years.
    "CL": 5,
    # FCRA, 15 U.S.C. 1681c(a)(4): collection accounts are reportable for seven years;
    # Regulation F, 12 CFR 1006.100, asks collectors for three years of records at least.
    "US": 7,
}


class RetentionConfigError(ValueError):
    pass


def years_by_country() -> dict[str, int]:
    """The defaults with ``COBRO_RETENTION_YEARS`` over them."""
    years = dict(YEARS)
    for part in get_settings().retention_years.split(","):
        if not part.strip():
            continue
        country, _, value = part.partition("=")
        country = country.strip().upper()
        if len(country) != 2 or not value.strip().isdigit() or int(value) < 1:
            raise RetentionConfigError(f"COBRO_RETENTION_YEARS: {part.strip()!r} is not CC=years")
        years[country] = int(value)
    return years


def years_before(now: datetime, years: int) -> datetime:
    """``now`` moved back ``years`` calendar years (29 February becomes the 28th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def cutoffs(now: datetime) -> tuple[dict[str, datetime], datetime]:
    """Per country, the instant before which a closed debtor's data is past retention, and
    the same for countries without a rule of their own."""
    return (
        {country: years_before(now, n) for country, n in years_by_country().items()},
        years_before(now, DEFAULT_YEARS),
    )
