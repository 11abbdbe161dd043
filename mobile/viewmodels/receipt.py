"""The receipt of a payment the agent just took, for the debtor to check on the spot.

The server gives the receipt its code when it books the payment, so the code, its public
verification URL and a QR code of that URL (drawn by the API) are known once the payment
synced: :meth:`ReceiptViewModel.load` syncs first when the payment is still pending. Offline the
screen says the receipt comes with the next sync (the debtor also gets it by SMS or WhatsApp
then); a payment the server did not book has no receipt, and the screen says why.
"""

from __future__ import annotations

import uuid
from typing import Any

from mobile.outbox import PENDING
from mobile.session import AppContext
from mobile.store import OutboxRow
from mobile.viewmodels import format as fmt
from shared.client import ApiError, ApiUnavailable
from shared.money import MoneyError, from_decimal


class ReceiptViewModel:
    def __init__(self, ctx: AppContext, client_id: str) -> None:
        self.ctx = ctx
        self.client_id = client_id
        self.status = PENDING
        self.code: str | None = None
        self.url: str | None = None
        self.qr: bytes | None = None
        self.problem: str | None = None
        self.amount = ""

    def _row(self) -> OutboxRow | None:
        rows = self.ctx.session.outbox.rows()
        return next((row for row in rows if row.client_id == self.client_id), None)

    async def load(self) -> None:
        """Sync if the payment is still pending, then read its receipt (and fetch the QR)."""
        row = self._row()
        if row is not None and row.status == PENDING:
            await self.ctx.session.engine.sync()
            row = self._row()
        if row is None:
            return
        self.amount = _amount(row.payload, self.ctx.lang)
        self.status = row.status
        result: dict[str, Any] = row.result or {}
        details = result.get("details") or {}
        self.code, self.url = details.get("receipt_code"), details.get("receipt_url")
        if self.status != PENDING and not self.code:
            self.problem = str(result.get("message") or self.ctx.t("mobile.receipt.none"))
        payment_id = result.get("entity_id")
        if self.code and payment_id and self.qr is None:
            try:
                self.qr = await self.ctx.session.api.receipt_qr(uuid.UUID(str(payment_id)))
            except (ApiError, ApiUnavailable):
                self.qr = None  # the code and the URL are on screen all the same


def _amount(payload: dict[str, object], lang: str) -> str:
    currency = str(payload.get("currency", ""))
    try:
        minor = from_decimal(str(payload.get("amount", "")), currency)
    except MoneyError:
        return ""
    return fmt.money(minor, currency, lang)
