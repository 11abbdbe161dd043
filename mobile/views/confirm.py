"""The confirmation dialog: dated rows with amounts and their total, Confirm or Cancel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import flet as ft

from mobile.viewmodels.confirm import Confirmation
from mobile.views import theme
from mobile.views.widgets import body

if TYPE_CHECKING:
    from mobile.views.shell import Shell


def _row(label: str, when: str, amount: str, *, bold: bool = False) -> ft.Control:
    left: list[ft.Control] = [body(label, bold=bold)]
    if when:
        left.append(body(when, size=theme.SMALL, color=theme.MUTED))
    return ft.Row(
        [
            ft.Column(left, spacing=0, expand=True),
            body(amount, bold=True),
        ],
        vertical_alignment=ft.CrossAxisAlignment.START,
    )


#: Rows shown before the dialog scrolls (a 12-instalment plan scrolls on a 640 px screen).
VISIBLE_ROWS = 6


def _content(rows: list[ft.Control], page_height: float | None) -> ft.Control:
    """The rows, tight around their content; a long schedule scrolls inside a box that leaves
    room for the title and the buttons."""
    column = ft.Column(rows, spacing=8, tight=True)
    if len(rows) <= VISIBLE_ROWS + 2:  # plus the rule and the total
        return column
    column.scroll = ft.ScrollMode.AUTO
    return ft.Container(column, height=max(240, (page_height or 640) - 300), width=320)


def confirm(
    shell: Shell, confirmation: Confirmation, on_confirm: Callable[[], Awaitable[None]]
) -> None:
    """Show ``confirmation``; ``on_confirm`` runs after the dialog closed on Confirm."""
    t = shell.ctx.t

    async def confirmed(_: object) -> None:
        shell.page.pop_dialog()
        await on_confirm()

    rows: list[ft.Control] = [_row(row.label, row.when, row.amount) for row in confirmation.rows]
    rows += [
        ft.Divider(thickness=2, color=theme.INK),
        _row(confirmation.total_label, "", confirmation.total, bold=True),
    ]
    rows += [body(note, size=theme.SMALL, color=theme.MUTED) for note in confirmation.notes]
    shell.page.show_dialog(
        ft.AlertDialog(
            modal=True,
            title=ft.Text(confirmation.title, size=theme.TITLE, weight=ft.FontWeight.BOLD),
            content=_content(rows, shell.page.height),
            inset_padding=ft.Padding.symmetric(horizontal=12, vertical=24),
            actions=[
                ft.OutlinedButton(
                    t("mobile.confirm.cancel"),
                    on_click=lambda _: shell.page.pop_dialog(),
                    height=theme.TOUCH,
                ),
                ft.FilledButton(t("mobile.confirm.ok"), on_click=confirmed, height=theme.TOUCH),
            ],
        )
    )
