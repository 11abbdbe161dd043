"""Today: the agent's stops in suggested visit order, with filters and pull to refresh."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from mobile.session import AppContext
from mobile.sync import SyncState
from mobile.viewmodels import format as fmt
from shared.client import ApiUnavailable, AuthError
from shared.schemas.contact import ContactHold
from shared.schemas.enums import AgingBucket
from shared.schemas.field import SyncActionType, Worklist, WorklistStop

#: How far (logical pixels) the list must be pulled past its top to refresh.
PULL_TO_REFRESH_PX = 70.0


@dataclass(frozen=True, slots=True)
class StopRow:
    """One line of the list, ready to draw."""

    account_id: uuid.UUID
    position: int
    name: str
    reference: str
    amount: str
    days: str
    route: str
    due_today: str | None
    visited: bool
    bucket: AgingBucket
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True, slots=True)
class HeldRow:
    """An account the contact rules forbid visiting that day, and why."""

    account_id: uuid.UUID
    name: str
    reference: str
    amount: str
    reason: str


#: Rules the app explains in words; any other is explained generically.
HOLD_RULES = frozenset(
    {
        "hours",
        "holiday",
        "cap_day",
        "cap_week",
        "cap_rolling_7d",
        "channels_per_week",
        "spacing",
        "opted_out",
        "disputed",
        "not_authorised",
        "no_hours",
    }
)


class TodayViewModel:
    """The day's stops from the local store; :meth:`refresh` syncs and asks for a new order
    from where the agent is now."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.bucket: AgingBucket | None = None
        self.promise_due = False
        self.not_visited = False
        self.message: str | None = None
        self.refreshing = False

    @property
    def worklist(self) -> Worklist | None:
        return self.ctx.session.store.worklist()

    def buckets(self) -> list[AgingBucket]:
        """Aging buckets present in the day's stops, in bucket order (the filter's chips)."""
        worklist = self.worklist
        present = {stop.aging_bucket for stop in worklist.stops} if worklist else set()
        return [bucket for bucket in AgingBucket if bucket in present]

    def toggle_bucket(self, bucket: AgingBucket) -> None:
        self.bucket = None if self.bucket == bucket else bucket

    def clear_filters(self) -> None:
        self.bucket, self.promise_due, self.not_visited = None, False, False

    def rows(self) -> list[StopRow]:
        worklist = self.worklist
        if worklist is None:
            return []
        visited_here = self._visited_locally(worklist.date)
        rows = []
        for stop in worklist.stops:
            visited = stop.visited_today or stop.account_id in visited_here
            if self.bucket is not None and stop.aging_bucket != self.bucket:
                continue
            if self.promise_due and not (stop.promise_due_today or stop.instalment_due_today):
                continue
            if self.not_visited and visited:
                continue
            rows.append(self._row(stop, visited, ZoneInfo(worklist.timezone)))
        return rows

    def held(self) -> list[HeldRow]:
        """The accounts held back by the contact rules, with the rule in words and when it
        lets go, in the day's time zone."""
        worklist = self.worklist
        if worklist is None:
            return []
        zone = ZoneInfo(worklist.timezone)
        lang = self.ctx.lang
        return [
            HeldRow(
                account_id=stop.account_id,
                name=stop.debtor_name,
                reference=f"{stop.external_ref} · {stop.product}",
                amount=fmt.money(stop.balance_minor, stop.currency, lang),
                reason=self._reason(stop.hold, zone),
            )
            for stop in worklist.held_back
            if stop.hold is not None
        ]

    def _reason(self, hold: ContactHold, zone: ZoneInfo) -> str:
        rule = hold.rule if hold.rule in HOLD_RULES else "other"
        reason = self.ctx.t(f"mobile.hold.{rule}")
        if hold.until is None:
            return reason
        until = hold.until.astimezone(zone)
        when = f"{fmt.day(until.date(), self.ctx.lang)} {fmt.clock(until)}"
        return self.ctx.t("mobile.hold.until", reason=reason, when=when)

    def summary(self) -> str:
        """Progress through the day ("3/22 visitas"), its length and the shift's hours in the
        day's time zone, and how many stops wait for another day."""
        worklist = self.worklist
        if worklist is not None and not worklist.stops and worklist.held_back:
            return self.ctx.t("mobile.today.all_held", count=len(worklist.held_back))
        if worklist is None or not worklist.stops:
            return self.ctx.t("mobile.today.empty")
        zone = ZoneInfo(worklist.timezone)
        visited_here = self._visited_locally(worklist.date)
        done = sum(1 for s in worklist.stops if s.visited_today or s.account_id in visited_here)
        start, end = worklist.shift_start, worklist.shift_end
        text = self.ctx.t(
            "mobile.today.summary",
            done=done,
            count=len(worklist.stops),
            distance=fmt.distance(worklist.total_m, self.ctx.lang),
            start=fmt.clock(start.astimezone(zone)) if start else "",
            end=fmt.clock(end.astimezone(zone)) if end else "",
        )
        if worklist.not_today:
            later = self.ctx.t("mobile.today.not_today", count=len(worklist.not_today))
            text = f"{text} · {later}"
        return text

    def should_refresh(self, pixels: float, min_extent: float) -> bool:
        """Whether a scroll position is a pull past the top far enough to refresh."""
        return not self.refreshing and pixels < min_extent - PULL_TO_REFRESH_PX

    async def refresh(self) -> None:
        """Sync the outbox, then fetch the day's order from the current position. Offline, the
        stored list stays and :attr:`message` says so."""
        session = self.ctx.session
        self.refreshing = True
        self.message = None
        try:
            report = await session.engine.sync()
            if report.state is SyncState.expired:
                self.message = self.ctx.t("mobile.login.expired")
                return
            position = await self.ctx.positions.current()
            try:
                worklist = await session.api.get_worklist(
                    lat=position.latitude if position else None,
                    lon=position.longitude if position else None,
                )
            except ApiUnavailable:
                self.message = self.ctx.t("mobile.today.stale")
                return
            except AuthError:
                self.message = self.ctx.t("mobile.login.expired")
                return
            session.store.save_worklist(worklist)
        finally:
            self.refreshing = False

    def _visited_locally(self, day: date) -> set[uuid.UUID]:
        """Accounts with a visit recorded on this device that day (sent or not yet)."""
        return {
            uuid.UUID(row.account_id)
            for row in self.ctx.session.outbox.rows()
            if row.type == SyncActionType.visit.value
            and row.account_id is not None
            and row.recorded_at.date() == day
        }

    def _row(self, stop: WorklistStop, visited: bool, zone: ZoneInfo) -> StopRow:
        """One line; ETAs in the day's time zone (the portfolio's), whatever the phone's."""
        lang = self.ctx.lang
        country = stop.address.country if stop.address else ""
        if stop.leg_m is None:
            route = self.ctx.t("mobile.stop.no_location")
        elif stop.eta is not None:
            route = self.ctx.t(
                "mobile.stop.distance",
                distance=fmt.distance(stop.leg_m, lang),
                eta=fmt.clock(stop.eta.astimezone(zone)),
            )
        else:
            route = fmt.distance(stop.leg_m, lang)
        due_today = None
        if stop.promise_due_today:
            amount = stop.promise_amount_minor or 0
            due_today = self.ctx.t(
                "mobile.stop.promise_today", amount=fmt.money(amount, stop.currency, lang, country)
            )
        elif stop.instalment_due_today:
            amount = stop.instalment_amount_minor or 0
            due_today = self.ctx.t(
                "mobile.stop.instalment_today",
                amount=fmt.money(amount, stop.currency, lang, country),
            )
        address = stop.address
        return StopRow(
            account_id=stop.account_id,
            position=stop.position,
            name=stop.debtor_name,
            reference=f"{stop.external_ref} · {stop.product}",
            amount=fmt.money(stop.balance_minor, stop.currency, lang, country),
            days=self.ctx.t("mobile.stop.dpd", days=stop.days_past_due)
            if stop.days_past_due > 0
            else self.ctx.t("mobile.stop.current"),
            route=route,
            due_today=due_today,
            visited=visited,
            bucket=stop.aging_bucket,
            latitude=address.latitude if address else None,
            longitude=address.longitude if address else None,
        )
