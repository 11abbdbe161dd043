"""The cash an agent took on a day, for the deposit at the end of it.

A day is a calendar day in the agent's time zone (the portfolio holding most of their
accounts, ``backend.field.days``; today there by default). Its cash payments are those the
agent booked with method ``cash`` and that day as the day paid (the device's local day, so a
payment synced the next morning still counts for the day the money changed hands). The
summary lists each, in booking order with the time booked in that zone, and the count and
total per currency (exact integer sums of minor units). The PDF says the same for the
deposit slip, money and dates written as the portfolio's country writes them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.core.clock import today_in
from backend.core.config import get_settings
from backend.documents import pdf
from backend.field import days, repository
from backend.users.models import User
from shared.i18n import formats, t
from shared.schemas.field import CashPayment, CashSummary, MoneyTotal


def summary(session: Session, agent: User, day: date | None) -> CashSummary:
    tz = days.agent_timezone(session, agent.id)
    zone = days.checked_zone(tz)
    day = day or today_in(tz)
    rows = repository.cash_payments(session, agent.id, day)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for payment, _, _ in rows:
        totals[payment.currency][0] += 1
        totals[payment.currency][1] += payment.amount_minor
    return CashSummary(
        agent_id=agent.id,
        agent_name=agent.full_name,
        date=day,
        timezone=tz,
        payments=[
            CashPayment(
                payment_id=payment.id,
                account_id=account.id,
                external_ref=account.external_ref,
                debtor_name=debtor.display_name,
                amount_minor=payment.amount_minor,
                currency=payment.currency,
                received_at=payment.created_at.astimezone(zone),
                receipt_number=payment.receipt_number,
                verification_code=payment.verification_code,
            )
            for payment, account, debtor in rows
        ],
        totals=[
            MoneyTotal(currency=currency, count=count, amount_minor=amount)
            for currency, (count, amount) in sorted(totals.items())
        ],
    )


def summary_pdf(found: CashSummary, lang: str) -> bytes:
    """The summary as a PDF the agent hands in with the deposit."""

    def money(minor: int, currency: str) -> str:
        return formats.money(minor, currency, lang)

    zone = ZoneInfo(found.timezone)
    facts = [
        (t("cash.agent", lang), found.agent_name),
        (t("cash.day", lang), formats.long_day(found.date, lang)),
        (t("cash.count", lang), str(len(found.payments))),
    ]
    facts += [
        (t("cash.total", lang, currency=total.currency), money(total.amount_minor, total.currency))
        for total in found.totals
    ]
    table = pdf.Table(
        header=tuple(t(f"cash.column.{c}", lang) for c in ("time", "debtor", "receipt", "amount")),
        rows=[
            (
                p.received_at.astimezone(zone).strftime("%H:%M"),
                f"{p.debtor_name} ({p.external_ref})",
                p.receipt_number or p.verification_code or "",
                money(p.amount_minor, p.currency),
            )
            for p in found.payments
        ],
        widths=(0.12, 0.46, 0.2, 0.22),
        align=("L", "L", "L", "R"),
    )
    return pdf.render(
        pdf.Document(
            lang=lang,
            title=t("cash.title", lang),
            subtitle=t("cash.subtitle", lang, agency=get_settings().agency_name),
            facts=facts,
            table=table if found.payments else None,
            paragraphs=[] if found.payments else [t("cash.none", lang)],
            footer=[t("cash.footer", lang, timezone=found.timezone)],
            author=get_settings().agency_name,
        )
    )
