"""Debtors, accounts (with their timeline) and the ledger."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import TypedDict, Unpack

from shared.client.http import V1, HttpClient
from shared.client.paging import paginate
from shared.money import to_decimal
from shared.schemas.accounts import (
    AccountCreate,
    AccountRead,
    AccountUpdate,
    AssignRequest,
    AssignResult,
    TimelineItem,
)
from shared.schemas.common import Page
from shared.schemas.debtors import DebtorCreate, DebtorRead, DebtorUpdate
from shared.schemas.enums import AccountStatus, AgingBucket, EntryKind
from shared.schemas.ledger import EntryCreate, EntryRead, ReversalCreate


class AccountFilters(TypedDict, total=False):
    """Filters of the account list; unset or ``None`` filters are not applied."""

    status: AccountStatus | None
    aging_bucket: AgingBucket | None
    assigned_agent_id: uuid.UUID | None
    unassigned: bool
    portfolio_id: uuid.UUID | None
    debtor_id: uuid.UUID | None
    q: str | None  # name, national ID, phone or account reference


class AccountsApi(HttpClient):
    async def list_debtors(
        self,
        *,
        portfolio_id: uuid.UUID | None = None,
        q: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[DebtorRead]:
        """Debtors the caller may see, searched by name, national ID or phone with ``q``."""
        params = {"portfolio_id": portfolio_id, "q": q, "cursor": cursor, "limit": limit}
        return await self._request("GET", f"{V1}/debtors", params=params, model=Page[DebtorRead])

    async def create_debtor(self, data: DebtorCreate) -> DebtorRead:
        """Create a debtor (staff)."""
        return await self._request("POST", f"{V1}/debtors", json=data, model=DebtorRead)

    async def get_debtor(self, debtor_id: uuid.UUID) -> DebtorRead:
        """One debtor (404 outside the caller's scope)."""
        return await self._request("GET", f"{V1}/debtors/{debtor_id}", model=DebtorRead)

    async def update_debtor(self, debtor_id: uuid.UUID, changes: DebtorUpdate) -> DebtorRead:
        """Change the fields set in ``changes`` (contact data, preferences)."""
        return await self._request(
            "PATCH", f"{V1}/debtors/{debtor_id}", json=changes, model=DebtorRead
        )

    async def list_accounts(
        self,
        *,
        cursor: str | None = None,
        limit: int | None = None,
        **filters: Unpack[AccountFilters],
    ) -> Page[AccountRead]:
        """One page of the accounts the caller may see (an agent: those assigned to them)."""
        params = {**filters, "cursor": cursor, "limit": limit}
        return await self._request("GET", f"{V1}/accounts", params=params, model=Page[AccountRead])

    def iter_accounts(
        self, *, limit: int | None = None, **filters: Unpack[AccountFilters]
    ) -> AsyncIterator[AccountRead]:
        """Every visible account matching ``filters``, fetching ``limit`` per request:
        ``async for account in client.iter_accounts(status=AccountStatus.active): ...``"""
        return paginate(self.list_accounts, limit=limit, **filters)

    async def get_account(self, account_id: uuid.UUID) -> AccountRead:
        """One account (404 outside the caller's scope)."""
        return await self._request("GET", f"{V1}/accounts/{account_id}", model=AccountRead)

    async def create_account(
        self,
        *,
        portfolio_id: uuid.UUID,
        debtor_id: uuid.UUID,
        external_ref: str,
        product: str,
        principal_minor: int,
        currency: str,
        due_date: date,
        origination_date: date | None = None,
        assigned_agent_id: uuid.UUID | None = None,
    ) -> AccountRead:
        """Create an account (staff); ``principal_minor`` is in minor units of ``currency``."""
        data = AccountCreate(
            portfolio_id=portfolio_id,
            debtor_id=debtor_id,
            external_ref=external_ref,
            product=product,
            principal=to_decimal(principal_minor, currency),
            currency=currency,
            due_date=due_date,
            origination_date=origination_date,
            assigned_agent_id=assigned_agent_id,
        )
        return await self._request("POST", f"{V1}/accounts", json=data, model=AccountRead)

    async def update_account(self, account_id: uuid.UUID, changes: AccountUpdate) -> AccountRead:
        """Change the fields set in ``changes`` (staff)."""
        return await self._request(
            "PATCH", f"{V1}/accounts/{account_id}", json=changes, model=AccountRead
        )

    async def assign_accounts(
        self, account_ids: Sequence[uuid.UUID], agent_id: uuid.UUID | None
    ) -> AssignResult:
        """Assign accounts to an agent, or unassign them with ``None`` (staff; all or none)."""
        data = AssignRequest(account_ids=list(account_ids), agent_id=agent_id)
        return await self._request("POST", f"{V1}/accounts/assign", json=data, model=AssignResult)

    async def list_timeline(
        self, account_id: uuid.UUID, *, cursor: str | None = None, limit: int | None = None
    ) -> Page[TimelineItem]:
        """Ledger entries and audit events of an account merged, newest first."""
        return await self._request(
            "GET",
            f"{V1}/accounts/{account_id}/timeline",
            params={"cursor": cursor, "limit": limit},
            model=Page[TimelineItem],
        )

    async def list_entries(
        self, account_id: uuid.UUID, *, cursor: str | None = None, limit: int | None = None
    ) -> Page[EntryRead]:
        """The account's ledger entries."""
        return await self._request(
            "GET",
            f"{V1}/accounts/{account_id}/ledger",
            params={"cursor": cursor, "limit": limit},
            model=Page[EntryRead],
        )

    async def post_entry(
        self,
        account_id: uuid.UUID,
        *,
        kind: EntryKind,
        amount_minor: int,
        currency: str,
        effective_date: date,
        idempotency_key: str,
        description: str | None = None,
    ) -> EntryRead:
        """Post a charge, interest, fee, payment or discount (staff). ``amount_minor`` is
        positive, in minor units; the kind gives the sign. Posting the same
        ``idempotency_key`` again returns the first entry."""
        data = EntryCreate(
            kind=kind,
            amount=to_decimal(amount_minor, currency),
            currency=currency,
            effective_date=effective_date,
            idempotency_key=idempotency_key,
            description=description,
        )
        return await self._request(
            "POST", f"{V1}/accounts/{account_id}/ledger", json=data, model=EntryRead
        )

    async def reverse_entry(
        self,
        entry_id: uuid.UUID,
        *,
        idempotency_key: str,
        description: str | None = None,
        effective_date: date | None = None,
    ) -> EntryRead:
        """Post the reversal of an entry (staff); the same ``idempotency_key`` replays."""
        data = ReversalCreate(
            idempotency_key=idempotency_key,
            description=description,
            effective_date=effective_date,
        )
        return await self._request(
            "POST", f"{V1}/ledger/{entry_id}/reverse", json=data, model=EntryRead
        )
