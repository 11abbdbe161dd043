"""Look and feel for the street: high contrast (readable in sunlight), big touch targets."""

from __future__ import annotations

import flet as ft

#: Minimum height of anything tappable, logical pixels (Material's 48 plus margin for thumbs).
TOUCH = 52
INK = "#111111"  # text on light backgrounds
PRIMARY = "#0B3D91"  # deep blue: white text on it passes WCAG AAA
DANGER = "#B00020"
WARNING_BG = "#FFD54F"  # amber with black text
OK_BG = "#1B5E20"
MUTED = "#424242"
SURFACE = "#FFFFFF"
CARD = "#F2F4F8"

TITLE = 20
BODY = 17
SMALL = 15


def theme() -> ft.Theme:
    return ft.Theme(
        color_scheme=ft.ColorScheme(
            primary=PRIMARY,
            on_primary="#FFFFFF",
            secondary=PRIMARY,
            surface=SURFACE,
            on_surface=INK,
            error=DANGER,
            outline=MUTED,
        ),
        use_material3=True,
    )
