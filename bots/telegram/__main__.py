"""Telegram from the command line.

``python -m bots.telegram polling``: development without a public URL: long polling, the core
reaching the API at ``COBRO_API_URL`` with ``COBRO_BOT_TOKEN`` (PTB removes the webhook first).
``python -m bots.telegram set-webhook``: tell Telegram to post updates to
``COBRO_PUBLIC_URL/webhooks/telegram`` with ``TELEGRAM_WEBHOOK_SECRET``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import httpx
from telegram.ext import Application

from bots.app import ConversationFactory, LazyConversation, core_conversation
from bots.config import BotSettings, get_bot_settings
from bots.telegram.channel import ALLOWED_UPDATES, TelegramChannel, build_application

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def polling_application(
    settings: BotSettings,
    factory: ConversationFactory,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AnyApplication:
    """An Application with an updater; the conversation is entered on the first update and
    left when the application shuts down."""
    conversation = LazyConversation(factory)

    async def stopped(_: AnyApplication) -> None:
        await conversation.aclose()

    application = build_application(settings, webhook=False, transport=transport)
    application.post_shutdown = stopped
    TelegramChannel(application, conversation)
    return application


def polling(settings: BotSettings) -> None:
    if not settings.telegram_bot_token or not settings.bot_token:
        sys.exit("Set TELEGRAM_BOT_TOKEN and COBRO_BOT_TOKEN (cobro bot-token) first.")
    factory = core_conversation(settings.api_url, lambda: settings.bot_token)
    polling_application(settings, factory).run_polling(allowed_updates=list(ALLOWED_UPDATES))


async def set_webhook(
    settings: BotSettings, *, transport: httpx.AsyncBaseTransport | None = None
) -> str:
    """Point the bot at ``COBRO_PUBLIC_URL/webhooks/telegram``; returns that URL."""
    if not settings.telegram_configured:
        sys.exit("Set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET first.")
    url = f"{settings.public_url}/webhooks/telegram"
    async with build_application(settings, transport=transport).bot as bot:
        await bot.set_webhook(
            url,
            secret_token=settings.telegram_webhook_secret,
            allowed_updates=list(ALLOWED_UPDATES),
        )
    return url


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bots.telegram", description=__doc__)
    parser.add_argument("command", choices=["polling", "set-webhook"])
    args = parser.parse_args(argv)
    settings = get_bot_settings()
    if args.command == "polling":
        polling(settings)
    else:
        print(f"Webhook set: {asyncio.run(set_webhook(settings))}")


if __name__ == "__main__":
    main()
