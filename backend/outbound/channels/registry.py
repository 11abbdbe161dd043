"""The senders and rate limits of the channels configured in the settings.

With no channel configured (the `make run` default) there are no senders: messages go to the
development outbox instead. Each adapter's library is imported only when its channel is
configured (pywa and python-telegram-bot come with the ``bots`` extra).
"""

from __future__ import annotations

from redis import Redis

from backend.core.config import Settings
from backend.outbound.channels.base import Sender
from backend.outbound.channels.ratelimit import LocalLimiter, Rate, RateLimiter, RedisLimiter
from shared.schemas.enums import Channel


def configured_senders(settings: Settings) -> dict[Channel, Sender]:
    senders: dict[Channel, Sender] = {}
    timeout = settings.channel_timeout_seconds
    if settings.whatsapp_configured:
        from backend.outbound.channels.whatsapp import WhatsAppSender

        senders[Channel.whatsapp] = WhatsAppSender(
            token=settings.whatsapp_token,
            phone_number_id=settings.whatsapp_phone_number_id,
            base_url=settings.whatsapp_api_base_url,
            api_version=settings.whatsapp_api_version,
            timeout=timeout,
        )
    if settings.telegram_configured:
        from backend.outbound.channels.telegram import TelegramSender

        senders[Channel.telegram] = TelegramSender(
            token=settings.telegram_bot_token,
            base_url=settings.telegram_api_base_url,
            timeout=timeout,
        )
    if settings.twilio_configured:
        from backend.outbound.channels.sms import TwilioSender

        senders[Channel.sms] = TwilioSender(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            base_url=settings.twilio_api_base_url,
            public_url=settings.public_url,
            from_=settings.twilio_from,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            timeout=timeout,
        )
    if settings.smtp_configured:
        from backend.outbound.channels.smtp import SmtpSender

        senders[Channel.email] = SmtpSender(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            timeout=timeout,
        )
    return senders


def rates(settings: Settings) -> dict[Channel, Rate]:
    """Each configured channel's limit, scoped to its sender (secrets stay out of the keys)."""
    found: dict[Channel, Rate] = {}
    if settings.whatsapp_configured:
        scope = f"whatsapp:{settings.whatsapp_phone_number_id}"
        found[Channel.whatsapp] = Rate(scope, settings.whatsapp_rate)
    if settings.telegram_configured:  # a bot token is "<bot id>:<secret>"
        scope = f"telegram:{settings.telegram_bot_token.partition(':')[0]}"
        found[Channel.telegram] = Rate(scope, settings.telegram_rate)
    if settings.twilio_configured:
        sender = settings.twilio_messaging_service_sid or settings.twilio_from
        found[Channel.sms] = Rate(
            f"twilio:{settings.twilio_account_sid}:{sender}", settings.twilio_rate
        )
    if settings.smtp_configured:
        scope = f"smtp:{settings.smtp_host}:{settings.smtp_port}"
        found[Channel.email] = Rate(scope, settings.smtp_rate)
    return found


def build_limiter(settings: Settings) -> RateLimiter:
    """Shared through Redis when COBRO_REDIS_URL is set, else this process's own."""
    if settings.redis_url:
        return RedisLimiter(Redis.from_url(settings.redis_url), rates(settings))
    return LocalLimiter(rates(settings))
