"""The login screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from mobile.viewmodels.login import LoginViewModel
from mobile.views import theme
from mobile.views.widgets import body, field, notice, primary, secondary

if TYPE_CHECKING:
    from mobile.views.shell import Shell


class LoginScreen:
    """Email, password, language switch; on success the shell opens the user's home."""

    def __init__(self, shell: Shell, message: str | None = None) -> None:
        self.shell = shell
        self.vm = LoginViewModel(shell.ctx)
        self.message = message
        self.email = field("", keyboard_type=ft.KeyboardType.EMAIL, autofocus=True)
        self.password = field("", password=True, can_reveal_password=True)
        self.password.on_submit = self.submit
        self.view = ft.View(
            route="/login",
            padding=20,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            bgcolor=theme.SURFACE,
            scroll=ft.ScrollMode.AUTO,
        )
        self.render()

    def render(self) -> None:
        t = self.shell.ctx.t
        self.email.label = t("mobile.login.email")
        self.password.label = t("mobile.login.password")
        controls: list[ft.Control] = [
            ft.Container(height=24),
            ft.Text(t("mobile.app.title"), size=28, weight=ft.FontWeight.BOLD, color=theme.PRIMARY),
            body(t("mobile.login.title"), bold=True),
            self.email,
            self.password,
        ]
        if self.message:
            controls.append(notice(self.message, "warning"))
        if self.vm.error:
            controls.append(notice(self.vm.error, "error"))
        controls += [
            ft.Row([primary(t("mobile.login.submit"), self.submit, icon=ft.Icons.LOGIN)]),
            ft.Row(
                [
                    secondary(
                        t("mobile.language.switch"), self.switch_language, icon=ft.Icons.TRANSLATE
                    )
                ]
            ),
        ]
        self.view.controls = controls

    async def submit(self, _: object = None) -> None:
        self.vm.email = self.email.value or ""
        self.vm.password = self.password.value or ""
        self.message = None
        session = await self.vm.submit()
        if session is None:
            self.render()
            self.shell.page.update()
            return
        self.password.value = ""
        await self.shell.signed_in()

    def switch_language(self, _: object = None) -> None:
        self.shell.ctx.switch_language()
        self.render()
        self.shell.page.update()
