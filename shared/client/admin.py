"""Back-office: portfolio imports, the audit trail and the health check."""

from __future__ import annotations

import uuid

from shared.client.http import V1, HttpClient
from shared.schemas.audit import AuditEventRead
from shared.schemas.common import Page
from shared.schemas.imports import ImportBatchRead, ImportSummary


class AdminApi(HttpClient):
    async def upload_import(
        self, portfolio_id: uuid.UUID, filename: str, content: bytes
    ) -> ImportSummary:
        """Import a CSV or XLSX file of debtors and accounts into a portfolio (staff), all or
        nothing. A file with bad rows raises ``ApiValidationError`` (code ``import_invalid``,
        rows in ``details``); the same file again returns the first summary, ``replayed``."""
        return await self._request(
            "POST",
            f"{V1}/imports",
            params={"portfolio_id": portfolio_id},
            files={"file": (filename, content)},
            model=ImportSummary,
        )

    async def list_imports(
        self,
        *,
        portfolio_id: uuid.UUID | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[ImportBatchRead]:
        """Import batches, newest first (staff)."""
        params = {"portfolio_id": portfolio_id, "cursor": cursor, "limit": limit}
        return await self._request(
            "GET", f"{V1}/imports", params=params, model=Page[ImportBatchRead]
        )

    async def get_import(self, batch_id: uuid.UUID) -> ImportBatchRead:
        """One import batch (staff)."""
        return await self._request("GET", f"{V1}/imports/{batch_id}", model=ImportBatchRead)

    async def list_audit_events(
        self,
        *,
        entity_type: str | None = None,
        entity_id: str | None = None,
        actor_id: uuid.UUID | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[AuditEventRead]:
        """The audit trail (admins)."""
        params = {
            "entity_type": entity_type,
            "entity_id": entity_id,
            "actor_id": actor_id,
            "cursor": cursor,
            "limit": limit,
        }
        return await self._request(
            "GET", f"{V1}/audit-events", params=params, model=Page[AuditEventRead]
        )

    async def health(self) -> dict[str, str]:
        """``{"status": "ok"}`` when the API and its database answer; ``ApiUnavailable``
        otherwise (503 when the database is down)."""
        return await self._request("GET", "/healthz", model=dict[str, str])
