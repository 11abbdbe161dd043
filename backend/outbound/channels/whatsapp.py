"""WhatsApp through the Cloud API with pywa: approved templates outside the 24-hour window,
free text (a session message) inside it. Which one is the caller's choice: it knows the
debtor's last inbound time; a message with a ``template`` is sent as that template.

pywa sets its httpx session's base URL to Meta's Graph API (``/v<version>`` included) and has
no setting for the host; the session is ours, so after pywa set it we keep pywa's version path
and put our host in front (httpx's public ``Client.base_url``).

The Cloud API has no idempotency key: the attempt's key goes out as ``biz_opaque_callback_data``
(pywa's ``tracker``), which Meta echoes in every status webhook of that message.
"""

from __future__ import annotations

import httpx
from pywa import WhatsApp
from pywa.errors import (
    MessageUndeliverable,
    ServiceUnavailable,
    ThrottlingError,
    UnknownError,
    WhatsAppError,
)
from pywa.types.templates import TemplateLanguage

from backend.outbound.channels.base import (
    OutboundMessage,
    SendResult,
    WhatsAppTemplate,
    failed,
    sent,
)
from shared.schemas.enums import Channel

_LANGUAGES = frozenset(language.value for language in TemplateLanguage)
# Meta's "try again later" errors besides throttling: unknown (131000), service down (131016).
_TRANSIENT = (ThrottlingError, UnknownError, ServiceUnavailable)


def _components(template: WhatsAppTemplate) -> list[dict[str, object]] | None:
    if not template.parameters:
        return None
    parameters = [{"type": "text", "text": value} for value in template.parameters]
    return [{"type": "body", "parameters": parameters}]


def _error_result(error: WhatsAppError) -> SendResult:
    status = error.status_code or 0
    retryable = isinstance(error, _TRANSIENT) or bool(error.is_transient) or status >= 500
    return failed(
        f"whatsapp {error.code}: {error.message}",
        retryable=retryable,
        unreachable=isinstance(error, MessageUndeliverable),  # 131026
    )


class WhatsAppSender:
    channel = Channel.whatsapp

    def __init__(
        self,
        *,
        token: str,
        phone_number_id: str,
        base_url: str,
        api_version: str = "",
        timeout: float = 15.0,
    ) -> None:
        self._session = httpx.Client(timeout=timeout)
        options = {"api_version": api_version} if api_version else {}
        self._wa = WhatsApp(phone_id=phone_number_id, token=token, session=self._session, **options)
        self._session.base_url = f"{base_url.rstrip('/')}{self._session.base_url.path}"

    def send(self, message: OutboundMessage) -> SendResult:
        template = message.template
        if template is not None and template.language not in _LANGUAGES:
            return failed(f"unknown template language {template.language!r}", retryable=False)
        try:
            if template is None:
                result = self._wa.send_message(
                    to=message.to, text=message.text, tracker=message.key
                )
            else:
                result = self._wa.send_template(
                    to=message.to,
                    name=template.name,
                    language=TemplateLanguage(template.language),
                    params=_components(template),
                    tracker=message.key,
                )
        except WhatsAppError as error:
            return _error_result(error)
        except httpx.TransportError as error:  # timeouts, refused or dropped connections
            return failed(f"whatsapp: {type(error).__name__}: {error}", retryable=True)
        return sent(result.id)

    def close(self) -> None:
        self._session.close()
