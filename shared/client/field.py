"""The field agent app's endpoints: worklist, account bundles, offline sync, supervisor routes."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel

from shared.client.http import V1, HttpClient
from shared.schemas.enums import AgingBucket
from shared.schemas.field import (
    AccountBundle,
    AgentRoute,
    CashSummary,
    DayStopEvent,
    RouteSummary,
    SyncAction,
    SyncActionType,
    SyncRequest,
    SyncResponse,
    TeamPlan,
    TeamPlanRequest,
    TravelMode,
    VisitPhotoRead,
    Worklist,
)


def sync_action(
    kind: SyncActionType,
    payload: BaseModel,
    *,
    client_id: str,
    recorded_at: datetime,
    account_id: uuid.UUID | None = None,
) -> SyncAction:
    """An outbox entry from a typed payload (``VisitPayload``, ``PaymentPayload``, ...), as the
    device stores and later pushes it. ``recorded_at`` must carry a timezone."""
    return SyncAction(
        client_id=client_id,
        type=kind,
        account_id=account_id,
        recorded_at=recorded_at,
        payload=payload.model_dump(mode="json", exclude_none=True),
    )


class FieldApi(HttpClient):
    async def get_worklist(
        self,
        *,
        lat: float | None = None,
        lon: float | None = None,
        day: date | None = None,
        bucket: AgingBucket | None = None,
        promise_due: bool = False,
        not_visited: bool = False,
        mode: TravelMode | None = None,
        agent_id: uuid.UUID | None = None,
    ) -> Worklist:
        """The agent's day inside their shift, one stop per debtor, in visit order (``mode``
        defaults to the shift's; supervisors and admins pass ``agent_id``)."""
        return await self._request(
            "GET",
            f"{V1}/field/worklist",
            params={
                "lat": lat,
                "lon": lon,
                "date": day,
                "bucket": bucket,
                "promise_due": promise_due,
                "not_visited": not_visited,
                "mode": mode,
                "agent_id": agent_id,
            },
            model=Worklist,
        )

    async def get_account_bundle(self, account_id: uuid.UUID) -> AccountBundle:
        """Everything the app keeps offline for one account."""
        return await self._request("GET", f"{V1}/field/accounts/{account_id}", model=AccountBundle)

    async def sync(
        self, device_id: str, actions: list[SyncAction], *, cursor: str | None = None
    ) -> SyncResponse:
        """Push the outbox in order and pull the changes since ``cursor``. Safe to repeat:
        every action is applied once per ``client_id`` (a replay answers ``duplicate``)."""
        body = SyncRequest(device_id=device_id, cursor=cursor, actions=actions)
        return await self._request("POST", f"{V1}/field/sync", json=body, model=SyncResponse)

    async def get_routes(
        self,
        *,
        day: date | None = None,
        agent_id: uuid.UUID | None = None,
        tz: str | None = None,
    ) -> list[AgentRoute]:
        """Each agent's day (trail, visits, results): one agent or all in the caller's scope."""
        return await self._request(
            "GET",
            f"{V1}/field/routes",
            params={"date": day, "agent_id": agent_id, "tz": tz},
            model=list[AgentRoute],
        )

    async def get_stop_events(
        self, *, day: date | None = None, agent_id: uuid.UUID | None = None
    ) -> list[DayStopEvent]:
        """The skips and moves of a day with their reasons: one agent or all in scope."""
        return await self._request(
            "GET",
            f"{V1}/field/stop-events",
            params={"date": day, "agent_id": agent_id},
            model=list[DayStopEvent],
        )

    async def get_routes_summary(
        self, *, day: date | None = None, tz: str | None = None
    ) -> RouteSummary:
        """One row per agent in the caller's scope for the day."""
        return await self._request(
            "GET",
            f"{V1}/field/routes/summary",
            params={"date": day, "tz": tz},
            model=RouteSummary,
        )

    async def plan_team(
        self, day: date | None = None, agent_ids: list[uuid.UUID] | None = None
    ) -> TeamPlan:
        """Plan a day (default tomorrow) for the whole team or ``agent_ids``, replacing the
        day's stored plan of those agents; 409 ``team_plan_conflict`` when another plan of
        that day was stored meanwhile."""
        body = TeamPlanRequest(date=day, agent_ids=agent_ids)
        return await self._request("POST", f"{V1}/field/plans", json=body, model=TeamPlan)

    async def get_team_plan(self, day: date | None = None) -> TeamPlan:
        """The stored team plan of a day (default tomorrow) for the caller's agents."""
        return await self._request("GET", f"{V1}/field/plans", params={"date": day}, model=TeamPlan)

    async def upload_visit_photo(
        self, client_id: str, visit_client_id: str, content: bytes, taken_at: datetime | None
    ) -> VisitPhotoRead:
        """Store a photo of one of the caller's synced visits; safe to repeat (``client_id``)."""
        data = {"client_id": client_id, "visit_client_id": visit_client_id}
        if taken_at is not None:
            data["taken_at"] = taken_at.isoformat()
        return await self._request(
            "POST",
            f"{V1}/field/photos",
            data=data,
            files={"file": ("photo", content)},
            model=VisitPhotoRead,
        )

    async def get_cash_summary(
        self, agent_id: uuid.UUID, *, day: date | None = None
    ) -> CashSummary:
        """The agent's cash payments of a day with the totals per currency."""
        return await self._request(
            "GET",
            f"{V1}/field/agents/{agent_id}/cash-summary",
            params={"date": day},
            model=CashSummary,
        )

    async def receipt_qr(self, payment_id: uuid.UUID) -> bytes:
        """A PNG QR code of the payment receipt's public verification URL."""
        return await self._download("GET", f"{V1}/payments/{payment_id}/receipt-qr.png")
