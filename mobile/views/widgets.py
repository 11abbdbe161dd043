"""Small building blocks shared by the screens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import flet as ft

from mobile.viewmodels.account import Line
from mobile.views import theme

Handler = Callable[[Any], Awaitable[None] | None]
#: Buttons sit two or three to a row on a 360 px screen: keep their side padding small.
PADDING = ft.Padding.symmetric(horizontal=8)


def primary(
    text: str,
    on_click: Handler | None = None,
    *,
    icon: ft.IconData | None = None,
    url: str | None = None,
    expand: bool = True,
) -> ft.FilledButton:
    """The main action of a screen: full width, tall, white on blue."""
    return ft.FilledButton(
        ft.Text(text, size=theme.BODY, weight=ft.FontWeight.W_600),
        icon=icon,
        on_click=on_click,
        url=url,
        height=theme.TOUCH,
        expand=expand,
        style=ft.ButtonStyle(padding=PADDING),
    )


def secondary(
    text: str,
    on_click: Handler | None = None,
    *,
    icon: ft.IconData | None = None,
    url: str | None = None,
    expand: bool = True,
    selected: bool = False,
) -> ft.Control:
    """Other actions (and toggles: ``selected`` draws it filled)."""
    if selected:
        return primary(text, on_click, icon=icon, url=url, expand=expand)
    return ft.OutlinedButton(
        ft.Text(text, size=theme.BODY, color=theme.INK),
        icon=icon,
        on_click=on_click,
        url=url,
        height=theme.TOUCH,
        expand=expand,
        style=ft.ButtonStyle(side=ft.BorderSide(2, theme.PRIMARY), padding=PADDING),
    )


def icon_button(
    icon: ft.IconData,
    label: str,
    on_click: Handler,
    *,
    color: str | None = None,
    size: int | None = None,
) -> ft.IconButton:
    """A button drawn as an icon alone, named ``label`` for screen readers (the icon's
    semantics label; a tooltip alone leaves the button nameless) and as a tooltip."""
    return ft.IconButton(
        ft.Icon(icon, semantics_label=label, color=color, size=size),
        tooltip=label,
        on_click=on_click,
        width=theme.TOUCH,
        height=theme.TOUCH,
    )


def heading(text: str) -> ft.Text:
    return ft.Text(text, size=theme.TITLE, weight=ft.FontWeight.BOLD, color=theme.INK)


def body(
    text: str, *, bold: bool = False, color: str = theme.INK, size: int = theme.BODY
) -> ft.Text:
    return ft.Text(
        text, size=size, color=color, weight=ft.FontWeight.W_600 if bold else ft.FontWeight.NORMAL
    )


def notice(text: str, kind: str = "info", actions: Sequence[ft.Control] = ()) -> ft.Container:
    """A coloured box: ``info`` (blue), ``warning`` (amber, black text) or ``error`` (red)."""
    bg, fg = {
        "info": ("#E3ECFA", theme.INK),
        "warning": (theme.WARNING_BG, "#000000"),
        "error": (theme.DANGER, "#FFFFFF"),
        "ok": (theme.OK_BG, "#FFFFFF"),
    }[kind]
    return ft.Container(
        ft.Column([ft.Text(text, size=theme.BODY, color=fg), *actions], spacing=8),
        bgcolor=bg,
        padding=12,
        border_radius=8,
    )


def section(title: str, lines: Sequence[Line], empty: str) -> ft.Column:
    """A titled list of :class:`~mobile.viewmodels.account.Line` rows."""
    rows: list[ft.Control] = [heading(title)]
    if not lines:
        rows.append(body(empty, color=theme.MUTED))
    for line in lines:
        texts: list[ft.Control] = [body(line.title, bold=True)]
        if line.detail:
            texts.append(body(line.detail, size=theme.SMALL, color=theme.MUTED))
        if line.tag:
            texts.append(tag(line.tag, warning=line.warning))
        rows.append(
            ft.Container(ft.Column(texts, spacing=2), padding=ft.Padding.symmetric(vertical=6))
        )
    return ft.Column(rows, spacing=4)


def tag(text: str, *, warning: bool = False) -> ft.Container:
    return ft.Container(
        ft.Text(text, size=theme.SMALL, color="#000000" if warning else "#FFFFFF"),
        bgcolor=theme.WARNING_BG if warning else theme.PRIMARY,
        padding=ft.Padding.symmetric(horizontal=8, vertical=2),
        border_radius=6,
    )


def field(label: str, value: str = "", *, error: str | None = None, **kw: Any) -> ft.TextField:
    """A big text field (the label doubles as its accessible name)."""
    return ft.TextField(
        label=label,
        value=value,
        error=error,
        text_size=theme.BODY,
        border_width=2,
        **kw,
    )


def bind(handler: Callable[..., Awaitable[None]], *args: Any) -> Callable[[Any], Awaitable[None]]:
    """An event handler that awaits ``handler(*args)`` (a lambda would return the coroutine
    unawaited: Flet awaits only coroutine functions)."""

    async def run(_: Any) -> None:
        await handler(*args)

    return run
