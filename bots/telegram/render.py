"""``Outgoing`` as Telegram sends it: the text with an inline keyboard, one button per row."""

from __future__ import annotations

from urllib.parse import urlsplit

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bots.core.messages import Outgoing

# Telegram refuses callback_data longer than 64 bytes.
MAX_CALLBACK_BYTES = 64


def link_label(url: str) -> str:
    """A URL button's label: the host it opens, so the person sees where a payment link goes."""
    return f"🔗 {urlsplit(url).netloc or url}"


def keyboard(outgoing: Outgoing) -> InlineKeyboardMarkup | None:
    """The inline keyboard of a message: its link first, then its options; ``None`` without
    either. Raises ``ValueError`` for a button id Telegram refuses (before anything is sent)."""
    rows: list[list[InlineKeyboardButton]] = []
    if outgoing.url:
        rows.append([InlineKeyboardButton(link_label(outgoing.url), url=outgoing.url)])
    for button in outgoing.buttons:
        if len(button.id.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"button id longer than {MAX_CALLBACK_BYTES} bytes: {button.id!r}")
        rows.append([InlineKeyboardButton(button.label, callback_data=button.id)])
    return InlineKeyboardMarkup(rows) if rows else None
