"""Offers, counter-proposals, payment plans, promises to pay and follow-up tasks."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Literal

from shared.client.http import V1, HttpClient
from shared.money import to_decimal
from shared.schemas.common import Page
from shared.schemas.enums import ActionChannel, TaskKind, TaskStatus
from shared.schemas.negotiation import (
    ChannelBody,
    Frequency,
    OfferRead,
    PlanCancel,
    PlanRead,
    PromiseCreate,
    PromiseKpis,
    PromiseRead,
    ProposalRequest,
    ProposalResult,
    TaskClose,
    TaskRead,
)


def _amount(amount_minor: int | None, currency: str) -> Decimal | None:
    return None if amount_minor is None else to_decimal(amount_minor, currency)


class NegotiationApi(HttpClient):
    async def create_offers(
        self, account_id: uuid.UUID, *, channel: ActionChannel = ActionChannel.api
    ) -> list[OfferRead]:
        """One-tap options within the portfolio's limits (settlement, fewest instalments...)."""
        return await self._request(
            "POST",
            f"{V1}/accounts/{account_id}/offers",
            json=ChannelBody(channel=channel),
            model=list[OfferRead],
        )

    async def get_offer(self, offer_id: uuid.UUID) -> OfferRead:
        """One offer."""
        return await self._request("GET", f"{V1}/offers/{offer_id}", model=OfferRead)

    async def accept_offer(
        self, offer_id: uuid.UUID, *, channel: ActionChannel = ActionChannel.api
    ) -> PlanRead:
        """Accept an offer and get the plan. ``ConflictError`` when it expired, was already
        accepted or superseded, or the balance changed since it was made."""
        return await self._request(
            "POST",
            f"{V1}/offers/{offer_id}/accept",
            json=ChannelBody(channel=channel),
            model=PlanRead,
        )

    async def propose(
        self,
        account_id: uuid.UUID,
        *,
        kind: Literal["plan_by_amount", "plan_by_count", "settlement"],
        currency: str,
        instalment_amount_minor: int | None = None,
        instalments: int | None = None,
        frequency: Frequency = "monthly",
        first_due: date | None = None,
        down_payment_minor: int | None = None,
        down_payment_percent: Decimal | None = None,
        settlement_amount_minor: int | None = None,
        pay_on: date | None = None,
        insist: bool = False,
        channel: ActionChannel = ActionChannel.api,
    ) -> ProposalResult:
        """Evaluate a debtor's counter-proposal: accepted, a counter-offer, or an approval
        request. Amounts are minor units of ``currency`` (the account's); ``kind`` picks the
        ones that matter (see ``ProposalRequest``)."""
        data = ProposalRequest(
            kind=kind,
            instalment_amount=_amount(instalment_amount_minor, currency),
            instalments=instalments,
            frequency=frequency,
            first_due=first_due,
            down_payment=_amount(down_payment_minor, currency),
            down_payment_percent=down_payment_percent,
            settlement_amount=_amount(settlement_amount_minor, currency),
            pay_on=pay_on,
            insist=insist,
            channel=channel,
        )
        return await self._request(
            "POST", f"{V1}/accounts/{account_id}/proposals", json=data, model=ProposalResult
        )

    async def list_plans(
        self, account_id: uuid.UUID, *, cursor: str | None = None, limit: int | None = None
    ) -> Page[PlanRead]:
        """The account's plans."""
        return await self._request(
            "GET",
            f"{V1}/accounts/{account_id}/plans",
            params={"cursor": cursor, "limit": limit},
            model=Page[PlanRead],
        )

    async def get_plan(self, plan_id: uuid.UUID) -> PlanRead:
        """One plan with its instalments."""
        return await self._request("GET", f"{V1}/plans/{plan_id}", model=PlanRead)

    async def cancel_plan(
        self, plan_id: uuid.UUID, reason: str, *, channel: ActionChannel = ActionChannel.api
    ) -> PlanRead:
        """Cancel an active plan."""
        return await self._request(
            "POST",
            f"{V1}/plans/{plan_id}/cancel",
            json=PlanCancel(reason=reason, channel=channel),
            model=PlanRead,
        )

    async def create_promise(
        self,
        account_id: uuid.UUID,
        *,
        amount_minor: int,
        currency: str,
        due_date: date,
        channel: ActionChannel = ActionChannel.api,
        client_id: str | None = None,
    ) -> PromiseRead:
        """Record a promise to pay (it supersedes the account's open one). Sending the same
        ``client_id`` (8-64 characters, made by the device) again returns the first promise."""
        data = PromiseCreate(
            amount=to_decimal(amount_minor, currency),
            currency=currency,
            due_date=due_date,
            channel=channel,
            client_id=client_id,
        )
        return await self._request(
            "POST", f"{V1}/accounts/{account_id}/promises", json=data, model=PromiseRead
        )

    async def list_promises(
        self, account_id: uuid.UUID, *, cursor: str | None = None, limit: int | None = None
    ) -> Page[PromiseRead]:
        """The account's promises."""
        return await self._request(
            "GET",
            f"{V1}/accounts/{account_id}/promises",
            params={"cursor": cursor, "limit": limit},
            model=Page[PromiseRead],
        )

    async def promise_kpis(
        self,
        *,
        portfolio_id: uuid.UUID | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> list[PromiseKpis]:
        """Promises made, kept, partially kept, broken and open, per currency (staff)."""
        params = {"portfolio_id": portfolio_id, "date_from": date_from, "date_to": date_to}
        return await self._request(
            "GET", f"{V1}/promises/kpis", params=params, model=list[PromiseKpis]
        )

    async def list_tasks(
        self,
        *,
        status: TaskStatus | None = None,
        kind: TaskKind | None = None,
        assignee_id: uuid.UUID | None = None,
        account_id: uuid.UUID | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[TaskRead]:
        """Tasks the caller may see."""
        params = {
            "status": status,
            "kind": kind,
            "assignee_id": assignee_id,
            "account_id": account_id,
            "cursor": cursor,
            "limit": limit,
        }
        return await self._request("GET", f"{V1}/tasks", params=params, model=Page[TaskRead])

    async def get_task(self, task_id: uuid.UUID) -> TaskRead:
        """One task."""
        return await self._request("GET", f"{V1}/tasks/{task_id}", model=TaskRead)

    async def close_task(
        self,
        task_id: uuid.UUID,
        status: Literal["done", "cancelled", "approved", "rejected"],
        *,
        resolution: str | None = None,
    ) -> TaskRead:
        """Mark a task done or cancelled; supervisors approve or reject approval requests."""
        return await self._request(
            "POST",
            f"{V1}/tasks/{task_id}/close",
            json=TaskClose(status=status, resolution=resolution),
            model=TaskRead,
        )

    async def approve_task(self, task_id: uuid.UUID) -> PlanRead:
        """Approve an out-of-limit proposal: its terms become an active plan (supervisors)."""
        return await self._request("POST", f"{V1}/tasks/{task_id}/approve", model=PlanRead)
