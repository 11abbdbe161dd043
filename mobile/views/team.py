"""The supervisor's team: each agent's day, and one agent's route on a map and a timeline."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import flet as ft
import flet_map as fm

from mobile.viewmodels.supervisor import SupervisorViewModel
from mobile.viewmodels.team_plan import TeamPlanViewModel
from mobile.views import theme
from mobile.views.forms import BACK_DAYS, date_field
from mobile.views.map import base_map, pin, point
from mobile.views.widgets import bind, body, heading, icon_button, notice, secondary, tag

if TYPE_CHECKING:
    from mobile.views.shell import Shell


PLAN_AHEAD_DAYS = 13  # the calendar offers tomorrow and the next two weeks


class TeamTab:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.vm = SupervisorViewModel(shell.ctx)
        self.plan = TeamPlanViewModel(shell.ctx)
        self.planning = False

    @property
    def title(self) -> str:
        return self.shell.ctx.t("mobile.team.title")

    async def load(self) -> None:
        await self.vm.load()

    def controls(self) -> list[ft.Control]:
        t = self.shell.ctx.t
        today = self.shell.today()
        items: list[ft.Control] = [
            date_field(
                self.shell,
                t("mobile.team.day"),
                self.vm.day_text,
                first=today - timedelta(days=BACK_DAYS),
                last=today,
                on_pick=self._day,
            ),
            ft.Row([secondary(t("mobile.plan_team.button"), self._pick, icon=ft.Icons.EVENT)]),
        ]
        if self.planning:
            items.append(ft.ProgressRing())
        if self.plan.message:
            items.append(notice(self.plan.message, "error"))
        if self.plan.plan is not None:
            items += self._plan()
        if self.vm.message:
            items.append(notice(self.vm.message, "warning"))
        if self.vm.route is not None:
            items += self._route()
        for agent in self.vm.agents():
            items.append(
                ft.Container(
                    ft.Column(
                        [
                            body(agent.name, bold=True),
                            body(agent.progress, size=theme.SMALL),
                            body(agent.money, size=theme.SMALL, color=theme.MUTED),
                        ],
                        spacing=2,
                    ),
                    bgcolor=theme.CARD,
                    padding=12,
                    border_radius=10,
                    ink=True,
                    on_click=bind(self._open, agent.agent_id),
                )
            )
        return [ft.ListView(items, expand=True, spacing=8)]

    def _route(self) -> list[ft.Control]:
        timeline = self.vm.timeline()
        trail = self.vm.trail()
        markers = [
            fm.Marker(
                content=pin(str(n), theme.DANGER if row.far else theme.PRIMARY, 26),
                coordinates=point(row.latitude, row.longitude),  # type: ignore[arg-type]
            )
            for n, row in enumerate(timeline, start=1)
            if row.latitude is not None and row.longitude is not None
        ]
        layers: list[fm.MapLayer] = [
            fm.PolylineLayer(
                polylines=[
                    fm.PolylineMarker(
                        coordinates=[point(*p) for p in trail], color=theme.PRIMARY, stroke_width=4
                    )
                ]
            ),
            fm.MarkerLayer(markers=markers),
        ]
        points = trail + [(r.latitude, r.longitude) for r in timeline if r.latitude is not None]
        items: list[ft.Control] = [
            heading(self.vm.route_title()),
            body(self.vm.route_summary(), size=theme.SMALL),
            base_map(self.shell.ctx.config.tiles_url, points, layers),  # type: ignore[arg-type]
        ]
        for n, row in enumerate(timeline, start=1):
            line: list[ft.Control] = [
                body(f"{n}. {row.title}", bold=True),
                body(row.detail, size=theme.SMALL),
            ]
            if row.far:
                line.append(tag("!", warning=True))
            items.append(ft.Container(ft.Column(line, spacing=2), padding=6))
        skipped = self.vm.skipped()
        if skipped:
            items.append(heading(self.shell.ctx.t("mobile.team.skipped", n=len(skipped))))
        for row in skipped:
            items.append(
                ft.Container(
                    ft.Column(
                        [body(row.title, bold=True), body(row.detail, size=theme.SMALL)],
                        spacing=2,
                    ),
                    bgcolor=theme.CARD,
                    padding=8,
                    border_radius=8,
                )
            )
        return items

    def _plan(self) -> list[ft.Control]:
        """The team plan: one card per agent, the value covered, the stops left out and why."""
        t = self.shell.ctx.t
        close = icon_button(ft.Icons.CLOSE, t("mobile.plan_team.close"), self._close_plan)
        items: list[ft.Control] = [
            ft.Row([ft.Container(heading(self.plan.title()), expand=True), close]),
            body(self.plan.coverage(), size=theme.SMALL),
        ]
        if self.plan.stored:
            items.append(notice(t("mobile.plan_team.stored")))
        for card in self.plan.cards():
            items.append(
                ft.Container(
                    ft.Column(
                        [
                            body(card.title, bold=True),
                            body(card.value, size=theme.SMALL, color=theme.MUTED),
                        ],
                        spacing=2,
                    ),
                    bgcolor=theme.CARD,
                    padding=12,
                    border_radius=10,
                )
            )
        dropped = self.plan.dropped()
        if dropped:
            items.append(heading(t("mobile.plan_team.dropped", n=len(dropped))))
        for row in dropped:
            items.append(
                ft.Container(
                    ft.Column(
                        [body(row.title, bold=True), body(row.detail, size=theme.SMALL)],
                        spacing=2,
                    ),
                    padding=6,
                )
            )
        items.append(
            ft.Row([secondary(t("mobile.plan_team.again"), self._replan, icon=ft.Icons.REFRESH)])
        )
        return items

    def _pick(self, _: object) -> None:
        """The day to plan on Flet's calendar, tomorrow unless changed."""
        t, lang = self.shell.ctx.t, self.shell.ctx.lang
        tomorrow = self.shell.today() + timedelta(days=1)

        def picked(e: ft.ControlEvent) -> None:
            value = e.control.value
            if value is not None:
                day = value.date() if isinstance(value, datetime) else value
                self.shell.page.run_task(self._run, self.plan.open, day)

        self.shell.page.show_dialog(
            ft.DatePicker(
                value=tomorrow,
                first_date=self.shell.today(),
                last_date=tomorrow + timedelta(days=PLAN_AHEAD_DAYS),
                current_date=self.shell.today(),
                help_text=t("mobile.plan_team.day"),
                confirm_text=t("mobile.confirm.ok"),
                cancel_text=t("mobile.confirm.cancel"),
                locale=ft.Locale(lang),
                on_change=picked,
            )
        )

    async def _replan(self, _: object) -> None:
        await self._run(self.plan.replan)

    async def _run(self, action: Callable[..., Awaitable[None]], *args: object) -> None:
        self.planning = True
        self.shell.render()
        try:
            await action(*args)
        finally:
            self.planning = False
        self.shell.render()

    def _close_plan(self, _: object) -> None:
        self.plan.plan = None
        self.plan.message = None
        self.shell.render()

    def _day(self, day: date) -> None:
        """A day picked on the calendar: that day's team (loaded in the background)."""
        self.vm.day_text = day.isoformat()
        self.shell.page.run_task(self._show)

    async def _show(self) -> None:
        await self.load()
        self.shell.render()

    async def _open(self, agent_id: uuid.UUID) -> None:
        await self.vm.open(agent_id)
        self.shell.render()
