"""The app's frame: login or home (bottom navigation), pushed screens, background work.

Home has the tabs of the user's role (agents: Today, Map, Sync; supervisors: Team, Sync) and a
sync badge in the app bar on every screen. Screens opened from an account are pushed as views,
so the phone's back button pops them. While logged in as an agent two background tasks run:
the sync loop (every ``COBRO_SYNC_SECONDS``, with backoff while offline) and the location pings
while on shift (every ``COBRO_PING_SECONDS``).
"""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import Future
from datetime import date
from typing import Any, Protocol

import flet as ft

from mobile.geo import FixedPositionProvider
from mobile.session import AppContext
from mobile.sync import SyncReport, SyncState
from mobile.viewmodels.account import AccountViewModel
from mobile.viewmodels.login import logout, resume
from mobile.viewmodels.sync_status import take_ping
from mobile.views import theme
from mobile.views.account import AccountScreen
from mobile.views.login import LoginScreen
from mobile.views.map import MapTab
from mobile.views.sync import SyncTab
from mobile.views.team import TeamTab
from mobile.views.today import TodayTab
from mobile.views.widgets import icon_button


class Tab(Protocol):
    @property
    def title(self) -> str: ...

    def controls(self) -> list[ft.Control]: ...


class Pushed(Protocol):
    view: ft.View

    def render(self) -> None: ...


