"""The supervisor's team plan of a day: the stored plan (GET) or a new one (POST), one card
per agent (stops, km, first–last ETA), the value covered and the stops nobody gets and why.
Online only."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from mobile.session import AppContext
from mobile.viewmodels import format as fmt
from shared.client import ApiError, ApiUnavailable, ConflictError
from shared.schemas.field import TeamPlan


@dataclass(frozen=True, slots=True)
class PlanCard:
    """One agent's planned day: ``Carlos · 18 paradas · 24,3 km · 08:00–16:40`` and value."""

    title: str
    value: str


@dataclass(frozen=True, slots=True)
class DroppedRow:
    title: str
    detail: str


class TeamPlanViewModel:
    """The plan of :attr:`day`: :meth:`open` shows the stored one or plans it, :meth:`replan`
    plans it again."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.day: date | None = None
        self.plan: TeamPlan | None = None
        self.stored = False
        self.message: str | None = None

    async def open(self, day: date) -> None:
        """The stored plan of ``day``; none stored yet: plan it now."""
        self.day, self.plan, self.message = day, None, None
        try:
            plan = await self.ctx.session.api.get_team_plan(day)
        except ApiUnavailable:
            self.message = self.ctx.t("mobile.team.offline")
            return
        except ApiError as exc:
            self.message = exc.message
            return
        if any(agent.stops for agent in plan.agents):
            self.plan, self.stored = plan, True
        else:
            await self.replan()

    async def replan(self) -> None:
        """Plan :attr:`day` for the whole team (replacing the stored plan)."""
        self.message = None
        try:
            self.plan = await self.ctx.session.api.plan_team(self.day)
        except ApiUnavailable:
            self.message = self.ctx.t("mobile.team.offline")
        except ConflictError as exc:
            conflict = exc.code == "team_plan_conflict"
            self.message = self.ctx.t("mobile.plan_team.conflict") if conflict else exc.message
        except ApiError as exc:
            self.message = exc.message
        else:
            self.stored = False

    def title(self) -> str:
        if self.day is None:
            return ""
        return self.ctx.t("mobile.plan_team.title", day=fmt.day(self.day, self.ctx.lang))

    def cards(self) -> list[PlanCard]:
        if self.plan is None:
            return []
        t, lang = self.ctx.t, self.ctx.lang
        zone = ZoneInfo(self.plan.timezone)
        cards = []
        for agent in self.plan.agents:
            parts = [agent.agent_name, t("mobile.plan_team.stops", count=len(agent.stops))]
            parts.append(fmt.distance(agent.travel_m, lang))
            if agent.stops:
                first = fmt.clock(agent.stops[0].eta.astimezone(zone))
                last = fmt.clock(agent.stops[-1].eta.astimezone(zone))
                parts.append(f"{first}–{last}")
            totals: dict[str, int] = defaultdict(int)
            for stop in agent.stops:
                totals[stop.currency] += stop.value_minor
            value = t("mobile.plan_team.value", amounts=self._amounts(totals))
            cards.append(PlanCard(" · ".join(parts), value))
        return cards

    def coverage(self) -> str:
        """``42 de 50 paradas en el plan · S/ 12.345,00``: stops planned vs candidates."""
        if self.plan is None:
            return ""
        totals: dict[str, int] = defaultdict(int)
        for agent in self.plan.agents:
            for stop in agent.stops:
                totals[stop.currency] += stop.value_minor
        planned = sum(len(a.stops) for a in self.plan.agents)
        return self.ctx.t(
            "mobile.plan_team.coverage",
            planned=planned,
            candidates=self.plan.candidates,
            amounts=self._amounts(totals),
        )

    def dropped(self) -> list[DroppedRow]:
        if self.plan is None:
            return []
        lang = self.ctx.lang
        return [
            DroppedRow(
                stop.debtor_name,
                self.ctx.t(f"mobile.plan_team.reason.{stop.reason}")
                + " · "
                + fmt.money(stop.value_minor, stop.currency, lang),
            )
            for stop in self.plan.dropped_stops
        ]

    def _amounts(self, totals: dict[str, int]) -> str:
        if not totals:
            return "0"
        lang = self.ctx.lang
        return ", ".join(fmt.money(v, c, lang) for c, v in sorted(totals.items()))
