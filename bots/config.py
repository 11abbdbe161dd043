"""Channel settings from the environment (the names Telegram's and Meta's docs use).

A channel is *configured* when every variable its webhook needs is set; the webhook of a channel
that is not configured answers 404 (``channel_not_configured``). A half-configured channel is
logged as a warning, never served: an update is only accepted when its secret can be checked.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

logger = logging.getLogger(__name__)

TELEGRAM_API = "https://api.telegram.org"
GRAPH_API = "https://graph.facebook.com"
# Telegram accepts 1-256 characters of A-Z, a-z, 0-9, "_" and "-" as a webhook secret token.
_TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class BotSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    # Where bots running in their own process (Telegram polling, the Rasa action server) reach
    # the API, and their token (``cobro bot-token``); the webhooks served by the backend itself
    # use the API in-process.
    api_url: str = Field(default="http://127.0.0.1:8000", validation_alias="COBRO_API_URL")
    bot_token: str = Field(default="", validation_alias="COBRO_BOT_TOKEN")
    # The backend's public address: Telegram is told to post updates to <it>/webhooks/telegram.
    public_url: str = Field(default="http://127.0.0.1:8000", validation_alias="COBRO_PUBLIC_URL")
    # The scrape token of ``cobro bots``'s /metrics (the same variable as the backend's).
    metrics_token: str = Field(default="", validation_alias="COBRO_METRICS_TOKEN")
    # Signs the self-service portal's sessions when ``cobro bots`` serves it (``/portal``; the
    # backend's own process uses its secret key). Unset: ``cobro bots`` serves no portal.
    portal_secret: str = Field(default="", validation_alias="COBRO_PORTAL_SECRET")

    telegram_bot_token: str = Field(default="", validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_secret: str = Field(default="", validation_alias="TELEGRAM_WEBHOOK_SECRET")
    # The Bot API server root: Telegram's, a self-hosted telegram-bot-api, or a test server.
    telegram_api_base_url: str = Field(
        default=TELEGRAM_API, validation_alias="TELEGRAM_API_BASE_URL"
    )
    whatsapp_token: str = Field(default="", validation_alias="WHATSAPP_TOKEN")
    whatsapp_phone_number_id: str = Field(default="", validation_alias="WHATSAPP_PHONE_NUMBER_ID")
    whatsapp_app_secret: str = Field(default="", validation_alias="WHATSAPP_APP_SECRET")
    whatsapp_verify_token: str = Field(default="", validation_alias="WHATSAPP_VERIFY_TOKEN")
    # The Graph API root (a proxy or a test server may stand in); the version path is pywa's.
    whatsapp_api_base_url: str = Field(default=GRAPH_API, validation_alias="WHATSAPP_API_BASE_URL")

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: str) -> str:
        if value and not _TELEGRAM_SECRET.match(value):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET: 1-256 characters of A-Z a-z 0-9 _ -")
        return value

    @field_validator("telegram_api_base_url", "whatsapp_api_base_url", "api_url", "public_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("an API base URL starts with http:// or https://")
        return value.rstrip("/")

    @field_validator("portal_secret")
    @classmethod
    def _portal_secret(cls, value: str) -> str:
        if value and len(value) < 32:
            raise ValueError("COBRO_PORTAL_SECRET: at least 32 characters")
        return value

    @property
    def telegram_configured(self) -> bool:
        """Webhook mode needs the token and the secret Telegram echoes on every update."""
        return bool(self.telegram_bot_token and self.telegram_webhook_secret)

    @property
    def whatsapp_configured(self) -> bool:
        return all(
            (
                self.whatsapp_token,
                self.whatsapp_phone_number_id,
                self.whatsapp_app_secret,
                self.whatsapp_verify_token,
            )
        )

    def warn_incomplete(self) -> None:
        """Log channels that have some of their variables but not all (so they stay off)."""
        if self.telegram_bot_token and not self.telegram_webhook_secret:
            logger.warning("Telegram webhook off: TELEGRAM_WEBHOOK_SECRET is not set")
        whatsapp = (
            self.whatsapp_token,
            self.whatsapp_phone_number_id,
            self.whatsapp_app_secret,
            self.whatsapp_verify_token,
        )
        if any(whatsapp) and not all(whatsapp):
            logger.warning(
                "WhatsApp webhook off: set WHATSAPP_TOKEN, WHATSAPP_PHONE_NUMBER_ID, "
                "WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN"
            )


@lru_cache
def get_bot_settings() -> BotSettings:
    return BotSettings()
