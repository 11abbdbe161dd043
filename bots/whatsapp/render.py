"""``Outgoing`` as WhatsApp sends it: text, reply buttons (at most 3), lists, a URL button.

Up to three options become reply buttons when their titles, cut to WhatsApp's 20 characters,
stay distinct; otherwise they become a list (rows of 24-character titles with the full label
as the description, at most 10 rows a message: more options continue in another list). A link
alone becomes a URL button; beside options it is put in the text (WhatsApp cannot mix them).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from pywa_async import types

from bots.core.messages import Button, Outgoing

MAX_REPLY_BUTTONS = 3
MAX_ROWS = 10
BUTTON_TITLE = 20  # reply button titles, the list's button, URL button labels
ROW_TITLE = 24  # list row and section titles
ROW_DESCRIPTION = 72
MAX_BUTTON_ID = 256
MAX_ROW_ID = 200
LIST_FALLBACK = "☰"  # the list's button when the message has no list title

WaButtons = list[types.Button] | types.SectionList | types.URLButton


@dataclass(frozen=True, slots=True)
class WaMessage:
    """One ``send_message`` call: the arguments pywa takes."""

    text: str
    buttons: WaButtons | None = None
    preview_url: bool = False


def fit(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters; a cut one ends with "…" and never with half of a
    character sequence (a combining mark, a joiner or a variation selector left dangling)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    while cut and (unicodedata.combining(cut[-1]) or cut[-1] in "\u200d\ufe0e\ufe0f"):
        cut = cut[:-1]
    return f"{cut.rstrip()}…"


def link_label(url: str) -> str:
    """A URL button's label: the host it opens, so the person sees where a payment link goes."""
    return fit(f"🔗 {urlsplit(url).netloc or url}", BUTTON_TITLE)


def render(outgoing: Outgoing) -> list[WaMessage]:
    """The messages that show ``outgoing``. Raises ``ValueError`` for an id WhatsApp refuses."""
    if not outgoing.buttons:
        if outgoing.url:
            url_button = types.URLButton(title=link_label(outgoing.url), url=outgoing.url)
            return [WaMessage(outgoing.text, url_button)]
        return [WaMessage(outgoing.text)]
    text, preview = outgoing.text, False
    if outgoing.url and outgoing.url not in text:
        text, preview = f"{text}\n{outgoing.url}", True
    titles = [fit(button.label, BUTTON_TITLE) for button in outgoing.buttons]
    if len(outgoing.buttons) <= MAX_REPLY_BUTTONS and len(set(titles)) == len(titles):
        return [WaMessage(text, _reply_buttons(outgoing.buttons, titles), preview)]
    title = outgoing.list_title or LIST_FALLBACK
    chunks = [outgoing.buttons[i : i + MAX_ROWS] for i in range(0, len(outgoing.buttons), MAX_ROWS)]
    return [
        WaMessage(text if n == 0 else fit(title, 1024), _section_list(title, chunk), preview)
        for n, chunk in enumerate(chunks)
    ]


def _reply_buttons(buttons: tuple[Button, ...], titles: list[str]) -> list[types.Button]:
    for button in buttons:
        _check_id(button.id, MAX_BUTTON_ID)
    return [
        types.Button(title=title, callback_data=button.id)
        for button, title in zip(buttons, titles, strict=True)
    ]


def _section_list(title: str, buttons: tuple[Button, ...]) -> types.SectionList:
    rows = []
    for button in buttons:
        _check_id(button.id, MAX_ROW_ID)
        row_title = fit(button.label, ROW_TITLE)
        description = fit(button.label, ROW_DESCRIPTION) if row_title != button.label else None
        rows.append(types.SectionRow(row_title, button.id, description))
    return types.SectionList(
        button_title=fit(title, BUTTON_TITLE),
        sections=[types.Section(title=fit(title, ROW_TITLE), rows=rows)],
    )


def _check_id(button_id: str, limit: int) -> None:
    if not button_id or len(button_id) > limit:
        raise ValueError(f"WhatsApp button ids have 1-{limit} characters: {button_id!r}")
