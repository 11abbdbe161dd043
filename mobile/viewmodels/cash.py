"""The agent's cash of the day, to deposit: each cash payment the server booked for them that
day and the total per currency (``GET /field/agents/{id}/cash-summary``). It needs the
server (payments still in the outbox are not booked yet: the screen says how many wait)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from mobile.outbox import PENDING
from mobile.session import AppContext
from mobile.viewmodels import format as fmt
from shared.client import ApiError, ApiUnavailable
from shared.schemas.field import CashSummary, SyncActionType


@dataclass(frozen=True, slots=True)
class CashLine:
    time: str
    debtor: str
    receipt: str
    amount: str


class CashViewModel:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.summary: CashSummary | None = None
        self.message: str | None = None

    async def load(self) -> None:
        session = self.ctx.session
        try:
            self.summary = await session.api.get_cash_summary(uuid.UUID(session.info.user_id))
            self.message = None
        except ApiUnavailable:
            self.message = self.ctx.t("mobile.cash.offline")
        except ApiError as exc:
            self.message = exc.message

    def waiting(self) -> int:
        """Payments recorded on the device and not sent yet (not in the totals)."""
        rows = self.ctx.session.outbox.rows()
        return sum(1 for r in rows if r.type == SyncActionType.payment and r.status == PENDING)

    def totals(self) -> list[str]:
        if self.summary is None:
            return []
        return [
            self.ctx.t(
                "mobile.cash.total",
                amount=fmt.money(total.amount_minor, total.currency, self.ctx.lang),
                count=total.count,
            )
            for total in self.summary.totals
        ]

    def lines(self) -> list[CashLine]:
        if self.summary is None:
            return []
        return [
            CashLine(
                time=p.received_at.strftime("%H:%M"),
                debtor=p.debtor_name,
                receipt=p.receipt_number or p.verification_code or "",
                amount=fmt.money(p.amount_minor, p.currency, self.ctx.lang),
            )
            for p in self.summary.payments
        ]

    def day(self) -> str:
        if self.summary is None:
            return ""
        return fmt.day(self.summary.date, self.ctx.lang)
