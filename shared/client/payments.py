"""Payment links and field payments (cash, transfer, card terminal)."""

from __future__ import annotations

import uuid
from datetime import date

from shared.client.http import V1, HttpClient
from shared.money import to_decimal
from shared.schemas.common import Page
from shared.schemas.enums import Language, LinkPurpose
from shared.schemas.payments import (
    FieldPaymentCreate,
    PaymentLinkCreate,
    PaymentLinkRead,
    PaymentRead,
)


class PaymentsApi(HttpClient):
    async def create_payment_link(
        self,
        account_id: uuid.UUID,
        purpose: LinkPurpose,
        *,
        instalment_id: uuid.UUID | None = None,
        client_key: str | None = None,
        language: Language = Language.es,
    ) -> PaymentLinkRead:
        """A link for the balance, the settlement, an instalment or the open promise; the
        same ``client_key`` again returns the first link."""
        body = PaymentLinkCreate(
            purpose=purpose, instalment_id=instalment_id, client_key=client_key, language=language
        )
        return await self._request(
            "POST", f"{V1}/accounts/{account_id}/payment-links", json=body, model=PaymentLinkRead
        )

    async def list_payment_links(
        self, account_id: uuid.UUID, *, cursor: str | None = None, limit: int = 50
    ) -> Page[PaymentLinkRead]:
        return await self._request(
            "GET",
            f"{V1}/accounts/{account_id}/payment-links",
            params={"cursor": cursor, "limit": limit},
            model=Page[PaymentLinkRead],
        )

    async def list_payments(
        self, account_id: uuid.UUID, *, cursor: str | None = None, limit: int = 50
    ) -> Page[PaymentRead]:
        return await self._request(
            "GET",
            f"{V1}/accounts/{account_id}/payments",
            params={"cursor": cursor, "limit": limit},
            model=Page[PaymentRead],
        )

    async def record_field_payment(
        self,
        account_id: uuid.UUID,
        *,
        client_id: str,
        amount_minor: int,
        currency: str,
        method: str,
        receipt_number: str,
        paid_on: date,
        photo_ref: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
    ) -> PaymentRead:
        """Book a payment taken in the field; replaying ``client_id`` books nothing twice."""
        body = FieldPaymentCreate(
            client_id=client_id,
            amount=to_decimal(amount_minor, currency),
            currency=currency,
            method=method,  # type: ignore[arg-type]
            receipt_number=receipt_number,
            paid_on=paid_on,
            photo_ref=photo_ref,
            latitude=latitude,
            longitude=longitude,
        )
        return await self._request(
            "POST", f"{V1}/accounts/{account_id}/field-payments", json=body, model=PaymentRead
        )
