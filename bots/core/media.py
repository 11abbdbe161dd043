"""Photos, documents, voice notes, stickers and locations: never silence.

* A photo or a document is a payment voucher: downloaded from the platform and kept on the
  account (the chosen one, else the debtor's oldest open one) with a task for an agent to check
  it against the money received; the debtor is told it will be reviewed today. A redelivered
  message stores nothing twice (the backend keys it by the message). An unverified chat is
  asked to verify first, then to send it again. Anything the backend refuses (a type or a size
  it does not keep) is said in words.
* Voice notes, audio, video, stickers, locations and contacts get a short polite answer of what
  the bot can do (it reads text and buttons), with the options at hand.
"""

from __future__ import annotations

import uuid

from bots.core import identity
from bots.core.messages import Media
from bots.core.turn import Turn
from shared.client.errors import ApiError

# What the backend keeps (``backend.uploads.evidence.MAX_BYTES``): refused before downloading.
MAX_BYTES = 5 * 1024 * 1024
DEFAULT_NAMES = {"image": "voucher.jpg", "document": "voucher.pdf"}


async def on_media(turn: Turn, media: Media) -> None:
    if not media.is_voucher:
        _unsupported(turn)
        return
    if not turn.verified:
        turn.say(turn.t("bot.voucher.verify_first"))
        identity.ask_id(turn, {"action": "voucher_again"})
        return
    if media.size is not None and media.size > MAX_BYTES:
        _refused(turn, "bot.voucher.too_large")
        return
    assert media.fetch is not None  # a voucher has one
    content = await media.fetch()
    chosen = turn.data.get("account_id")
    try:
        await turn.chat.evidence(
            message_id=turn.incoming.message_id,
            content=content,
            filename=media.filename or DEFAULT_NAMES.get(media.kind, "voucher"),
            content_type=media.mime_type or "application/octet-stream",
            account_id=uuid.UUID(chosen) if chosen else None,
            caption=turn.text or None,
        )
    except ApiError as exc:
        key = {
            "voucher_type": "bot.voucher.bad_type",
            "payload_too_large": "bot.voucher.too_large",
        }.get(exc.code, "bot.voucher.failed")
        _refused(turn, key)
        return
    turn.step = "menu"
    turn.say(turn.t("bot.voucher.received"), turn.overview_buttons())


def resend(turn: Turn) -> None:
    """After verifying for a voucher sent before: its photo is asked for again."""
    turn.step = "menu"
    turn.say(turn.t("bot.voucher.send_again"))


def _refused(turn: Turn, key: str) -> None:
    turn.step = "menu"
    turn.say(turn.t(key), turn.overview_buttons())


def _unsupported(turn: Turn) -> None:
    text = turn.t("bot.media.unsupported")
    if turn.verified:
        turn.menu(text)
    elif identity.locked(turn):
        identity.say_locked(turn)
    else:
        turn.say(text)
        if turn.step not in ("ask_id", "ask_factor", "language"):
            identity.ask_id(turn)
