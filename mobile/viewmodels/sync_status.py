"""What waits to be sent, when the app last synced, what the server answered, and the shift
switch that turns location pings on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from mobile.outbox import Outbox, now
from mobile.session import AppContext
from mobile.sync import SyncReport, SyncState
from mobile.viewmodels import format as fmt
from shared.money import from_decimal
from shared.schemas.field import LocationPoint, SyncResult, SyncStatus

ON_SHIFT = "on_shift"


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One recorded action and where it stands."""

    client_id: str
    title: str
    detail: str
    status: str
    status_label: str
    needs_attention: bool


class SyncStatusViewModel:
    """The sync badge (every screen) and the sync screen."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    @property
    def pending(self) -> int:
        return self.ctx.session.outbox.counts().pending

    @property
    def attention(self) -> int:
        return self.ctx.session.outbox.counts().attention

    def badge(self) -> str:
        """``3 por enviar`` or ``Todo enviado``."""
        pending = self.pending
        if pending:
            return self.ctx.t("mobile.sync.pending", count=pending)
        return self.ctx.t("mobile.sync.all_sent")

    def last_synced(self, at: datetime | None = None) -> str:
        raw = self.ctx.session.store.get("last_sync_at")
        moment = datetime.fromisoformat(raw) if raw else None
        return fmt.ago(moment, at or now(), self.ctx.lang)

    def state_text(self) -> str | None:
        """Why the last sync did not go through, if it did not."""
        report: SyncReport = self.ctx.session.engine.last
        if report.state is SyncState.offline:
            return self.ctx.t("mobile.sync.offline")
        if report.state is SyncState.expired:
            return self.ctx.t("mobile.sync.expired")
        if report.state is SyncState.failed:
            return self.ctx.t("mobile.sync.failed", error=report.error or "")
        return None

    def attention_text(self) -> str | None:
        count = self.attention
        return self.ctx.t("mobile.sync.attention", count=count) if count else None

    async def sync_now(self) -> SyncReport:
        return await self.ctx.session.engine.sync()

    def queue(self) -> list[QueueRow]:
        """Recorded actions, newest first, with their status."""
        outbox: Outbox = self.ctx.session.outbox
        rows = []
        for row in reversed(outbox.rows()):
            result = SyncResult.model_validate(row.result) if row.result else None
            detail = (
                f"{fmt.day(row.recorded_at.date(), self.ctx.lang)} {fmt.clock(row.recorded_at)}"
            )
            if result is not None and result.status in (SyncStatus.conflict, SyncStatus.rejected):
                detail += f" · {result.message or result.code or ''}"
            attention = row.status in ("conflict", "rejected") and not row.dismissed
            rows.append(
                QueueRow(
                    client_id=row.client_id,
                    title=self._title(row.type, row.payload),
                    detail=detail,
                    status=row.status,
                    status_label=self.ctx.t(f"mobile.status.{row.status}"),
                    needs_attention=attention,
                )
            )
        return rows

    def acknowledge(self, client_id: str) -> None:
        self.ctx.session.outbox.acknowledge(client_id)

    # --- shift and location pings ------------------------------------------------------------

    @property
    def on_shift(self) -> bool:
        return self.ctx.session.store.get(ON_SHIFT) == "1"

    def set_shift(self, on: bool) -> None:
        self.ctx.session.store.put(ON_SHIFT, "1" if on else None)

    def shift_hint(self) -> str:
        return self.ctx.t("mobile.sync.shift_every", seconds=self.ctx.config.ping_seconds)

    def _title(self, type_: str, payload: dict[str, object]) -> str:
        title = self.ctx.t(f"mobile.action.{type_}")
        if type_ == "visit":
            outcome = payload.get("outcome")
            title += " · " + self.ctx.t(f"mobile.outcome.{outcome}")
        elif type_ == "location":
            points = payload.get("points")
            title += f" · {len(points) if isinstance(points, list) else 0}"
        elif type_ == "stop":
            kind, reason = payload.get("kind"), payload.get("reason")
            title += f" · {self.ctx.t(f'mobile.stop.kind.{kind}')} · "
            title += self.ctx.t(f"mobile.reason.{reason}")
        elif type_ in ("promise", "payment"):
            currency = str(payload.get("currency"))
            minor = from_decimal(Decimal(str(payload.get("amount"))), currency)
            title += " · " + fmt.money(minor, currency, self.ctx.lang)
        return title


async def take_ping(ctx: AppContext) -> bool:
    """One location ping while on shift, buffered for the next sync; ``False`` when off shift
    or without a position."""
    session = ctx.session
    if session.store.get(ON_SHIFT) != "1":
        return False
    position = await ctx.positions.current()
    if position is None:
        return False
    session.outbox.buffer_ping(
        LocationPoint(
            recorded_at=position.at,
            latitude=position.latitude,
            longitude=position.longitude,
            accuracy_m=position.accuracy_m,
        )
    )
    return True
