"""Sending on WhatsApp: free-form only inside the customer service window, templates always.

Replies to a person's message go through :meth:`WhatsAppSender.send_reply` (the window was just
opened by that message). Anything sent later (reminders) checks the window: outside it
``send_reply`` raises :class:`OutsideServiceWindow` before any call to the Cloud API, and
:meth:`WhatsAppSender.send_template` (an approved template) is the only way to reach the person.
"""

from __future__ import annotations

from collections.abc import Sequence

from pywa_async import WhatsApp
from pywa_async.types.templates import TemplateLanguage

from bots.core.messages import Reply
from bots.whatsapp.render import render
from bots.whatsapp.window import ServiceWindow


class OutsideServiceWindow(Exception):
    """The person last wrote more than 24 hours ago (or never): only templates may be sent."""


class WhatsAppSender:
    def __init__(self, wa: WhatsApp, window: ServiceWindow) -> None:
        self._wa = wa
        self.window = window

    async def send_reply(self, to: str, reply: Reply) -> list[str]:
        """Send a reply's messages in order; returns their WhatsApp message ids (wamid).

        Nothing is sent for a replayed message, nor outside the window (that raises)."""
        if reply.duplicate or not reply.messages:
            return []
        if not self.window.is_open(to):
            raise OutsideServiceWindow(to)
        rendered = [message for outgoing in reply.messages for message in render(outgoing)]
        sent = []
        for message in rendered:
            result = await self._wa.send_message(
                to=to, text=message.text, buttons=message.buttons, preview_url=message.preview_url
            )
            sent.append(result.id)
        return sent

    async def send_template(
        self, to: str, name: str, language: str, body_params: Sequence[str] = ()
    ) -> str:
        """Send the approved template ``name`` in ``language`` (``es``, ``es_MX``, ``en_US``...)
        with positional body parameters; allowed at any time. Returns the wamid."""
        components = (
            [{"type": "body", "parameters": [{"type": "text", "text": p} for p in body_params]}]
            if body_params
            else None
        )
        result = await self._wa.send_template(
            to=to, name=name, language=TemplateLanguage(language), params=components
        )
        return result.id
