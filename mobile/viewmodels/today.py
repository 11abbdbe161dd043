"""Today: the agent's stops in suggested visit order, with filters and pull to refresh; the
next stop's directions; skipping a stop or moving it up or down, with a reason.

Skips and moves go to the outbox as ``stop`` actions (sent with the next sync, kept offline)
and show at once: the stored worklist is shown with the changes the server has not yet
reflected in it (``Worklist.applied_events``) laid over it, as the server lays them
(:func:`shared.stops.apply_changes`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from mobile.session import AppContext
from mobile.sync import SyncState
from mobile.viewmodels import format as fmt
from shared.client import ApiUnavailable, AuthError
from shared.schemas.contact import ContactHold
from shared.schemas.enums import AgingBucket
from shared.schemas.field import (
    StopEventKind,
    StopPayload,
    StopReason,
    SyncActionType,
    SyncStatus,
    TravelMode,
    Worklist,
    WorklistStop,
)
from shared.stops import apply_changes

#: How far (logical pixels) the list must be pulled past its top to refresh.
PULL_TO_REFRESH_PX = 70.0
#: Google Maps' travel mode for each of the shift's.
MAPS_TRAVEL_MODE: dict[TravelMode, str] = {
    "walking": "walking",
    "motorbike": "two-wheeler",
    "car": "driving",
}


def next_stop_url(latitude: float, longitude: float, mode: TravelMode) -> str:
    """Directions from where the phone is to a stop, in the maps app (or a browser tab)."""
    return "https://www.google.com/maps/dir/?" + urlencode(
        {
            "api": "1",
            "destination": f"{latitude},{longitude}",
            "travelmode": MAPS_TRAVEL_MODE[mode],
        },
        quote_via=quote,
        safe=",",
    )


@dataclass(frozen=True, slots=True)
class StopRow:
    """One line of the list, ready to draw."""

    account_id: uuid.UUID
    debtor_id: uuid.UUID
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
    skipped: str | None = None
    can_move_up: bool = False
    can_move_down: bool = False

    @property
    def done(self) -> bool:
        """Visited or skipped: nothing left to do here today."""
        return self.visited or self.skipped is not None


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

    def stops(self) -> list[WorklistStop]:
        """The day's stops in the agent's order, with the skips and moves made on this device
        that the stored worklist does not reflect yet."""
        worklist = self.worklist
        if worklist is None:
            return []
        return apply_changes(worklist.stops, self._local_changes(worklist))

    def rows(self) -> list[StopRow]:
        worklist = self.worklist
        if worklist is None:
            return []
        visited_here = self._visited_locally(worklist.date, ZoneInfo(worklist.timezone))
        changes = self._local_changes(worklist)
        stops = apply_changes(worklist.stops, changes)
        rows = []
        for index, stop in enumerate(stops):
            visited = stop.visited_today or stop.account_id in visited_here
            if self.bucket is not None and stop.aging_bucket != self.bucket:
                continue
            if self.promise_due and not (stop.promise_due_today or stop.instalment_due_today):
                continue
            if self.not_visited and (visited or stop.skipped is not None):
                continue
            row = self._row(stop, visited, ZoneInfo(worklist.timezone), timed=not changes)
            open_ = not row.done
            rows.append(
                replace(
                    row,
                    can_move_up=open_ and index > 0,
                    can_move_down=open_ and index < len(stops) - 1,
                )
            )
        return rows

    def next_stop(self) -> StopRow | None:
        """The first stop in the day's order not yet visited nor skipped that has a place to
        go to (whatever the filters show)."""
        rows = self._all_rows()
        return next((r for r in rows if not r.done and r.latitude is not None), None)

    def next_stop_url(self) -> str | None:
        """Directions to :meth:`next_stop` in the shift's travel mode (None: nothing left)."""
        worklist, stop = self.worklist, self.next_stop()
        if worklist is None or stop is None:
            return None
        return next_stop_url(stop.latitude, stop.longitude, worklist.mode)  # type: ignore[arg-type]

    def reasons(self) -> list[tuple[StopReason, str]]:
        """The reasons to pick from when skipping or moving a stop, in the agent's language."""
        return [(reason, self.ctx.t(f"mobile.reason.{reason.value}")) for reason in StopReason]

    def skip(self, debtor_id: uuid.UUID, reason: StopReason) -> str:
        """Skip a stop for today; returns the outbox client id."""
        return self._record(StopEventKind.skip, debtor_id, reason, None)

    def move(self, debtor_id: uuid.UUID, up: bool, reason: StopReason) -> str | None:
        """Move a stop one place up or down the day's order (None: it is already at that
        end); returns the outbox client id."""
        order = [stop.debtor_id for stop in self.stops()]
        at = order.index(debtor_id)
        if (up and at == 0) or (not up and at == len(order) - 1):
            return None
        # Up: after the stop two places before (first when there is none); down: after the next.
        after = (order[at - 2] if at >= 2 else None) if up else order[at + 1]
        return self._record(StopEventKind.move, debtor_id, reason, after)

    def _record(
        self,
        kind: StopEventKind,
        debtor_id: uuid.UUID,
        reason: StopReason,
        after: uuid.UUID | None,
    ) -> str:
        worklist = self.worklist
        assert worklist is not None, "stops come from a worklist"
        change = StopPayload(
            kind=kind, date=worklist.date, debtor_id=debtor_id, reason=reason, after_debtor_id=after
        )
        return self.ctx.session.outbox.record(SyncActionType.stop, change, account_id=None)

    def _local_changes(self, worklist: Worklist) -> list[StopPayload]:
        """Skips and moves of the worklist's day recorded here and not yet in it (refused
        ones are left out: the server did not take them)."""
        applied = set(worklist.applied_events)
        refused = (SyncStatus.rejected.value, SyncStatus.conflict.value)
        changes = []
        for row in self.ctx.session.outbox.rows():
            if row.type != SyncActionType.stop.value or row.client_id in applied:
                continue
            if row.status in refused:
                continue
            change = StopPayload.model_validate(row.payload)
            if change.date == worklist.date:
                changes.append(change)
        return changes

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
        done = sum(1 for row in self._all_rows() if row.done)
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

    def _all_rows(self) -> list[StopRow]:
        """Every row of the day, whatever the filters show."""
        saved = self.bucket, self.promise_due, self.not_visited
        self.clear_filters()
        try:
            return self.rows()
        finally:
            self.bucket, self.promise_due, self.not_visited = saved

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

    def _visited_locally(self, day: date, zone: ZoneInfo) -> set[uuid.UUID]:
        """Accounts with a visit recorded on this device that day (sent or not yet): the
        portfolio's day, which is the worklist's, whatever time zone the device is set to."""
        return {
            uuid.UUID(row.account_id)
            for row in self.ctx.session.outbox.rows()
            if row.type == SyncActionType.visit.value
            and row.account_id is not None
            and row.recorded_at.astimezone(zone).date() == day
        }

    def _row(self, stop: WorklistStop, visited: bool, zone: ZoneInfo, *, timed: bool) -> StopRow:
        """One line; ETAs in the day's time zone (the portfolio's), whatever the phone's, unless
        the order changed here since the day was timed (``timed`` False)."""
        lang = self.ctx.lang
        country = stop.address.country if stop.address else ""
        if not timed:
            route = self.ctx.t("mobile.stop.untimed")
        elif stop.leg_m is None:
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
        skipped = self.ctx.t(f"mobile.reason.{stop.skipped.value}") if stop.skipped else None
        if skipped is not None:
            route = self.ctx.t("mobile.stop.skipped", reason=skipped)
        return StopRow(
            account_id=stop.account_id,
            debtor_id=stop.debtor_id,
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
            skipped=skipped,
        )
