"""E-mail over SMTP with the standard library (``smtplib``, ``email.message.EmailMessage``).

Every message has a text part (and an HTML alternative when given), a Message-ID derived from
the attempt's key (a retry of the same attempt carries the same Message-ID, so receivers that
deduplicate on it show one message), and, with an unsubscribe URL, ``List-Unsubscribe`` plus
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058, which requires an https URL;
the one-click promise also needs the message DKIM-signed, which is the relay's job).

One connection per message: STARTTLS when configured (before any credentials are sent), then
AUTH when a username is set. SMTP has no idempotency: a message the server accepted whose
answer was lost is sent again on retry, with the same Message-ID.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from backend.outbound.channels.base import OutboundMessage, SendResult, failed, sent
from shared.schemas.enums import Channel


def message_id(key: str, sender: str) -> str:
    """``<cobro.<sha256(key)[:40]>@<sender's domain>>``: stable for a key, safe for any key."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "cobro.invalid"
    return f"<cobro.{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def build_email(message: OutboundMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = Address(addr_spec=message.to)
    email["Subject"] = message.subject or ""
    email["Date"] = formatdate(localtime=False, usegmt=True)
    email["Message-ID"] = message_id(message.key, sender)
    if message.unsubscribe_url:
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        if message.unsubscribe_url.startswith("https://"):
            email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.text)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    return email


def _smtp_error(error: smtplib.SMTPException) -> SendResult:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()))
        return failed(f"smtp {code}: {reply.decode(errors='replace')}", retryable=code < 500)
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        reply = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        return failed(f"smtp {error.smtp_code}: {reply}", retryable=error.smtp_code < 500)
    if isinstance(error, smtplib.SMTPNotSupportedError):  # no STARTTLS or AUTH: configuration
        return failed(f"smtp: {error}", retryable=False)
    # Disconnected mid-conversation, or no answer we could read: try again later.
    return failed(f"smtp: {type(error).__name__}: {error}", retryable=True)


class SmtpSender:
    channel = Channel.email

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str = "",
        password: str = "",
        starttls: bool = True,
        timeout: float = 15.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self._host, self._port, self._sender = host, port, sender
        self._username, self._password = username, password
        self._starttls = starttls
        self._timeout = timeout
        self._tls_context = tls_context

    def send(self, message: OutboundMessage) -> SendResult:
        if not message.subject:
            return failed("an e-mail needs a subject", retryable=False)
        try:
            email = build_email(message, self._sender)
        except ValueError as error:  # an address the headers cannot hold
            return failed(f"email: {error}", retryable=False)
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls(context=self._tls_context or ssl.create_default_context())
                if self._username:
                    smtp.login(self._username, self._password)
                smtp.send_message(email)
        except smtplib.SMTPException as error:
            return _smtp_error(error)
        except OSError as error:  # refused, unreachable, timed out, TLS failures
            return failed(f"smtp: {type(error).__name__}: {error}", retryable=True)
        return sent(email["Message-ID"])

    def close(self) -> None:
        """Nothing is held between messages."""
