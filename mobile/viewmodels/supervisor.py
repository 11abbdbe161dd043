"""The supervisor's screen: the team's day (planned vs visited, far visits, collected and
promised amounts) and one agent's route as a map trail and a timeline, with the stops the
agent skipped that day and why. Online only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from mobile.outbox import now
from mobile.session import AppContext
from mobile.store import WORK_ZONE
from mobile.viewmodels import format as fmt
from shared.client import ApiError, ApiUnavailable
from shared.schemas.field import AgentRoute, DayStopEvent, MoneyTotal, RouteSummary, StopEventKind


@dataclass(frozen=True, slots=True)
class AgentRow:
    agent_id: uuid.UUID
    name: str
    progress: str
    money: str


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """A visit of the route: when, where, how long, and whether it was far."""

    title: str
    detail: str
    far: bool
    latitude: float | None
    longitude: float | None


class SupervisorViewModel:
    """Team summary for :attr:`day`, and the route of the agent opened with :meth:`open`."""

    def __init__(self, ctx: AppContext, day: date | None = None) -> None:
        self.ctx = ctx
        # Empty: the team's own day, as the server reads it in the team's time zone (the
        # device's date may already be tomorrow's there); filled in by the first load.
        self.day_text = day.isoformat() if day else ""
        self.summary: RouteSummary | None = None
        self.route: AgentRoute | None = None
        self.stop_events: list[DayStopEvent] = []
        self.message: str | None = None

    async def load(self) -> None:
        """Fetch the team's summary for the typed day (none typed: the team's today)."""
        typed = self.day_text.strip()
        day = fmt.parse_day(typed) if typed else None
        if typed and day is None:
            self.message = self.ctx.t("mobile.form.bad_date")
            return
        self.message = None
        self.route = None
        self.stop_events = []
        try:
            self.summary = await self.ctx.session.api.get_routes_summary(day=day)
        except ApiUnavailable:
            self.message = self.ctx.t("mobile.team.offline")
        except ApiError as exc:
            self.message = exc.message
        else:
            self.day_text = self.summary.date.isoformat()
            self.ctx.session.store.put(WORK_ZONE, self.summary.timezone)
            if not self.summary.agents:
                self.message = self.ctx.t("mobile.team.empty")

    async def open(self, agent_id: uuid.UUID) -> None:
        """Fetch one agent's route for the day."""
        day = fmt.parse_day(self.day_text)
        api = self.ctx.session.api
        try:
            routes = await api.get_routes(day=day, agent_id=agent_id)
            events = await api.get_stop_events(day=day, agent_id=agent_id)
        except ApiUnavailable:
            self.message = self.ctx.t("mobile.team.offline")
        except ApiError as exc:
            self.message = exc.message
        else:
            self.route = routes[0] if routes else None
            self.stop_events = events

    def skipped(self) -> list[TimelineRow]:
        """The stops the agent skipped that day, each with its reason and when, in order."""
        rows = []
        for event in self.stop_events:
            if event.kind != StopEventKind.skip:
                continue
            at = fmt.clock(event.recorded_at.astimezone(now().tzinfo))
            reason = self.ctx.t(f"mobile.reason.{event.reason.value}")
            detail = self.ctx.t("mobile.team.skipped_at", time=at, reason=reason)
            rows.append(TimelineRow(event.debtor_name, detail, False, None, None))
        return rows

    def agents(self) -> list[AgentRow]:
        if self.summary is None:
            return []
        return [
            AgentRow(
                row.agent_id,
                row.agent_name,
                self.ctx.t(
                    "mobile.team.row",
                    visited=row.visited,
                    planned=row.planned,
                    far=row.far_visits,
                    pings=row.pings,
                ),
                self._money(row.collected, row.promised),
            )
            for row in self.summary.agents
        ]

    def route_title(self) -> str:
        if self.route is None:
            return ""
        return self.ctx.t("mobile.team.route", name=self.route.agent_name)

    def route_summary(self) -> str:
        route = self.route
        if route is None:
            return ""
        progress = self.ctx.t(
            "mobile.team.row",
            visited=route.visited,
            planned=route.planned,
            far=route.far_visits,
            pings=len(route.trail),
        )
        trail = self.ctx.t("mobile.team.trail", distance=fmt.distance(route.trail_m, self.ctx.lang))
        return f"{progress}\n{trail}\n{self._money(route.collected, route.promised)}"

    def timeline(self) -> list[TimelineRow]:
        if self.route is None:
            return []
        lang = self.ctx.lang
        rows = []
        for visit in self.route.visits:
            at = visit.checked_in_at.astimezone(now().tzinfo)
            stay = fmt.duration(visit.stop_s, lang)
            detail = self.ctx.t("mobile.team.stop", time=fmt.clock(at), minutes=stay)
            detail += " · " + self.ctx.t(f"mobile.outcome.{visit.outcome.value}")
            if visit.far:
                distance = fmt.distance(visit.distance_m, lang)
                detail += " · " + self.ctx.t("mobile.account.far", distance=distance)
            rows.append(
                TimelineRow(
                    f"{visit.debtor_name} · {visit.external_ref}",
                    detail,
                    visit.far,
                    visit.latitude,
                    visit.longitude,
                )
            )
        return rows

    def trail(self) -> list[tuple[float, float]]:
        return [(p.latitude, p.longitude) for p in self.route.trail] if self.route else []

    def _money(self, collected: list[MoneyTotal], promised: list[MoneyTotal]) -> str:
        lang = self.ctx.lang

        def amounts(totals: list[MoneyTotal]) -> str:
            if not totals:
                return "0"
            return ", ".join(fmt.money(t.amount_minor, t.currency, lang) for t in totals)

        return (
            self.ctx.t("mobile.team.collected", amounts=amounts(collected))
            + " · "
            + self.ctx.t("mobile.team.promised", amounts=amounts(promised))
        )
