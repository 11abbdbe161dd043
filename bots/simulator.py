"""``cobro chat``: talk to the debtor bot from a terminal, against a running backend.

It is one more channel (``simulator``) of the same :class:`ConversationCore`, over HTTP with a
bot token. Buttons are numbered: type the number to press one. Payment links are printed (with
the built-in provider, open one and press the sandbox button, then ask the bot for your plan).
``--phone`` only names the chat: the bot still verifies who you are, since a phone number is
not proof. ``/salir`` or ``/quit`` (or end of input) ends the chat.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from typing import TextIO

import httpx

from bots.core.engine import ConversationCore
from bots.core.messages import Button, Incoming, Reply

QUIT = {"/salir", "/quit", "/exit", "/q"}


def render(reply: Reply) -> tuple[str, list[Button]]:
    """The reply as terminal text, and its buttons in the order they are numbered."""
    lines: list[str] = []
    buttons: list[Button] = []
    for message in reply.messages:
        lines += [
            f"bot> {line}" if i == 0 else f"     {line}"
            for i, line in enumerate(message.text.splitlines())
        ]
        if message.list_title:
            lines.append(f"     ({message.list_title})")
        for button in message.buttons:
            buttons.append(button)
            lines.append(f"     [{len(buttons)}] {button.label}")
        if message.url and message.url not in message.text:
            lines.append(f"     -> {message.url}")
    return "\n".join(lines), buttons


async def run(
    base_url: str,
    token: str,
    *,
    user_id: str | None = None,
    deep_link: str | None = None,
    language: str | None = None,
    stdin: TextIO,
    stdout: TextIO,
    transport: httpx.AsyncBaseTransport | None = None,
) -> None:
    """Chat until ``/salir`` or the end of ``stdin`` (``transport``: an in-process app)."""
    chat_id = user_id or f"sim-{secrets.token_hex(4)}"
    session = secrets.token_hex(4)  # message ids stay unique across runs of one chat
    numbers = itertools.count(1)
    core = ConversationCore.connect(base_url, token=token, transport=transport)
    buttons: list[Button] = []

    async def send(text: str = "", choice: str | None = None, link: str | None = None) -> None:
        nonlocal buttons
        incoming = Incoming(
            channel="simulator",
            user_id=chat_id,
            message_id=f"{session}-{next(numbers)}",
            text=text,
            choice=choice,
            deep_link=link,
            language_hint=language,
        )
        shown, buttons = render(await core.handle(incoming))
        stdout.write(shown + "\n")
        stdout.flush()

    try:
        await send("hola" if language != "en" else "hi", link=deep_link)
        while True:
            stdout.write("> ")
            stdout.flush()
            line = await asyncio.to_thread(stdin.readline)
            typed = line.strip()
            if not line or typed.lower() in QUIT:
                break
            if typed.isdigit() and 1 <= int(typed) <= len(buttons):
                await send(choice=buttons[int(typed) - 1].id)
            elif typed:
                await send(typed)
    finally:
        await core.aclose()
