"""The visit's photo: taken with the phone's camera or picked from its gallery (the browser's
file picker, which offers the camera on a phone), shown as a thumbnail once taken."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import flet as ft

from mobile.viewmodels.visit import VisitViewModel
from mobile.views import theme
from mobile.views.widgets import notice, secondary

if TYPE_CHECKING:
    from mobile.views.shell import Shell

#: Phones re-encode the photo at this JPEG quality (a 12-megapixel photo fits the server's
#: limit); browsers send the file as it is.
QUALITY = 80


class PhotoPicker:
    def __init__(self, shell: Shell, vm: VisitViewModel, read: Callable[[], None]) -> None:
        """``read`` copies what the agent typed into the form's view model before the
        screen is drawn again with the photo."""
        self.shell = shell
        self.vm = vm
        self.read = read

    def controls(self) -> list[ft.Control]:
        t, vm = self.shell.ctx.t, self.vm
        label = t("mobile.visit.photo_retake" if vm.photo else "mobile.visit.photo_take")
        items: list[ft.Control] = [
            ft.Row([secondary(label, self.pick, icon=ft.Icons.PHOTO_CAMERA)])
        ]
        if vm.photo is not None:
            items.append(
                ft.Image(
                    src=vm.photo,
                    height=140,
                    fit=ft.BoxFit.COVER,
                    border_radius=8,
                    semantics_label=t("mobile.visit.photo_attached"),
                )
            )
            items.append(ft.Text(t("mobile.visit.photo_attached"), size=theme.SMALL))
        if (error := vm.errors.get("photo")) is not None:
            items.append(notice(error, "error"))
        return items

    async def pick(self, _: object = None) -> None:
        found = await ft.FilePicker().pick_files(
            dialog_title=self.shell.ctx.t("mobile.visit.photo_take"),
            file_type=ft.FilePickerFileType.IMAGE,
            with_data=True,
            compression_quality=QUALITY,
        )
        self.read()
        self.vm.attach_photo(found[0].bytes if found else None)
        self.shell.render()