class Shell:
    """One running app (a phone, or a browser tab whose Python runs on the server)."""

    def __init__(self, page: ft.Page, ctx: AppContext) -> None:
        self.page = page
        self.ctx = ctx
        self.login: LoginScreen | None = None
        self.tabs: list[Tab] = []
        self.tab_index = 0
        self.stack: list[Pushed] = []
        self.badges: list[ft.TextButton] = []
        self.home = ft.View(route="/", padding=ft.Padding.symmetric(horizontal=10, vertical=6))
        self._tasks: list[Future[Any]] = []

    # --- start, login, logout ----------------------------------------------------------------

    async def start(self) -> None:
        page = self.page
        page.title = self.ctx.t("mobile.app.title")
        page.theme = theme.theme()
        page.theme_mode = ft.ThemeMode.LIGHT
        page.on_view_pop = self._on_view_pop
        page.on_close = self._closed
        if await resume(self.ctx) is not None:
            await self.signed_in()
        else:
            self.show_login()

    def show_login(self, message: str | None = None) -> None:
        self._stop_background()
        self.stack.clear()
        self.login = LoginScreen(self, message)
        self.page.views.clear()
        self.page.views.append(self.login.view)
        self.page.update()

    async def signed_in(self) -> None:
        """After login or resume: build the role's tabs, show home, load the day."""
        self.login = None
        self.today_tab = TodayTab(self)
        self.sync_tab = SyncTab(self)
        if self.ctx.session.is_supervisor:
            self.team_tab = TeamTab(self)
            self.tabs = [self.team_tab, self.sync_tab]
        else:
            self.map_tab = MapTab(self)
            self.tabs = [self.today_tab, self.map_tab, self.sync_tab]
        self.tab_index = 0
        self.page.views.clear()
        self.page.views.append(self.home)
        self.render()
        if self.ctx.session.is_supervisor:
            await self.team_tab.load()
            self.render()
            return
        await self.today_tab.refresh()
        self._demo_start()
        self._start_background()

    async def confirm_logout(self, _: object = None) -> None:
        t = self.ctx.t
        pending = self.ctx.session.outbox.counts().pending

        async def confirmed(_: object) -> None:
            self.page.pop_dialog()
            await logout(self.ctx)
            self.show_login()

        self.page.show_dialog(
            ft.AlertDialog(
                title=ft.Text(t("mobile.logout")),
                content=ft.Text(t("mobile.logout.confirm", pending=pending), size=theme.BODY),
                actions=[
                    ft.TextButton(
                        t("mobile.logout.cancel"), on_click=lambda _: self.page.pop_dialog()
                    ),
                    ft.FilledButton(t("mobile.logout"), on_click=confirmed),
                ],
            )
        )

    def switch_language(self, _: object = None) -> None:
        self.ctx.switch_language()
        self.render()

    # --- drawing -----------------------------------------------------------------------------

    def render(self) -> None:
        """Redraw home and the screen on top (after an action of the agent)."""
        if self.login is not None:
            self.login.render()
        elif self.tabs:
            tab = self.tabs[self.tab_index]
            self.badges = [self._badge()]
            self.home.appbar = self._appbar(tab.title, leading=None)
            self.home.navigation_bar = self._navigation()
            self.home.controls = tab.controls()
            for screen in self.stack:
                screen.render()
                screen.view.appbar = self._appbar_of(screen)
        self.page.update()

    def refresh_badges(self) -> None:
        """Update only the sync badges (background work must not redraw forms being typed)."""
        if self.login is None and self.ctx.user is not None:
            self.home.appbar = self._appbar(self.tabs[self.tab_index].title, leading=None)
            for screen in self.stack:
                screen.view.appbar = self._appbar_of(screen)
            self.page.update()

    def _badge(self) -> ft.TextButton:
        counts = self.ctx.session.outbox.counts()
        icon = ft.Icons.CLOUD_DONE if counts.pending == 0 else ft.Icons.CLOUD_UPLOAD
        if counts.attention:
            icon = ft.Icons.ERROR
        return ft.TextButton(
            self.sync_tab.vm.badge(),
            icon=icon,
            on_click=self._open_sync,
            height=theme.TOUCH,
            style=ft.ButtonStyle(color="#FFFFFF", icon_color="#FFFFFF"),
        )

    def _appbar_of(self, screen: Pushed) -> ft.AppBar:
        """A pushed screen's app bar again, with a fresh badge."""
        old = screen.view.appbar
        assert isinstance(old, ft.AppBar) and isinstance(old.title, ft.Text)
        return self._appbar(str(old.title.value), old.leading)

    def _appbar(self, title: str, leading: ft.Control | None) -> ft.AppBar:
        return ft.AppBar(
            title=ft.Text(title, size=theme.TITLE, weight=ft.FontWeight.BOLD, color="#FFFFFF"),
            bgcolor=theme.PRIMARY,
            leading=leading,
            automatically_imply_leading=False,
            actions=[] if self.ctx.session.is_supervisor else [self._badge()],
            toolbar_height=60,
        )

    def _navigation(self) -> ft.NavigationBar:
        t = self.ctx.t
        icons = {
            TodayTab: (ft.Icons.LIST, "mobile.nav.today"),
            MapTab: (ft.Icons.MAP, "mobile.nav.map"),
            SyncTab: (ft.Icons.SYNC, "mobile.nav.sync"),
            TeamTab: (ft.Icons.GROUPS, "mobile.nav.team"),
        }
        return ft.NavigationBar(
            destinations=[
                ft.NavigationBarDestination(icon=icons[type(tab)][0], label=t(icons[type(tab)][1]))
                for tab in self.tabs
            ],
            selected_index=self.tab_index,
            on_change=self._on_tab,
            bgcolor="#E3ECFA",
        )

    async def _on_tab(self, e: ft.ControlEvent) -> None:
        self.tab_index = int(e.control.selected_index)
        tab = self.tabs[self.tab_index]
        if isinstance(tab, MapTab):
            await tab.load()
        self.render()

    async def _open_sync(self, _: object = None) -> None:
        while self.stack:
            self.stack.pop()
            self.page.views.pop()
        self.tab_index = self.tabs.index(self.sync_tab)
        self.render()

    # --- pushed screens ----------------------------------------------------------------------

    def pushed_view(self, route: str, title: str) -> ft.View:
        back = icon_button(
            ft.Icons.ARROW_BACK, self.ctx.t("mobile.nav.back"), self.pop, color="#FFFFFF"
        )
        return ft.View(route=route, appbar=self._appbar(title, back), padding=0)

    def push(self, screen: Pushed) -> None:
        screen.render()
        self.stack.append(screen)
        self.page.views.append(screen.view)
        self.page.update()

    async def pop(self, _: object = None) -> None:
        if self.stack:
            self.stack.pop()
            self.page.views.pop()
        self.render()

    async def _on_view_pop(self, _: ft.ViewPopEvent) -> None:
        await self.pop()

    async def open_account(self, account_id: uuid.UUID) -> None:
        vm = AccountViewModel(self.ctx, account_id)
        await vm.load()
        self.push(AccountScreen(self, vm))

    async def saved(self, message: str) -> None:
        """A form was saved: back to the account, say so, try to send it now."""
        await self.pop()
        self.page.show_dialog(ft.SnackBar(ft.Text(message, size=theme.BODY), duration=2500))
        self.page.run_task(self._sync_soon)

    async def launch(self, url: str, *, new_tab: bool = False) -> None:
        """Open ``url`` outside the app (on the web: this tab, or a new one)."""
        await ft.UrlLauncher().launch_url(url, web_only_window_name="_blank" if new_tab else None)

    def today(self) -> date:
        """The agent's day (``AppContext.today``)."""
        return self.ctx.today()

    # --- background work ---------------------------------------------------------------------

    async def after_sync(self) -> None:
        if self.ctx.user is not None and self.ctx.session.engine.last.state is SyncState.expired:
            await self.ctx.session.close()
            self.ctx.user = None
            self.show_login(self.ctx.t("mobile.login.expired"))
            return
        self.render()

    async def _sync_soon(self) -> None:
        self._after_background(await self.ctx.session.engine.sync())

    def _after_background(self, report: SyncReport) -> None:
        """Redraw after a background sync: everything when it brought news and no form is
        open (a form being typed must not be redrawn under the agent's thumb), else the
        badges only."""
        news = report.sent or report.accounts_changed or report.accounts_removed
        top = self.stack[-1] if self.stack else None
        if news and (top is None or isinstance(top, AccountScreen)):
            self.render()
        else:
            self.refresh_badges()

    def _start_background(self) -> None:
        self._stop_background()
        user = self.ctx.user
        self._tasks = [
            self.page.run_task(self._sync_loop, user),
            self.page.run_task(self._ping_loop, user),
        ]

    async def _closed(self, _: object = None) -> None:
        """The browser tab is gone (its Flet session expired): stop and close, keep the data."""
        self._stop_background()
        if self.ctx.user is not None:
            await self.ctx.user.close()
            self.ctx.user = None

    def _stop_background(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks = []

    async def _sync_loop(self, user: object) -> None:
        engine = self.ctx.session.engine
        while self.ctx.user is user:
            await asyncio.sleep(engine.backoff.delay(self.ctx.config.sync_seconds))
            if self.ctx.user is not user:
                return
            report = await engine.sync()
            if report.state is SyncState.expired:
                await self.after_sync()
                return
            self._after_background(report)

    async def _ping_loop(self, user: object) -> None:
        while self.ctx.user is user:
            await asyncio.sleep(self.ctx.config.ping_seconds)
            if self.ctx.user is user:
                await take_ping(self.ctx)

    def _demo_start(self) -> None:
        """The browser demo's fake GPS starts at the first stop when no position was given."""
        positions = self.ctx.positions
        rows = self.today_tab.vm.rows()
        if isinstance(positions, FixedPositionProvider) and positions.where is None:
            located = [r for r in rows if r.latitude is not None and r.longitude is not None]
            if located:
                positions.move_to(located[0].latitude, located[0].longitude)  # type: ignore[arg-type]
