"""Creditors, their portfolios and each portfolio's negotiation policy."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from shared.client.http import V1, HttpClient
from shared.schemas.common import Page
from shared.schemas.creditors import (
    CreditorCreate,
    CreditorRead,
    CreditorUpdate,
    PortfolioCreate,
    PortfolioRead,
    PortfolioUpdate,
)


class CreditorsApi(HttpClient):
    async def list_creditors(
        self, *, cursor: str | None = None, limit: int | None = None
    ) -> Page[CreditorRead]:
        """Creditors, oldest first."""
        params = {"cursor": cursor, "limit": limit}
        return await self._request(
            "GET", f"{V1}/creditors", params=params, model=Page[CreditorRead]
        )

    async def create_creditor(self, data: CreditorCreate) -> CreditorRead:
        """Create a creditor (admins)."""
        return await self._request("POST", f"{V1}/creditors", json=data, model=CreditorRead)

    async def get_creditor(self, creditor_id: uuid.UUID) -> CreditorRead:
        """One creditor."""
        return await self._request("GET", f"{V1}/creditors/{creditor_id}", model=CreditorRead)

    async def update_creditor(
        self, creditor_id: uuid.UUID, changes: CreditorUpdate
    ) -> CreditorRead:
        """Change the fields set in ``changes`` (admins)."""
        return await self._request(
            "PATCH", f"{V1}/creditors/{creditor_id}", json=changes, model=CreditorRead
        )

    async def list_portfolios(
        self,
        *,
        creditor_id: uuid.UUID | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[PortfolioRead]:
        """Portfolios, optionally of one creditor."""
        params = {"creditor_id": creditor_id, "cursor": cursor, "limit": limit}
        return await self._request(
            "GET", f"{V1}/portfolios", params=params, model=Page[PortfolioRead]
        )

    async def create_portfolio(self, data: PortfolioCreate) -> PortfolioRead:
        """Create a portfolio (admins)."""
        return await self._request("POST", f"{V1}/portfolios", json=data, model=PortfolioRead)

    async def get_portfolio(self, portfolio_id: uuid.UUID) -> PortfolioRead:
        """One portfolio."""
        return await self._request("GET", f"{V1}/portfolios/{portfolio_id}", model=PortfolioRead)

    async def update_portfolio(
        self, portfolio_id: uuid.UUID, changes: PortfolioUpdate
    ) -> PortfolioRead:
        """Change the fields set in ``changes`` (admins)."""
        return await self._request(
            "PATCH", f"{V1}/portfolios/{portfolio_id}", json=changes, model=PortfolioRead
        )

    async def get_negotiation_policy(self, portfolio_id: uuid.UUID) -> dict[str, Any]:
        """The portfolio's negotiation policy as a JSON document (staff); the default policy
        until one is saved. Money in minor units, shares in basis points, the rate a string."""
        return await self._request(
            "GET", f"{V1}/portfolios/{portfolio_id}/negotiation-policy", model=dict[str, Any]
        )

    async def put_negotiation_policy(
        self, portfolio_id: uuid.UUID, policy: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Replace the policy (staff) and return it as stored; contradictory or unknown limits
        raise ``ApiValidationError`` (code ``validation_error``) naming them in ``details``. A
        supervisor's policy beyond the portfolio's ceilings is not stored: the answer is the
        change waiting for an admin (``{"status": "pending", "exceeded": [...], ...}``)."""
        return await self._request(
            "PUT",
            f"{V1}/portfolios/{portfolio_id}/negotiation-policy",
            json=policy,
            model=dict[str, Any],
        )
