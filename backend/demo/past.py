"""Writing the demo's history (``backend.demo.history``) set-based: one insert per table.

The services record what happens now (a promise is made open today, a visit arrives now and is
judged against today's rules); the history happened weeks ago with its outcomes known, so it is
written as rows, the way a collections system's past would be imported: promises already
resolved, reminders at the stage they reached (under the portfolio's strategy and the step that
asked for them), visits with the distance to the address and the contact each one logged
(``visit:<client id>``, as ``field.service.record_visit`` logs it). No audit events: nobody did
anything today.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from backend.accounts.models import Account
from backend.contact.models import ContactAttempt
from backend.core.ids import uuid7
from backend.demo.generator import AccountSpec, AddressSpec
from backend.field.config import field_settings
from backend.field.models import Visit
from backend.promises.models import Promise
from backend.routing.geo import geodesic_m
from shared.schemas.contact import AttemptStatus
from shared.schemas.enums import ActionChannel, Channel

ACCURACY_M = 12.0


@dataclass(slots=True)
class PastRows:
    """The rows of every account's history, gathered while the demo loads."""

    promises: list[dict[str, Any]] = field(default_factory=list)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    visits: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self,
        account: Account,
        spec: AccountSpec,
        agent_id: uuid.UUID | None,
        strategy_id: uuid.UUID,
        address: AddressSpec,
    ) -> None:
        for promise in spec.history.promises:
            by_agent = promise.by_agent and agent_id is not None
            self.promises.append(
                {
                    "id": uuid7(),
                    "account_id": account.id,
                    "amount_minor": promise.amount_minor,
                    "currency": account.currency,
                    "due_date": promise.due_date,
                    "channel": ActionChannel.agent if by_agent else ActionChannel.whatsapp,
                    "recorded_by_kind": "agent" if by_agent else "bot",
                    "recorded_by_id": agent_id if by_agent else None,
                    "status": promise.status,
                    "paid_minor": promise.paid_minor,
                    "created_at": promise.made_at,
                    "resolved_at": promise.resolved_at,
                }
            )
        for number, reminder in enumerate(spec.history.reminders, start=1):
            sent = reminder.status is not AttemptStatus.failed
            self.attempts.append(
                self._attempt(
                    account,
                    key=f"demo:{account.id}:{number}",
                    channel=reminder.channel,
                    source="reminder",
                    at=reminder.at,
                    status=reminder.status,
                    strategy_id=strategy_id,
                    step=reminder.step,
                    tries=1,
                    handed_at=reminder.at,
                    provider_ref=f"demo-{uuid7().hex}" if sent else None,
                )
            )
        if agent_id is None:
            return
        far_m = field_settings().visit_far_meters
        for number, visit in enumerate(spec.history.visits, start=1):
            client_id = f"demo-{account.id}-{number}"
            distance = round(
                geodesic_m((visit.latitude, visit.longitude), (address.latitude, address.longitude))
            )
            out = visit.checked_in_at + timedelta(minutes=visit.minutes)
            self.visits.append(
                {
                    "id": uuid7(),
                    "client_id": client_id,
                    "agent_id": agent_id,
                    "account_id": account.id,
                    "checked_in_at": visit.checked_in_at,
                    "checked_out_at": out,
                    "received_at": out + timedelta(minutes=2),
                    "latitude": visit.latitude,
                    "longitude": visit.longitude,
                    "accuracy_m": ACCURACY_M,
                    "distance_m": distance,
                    "far": distance > far_m,
                    "outcome": visit.outcome,
                }
            )
            self.attempts.append(
                self._attempt(
                    account,
                    key=f"visit:{client_id}",
                    channel=Channel.visit,
                    source="visit",
                    at=visit.checked_in_at,
                    status=AttemptStatus.done,
                    outcome=visit.outcome.value,
                )
            )

    @staticmethod
    def _attempt(account: Account, **values: Any) -> dict[str, Any]:
        return {
            "id": uuid7(),
            "portfolio_id": account.portfolio_id,
            "debtor_id": account.debtor_id,
            "account_id": account.id,
            "rule": None,
            "until": None,
            "outcome": None,
            "strategy_id": None,
            "step": None,
            "provider_ref": None,
            "tries": 0,
            "handed_at": None,
            "created_at": values["at"],
        } | values

    def write(self, session: Session) -> None:
        for model, rows in (
            (Promise, self.promises),
            (Visit, self.visits),
            (ContactAttempt, self.attempts),
        ):
            if rows:
                session.execute(insert(model), rows)
