"""Map of the day: numbered stops and the agent's position on tiles from ``COBRO_MAP_TILES_URL``.

Without signal the tiles stay grey but the markers still draw, and the same stops are listed
under the map, so the screen keeps working as a list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft
import flet_map as fm

from mobile.geo import Position
from mobile.views import theme
from mobile.views.widgets import bind, body

if TYPE_CHECKING:
    from mobile.views.shell import Shell

MAP_HEIGHT = 280
#: The maps sit inside scrolling lists: the mouse wheel scrolls the list (zoom is pinch or
#: double tap), and a route map is never turned (north stays up).
GESTURES = fm.InteractionConfiguration(
    flags=fm.InteractionFlag.ALL
    & ~fm.InteractionFlag.SCROLL_WHEEL_ZOOM
    & ~fm.InteractionFlag.ROTATE
)


def point(lat: float, lon: float) -> fm.MapLatitudeLongitude:
    return fm.MapLatitudeLongitude(lat, lon)


def pin(label: str, color: str, size: int = 30) -> ft.Container:
    return ft.Container(
        ft.Text(label, color="#FFFFFF", size=13, weight=ft.FontWeight.BOLD),
        bgcolor=color,
        width=size,
        height=size,
        border_radius=size / 2,
        alignment=ft.Alignment.CENTER,
        border=ft.Border.all(2, "#FFFFFF"),
    )


def base_map(
    tiles_url: str,
    points: list[tuple[float, float]],
    layers: list[fm.MapLayer],
) -> fm.Map:
    """A map fitted to ``points`` with the tile layer under ``layers``."""
    fit = None
    if len(points) > 1:
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        fit = fm.CameraFit(
            bounds=fm.MapLatitudeLongitudeBounds(
                point(min(lats), min(lons)), point(max(lats), max(lons))
            ),
            padding=ft.Padding.all(30),
        )
    center = points[0] if points else (0.0, 0.0)
    return fm.Map(
        height=MAP_HEIGHT,
        initial_center=point(*center),
        initial_zoom=14,
        initial_camera_fit=fit,
        interaction_configuration=GESTURES,
        layers=[
            fm.TileLayer(url_template=tiles_url, user_agent_package_name="org.cobro.field"),
            *layers,
        ],
    )


class MapTab:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.position: Position | None = None

    @property
    def title(self) -> str:
        return self.shell.ctx.t("mobile.map.title")

    async def load(self) -> None:
        self.position = await self.shell.ctx.positions.current()

    def controls(self) -> list[ft.Control]:
        t = self.shell.ctx.t
        rows = self.shell.today_tab.vm.rows()
        located = [r for r in rows if r.latitude is not None and r.longitude is not None]
        markers = [
            fm.Marker(
                content=pin(str(r.position), theme.OK_BG if r.visited else theme.PRIMARY),
                coordinates=point(r.latitude, r.longitude),  # type: ignore[arg-type]
            )
            for r in located
        ]
        points = [(r.latitude, r.longitude) for r in located]
        if self.position is not None:
            here = (self.position.latitude, self.position.longitude)
            points.append(here)
            markers.append(fm.Marker(content=pin("●", theme.DANGER, 24), coordinates=point(*here)))
        items: list[ft.Control] = [
            base_map(self.shell.ctx.config.tiles_url, points, [fm.MarkerLayer(markers=markers)]),  # type: ignore[arg-type]
            body(t("mobile.map.tiles_hint"), size=theme.SMALL, color=theme.MUTED),
        ]
        if self.position is None:
            items.append(body(t("mobile.map.no_position"), size=theme.SMALL))
        for row in rows:
            items.append(
                ft.ListTile(
                    leading=pin(str(row.position), theme.OK_BG if row.visited else theme.PRIMARY),
                    title=body(row.name, bold=True),
                    subtitle=body(f"{row.amount} · {row.route}", size=theme.SMALL),
                    on_click=bind(self.shell.open_account, row.account_id),
                    min_height=theme.TOUCH,
                )
            )
        return [ft.ListView(items, expand=True, spacing=4)]
