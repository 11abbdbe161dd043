"""SMS through Twilio's own library: ``client.messages.create`` with a status callback.

Twilio's helper library talks to ``https://api.twilio.com`` (or a regional host); its
``http_client`` argument is the supported extension point, so :class:`BaseUrlHttpClient`
(a ``TwilioHttpClient``) sends each request to the configured root instead, path unchanged.

Twilio's Messages API has no idempotency key (its idempotency token exists only on the
webhooks it sends). The attempt's key rides in the status callback URL, so every status
callback names the attempt even when the send's answer was lost.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from requests import RequestException
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from backend.outbound.channels.base import OutboundMessage, SendResult, failed, sent
from shared.schemas.enums import Channel

# Where the API serves Twilio's status callbacks (below COBRO_PUBLIC_URL), beside Stripe's
# /api/v1/payments/webhooks/stripe.
STATUS_CALLBACK_PATH = "/api/v1/outbound/webhooks/twilio"


def status_callback_url(public_url: str, key: str) -> str:
    return f"{public_url.rstrip('/')}{STATUS_CALLBACK_PATH}?{urlencode({'key': key})}"


class BaseUrlHttpClient(TwilioHttpClient):
    """Twilio's HTTP client, sending to ``base_url`` (scheme, host, port, path prefix)."""

    def __init__(self, base_url: str, *, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._base = urlsplit(base_url.rstrip("/"))

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        parts = urlsplit(url)
        url = urlunsplit(
            (self._base.scheme, self._base.netloc, self._base.path + parts.path, parts.query, "")
        )
        return super().request(method, url, *args, **kwargs)


def _error_result(error: TwilioRestException) -> SendResult:
    retryable = error.status == 429 or error.status >= 500
    return failed(f"twilio {error.code or error.status}: {error.msg}", retryable=retryable)


class TwilioSender:
    channel = Channel.sms

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        base_url: str,
        public_url: str,
        from_: str = "",
        messaging_service_sid: str = "",
        timeout: float = 15.0,
    ) -> None:
        if not (from_ or messaging_service_sid):
            raise ValueError("Twilio needs a sender number or a messaging service")
        self._credentials = (account_sid, auth_token)
        self._base_url = base_url
        self._public_url = public_url
        self._timeout = timeout
        # A messaging service picks the number itself; it wins when both are set.
        self._sender = (
            {"messaging_service_sid": messaging_service_sid}
            if messaging_service_sid
            else {"from_": from_}
        )
        self._local = threading.local()  # requests' Session is not shared between threads
        self._http: list[BaseUrlHttpClient] = []
        self._lock = threading.Lock()

    def _client(self) -> Client:
        client: Client | None = getattr(self._local, "client", None)
        if client is None:
            http = BaseUrlHttpClient(self._base_url, timeout=self._timeout)
            client = Client(*self._credentials, http_client=http)
            self._local.client = client
            with self._lock:
                self._http.append(http)
        return client

    def send(self, message: OutboundMessage) -> SendResult:
        try:
            created = self._client().messages.create(
                to=message.to,
                body=message.text,
                status_callback=status_callback_url(self._public_url, message.key),
                **self._sender,
            )
        except TwilioRestException as error:
            return _error_result(error)
        except RequestException as error:  # timeouts, refused or dropped connections
            return failed(f"twilio: {type(error).__name__}: {error}", retryable=True)
        return sent(str(created.sid))

    def close(self) -> None:
        with self._lock:
            clients, self._http = self._http, []
        for http in clients:
            if http.session is not None:
                http.session.close()
