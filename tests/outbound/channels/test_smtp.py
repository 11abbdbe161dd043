"""E-mail over smtplib against a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest

from backend.outbound.channels.base import OutboundMessage
from backend.outbound.channels.smtp import SmtpSender, message_id
from shared.schemas.enums import Channel
from tests.live import free_port
from tests.outbound.standins import SMTP_PASSWORD, SMTP_USER, SmtpStandIn, serve_smtp

FROM = "Agencia Cobro <cobranzas@agencia.pe>"
TO = "ana.lopez@example.com"


@pytest.fixture
def smtp() -> Iterator[SmtpStandIn]:
    with serve_smtp() as server:
        yield server


def plain_sender(server: SmtpStandIn) -> SmtpSender:
    return SmtpSender(host=server.host, port=server.port, sender=FROM, starttls=False)


def message(
    key: str = "attempt-1",
    *,
    subject: str | None = "Tu cuota vence mañana",
    html: str | None = None,
    unsubscribe_url: str | None = "https://cobro.example.com/u/tok",
    to: str = TO,
) -> OutboundMessage:
    return OutboundMessage(
        key=key,
        channel=Channel.email,
        to=to,
        text="Hola Ana, tu cuota de S/\xa0150.00 vence mañana.",
        subject=subject,
        html=html,
        unsubscribe_url=unsubscribe_url,
    )


def test_the_message_arrives_with_its_headers(smtp: SmtpStandIn) -> None:
    result = plain_sender(smtp).send(message())

    assert result.status == "sent"
    [mail] = smtp.handler.mails
    assert (mail.mail_from, mail.rcpt_tos) == ("cobranzas@agencia.pe", [TO])
    email = mail.message
    assert email["From"] == FROM
    assert email["To"] == TO
    assert email["Subject"] == "Tu cuota vence mañana"
    assert email["Message-ID"] == result.provider_ref == message_id("attempt-1", FROM)
    assert email["List-Unsubscribe"] == "<https://cobro.example.com/u/tok>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert email.get_content_type() == "text/plain"
    assert email.get_content().strip() == "Hola Ana, tu cuota de S/\xa0150.00 vence mañana."


def test_the_message_id_is_the_same_for_a_retry_of_the_same_attempt() -> None:
    first = message_id("attempt-1", FROM)

    assert first == message_id("attempt-1", FROM)
    assert first != message_id("attempt-2", FROM)
    assert first.startswith("<cobro.") and first.endswith("@agencia.pe>")


def test_an_html_part_goes_as_an_alternative(smtp: SmtpStandIn) -> None:
    plain_sender(smtp).send(message(html="<p>Hola <b>Ana</b></p>"))

    email = smtp.handler.mails[0].message
    assert email.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content().strip() for part in email.iter_parts()}
    assert parts == {
        "text/plain": "Hola Ana, tu cuota de S/\xa0150.00 vence mañana.",
        "text/html": "<p>Hola <b>Ana</b></p>",
    }


def test_one_click_is_offered_only_for_an_https_unsubscribe_url(smtp: SmtpStandIn) -> None:
    sender = plain_sender(smtp)
    sender.send(message(unsubscribe_url="http://127.0.0.1:8000/u/tok"))
    sender.send(message(unsubscribe_url=None))

    first, second = (mail.message for mail in smtp.handler.mails)
    assert first["List-Unsubscribe"] == "<http://127.0.0.1:8000/u/tok>"
    assert "List-Unsubscribe-Post" not in first
    assert "List-Unsubscribe" not in second


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ({"subject": None}, "subject"),
        ({"to": "not-an-address"}, "email"),
        ({"to": "ana@example.com\r\nBcc: all@example.com"}, "email"),
        ({"subject": "Hola\r\nBcc: all@example.com"}, "email"),
    ],
)
def test_a_message_that_cannot_be_written_fails_before_connecting(
    bad: dict[str, str | None], error: str
) -> None:
    sender = SmtpSender(host="127.0.0.1", port=free_port(), sender=FROM, starttls=False)

    result = sender.send(message(**bad))  # type: ignore[arg-type]

    assert (result.status, result.retryable) == ("failed", False)
    assert error in (result.error or "")


def test_a_refused_recipient_is_final(smtp: SmtpStandIn) -> None:
    smtp.handler.refuse.add(TO)

    result = plain_sender(smtp).send(message())

    assert (result.status, result.retryable) == ("failed", False)
    assert (result.error or "").startswith("smtp 550")
    assert smtp.handler.mails == []


@pytest.mark.parametrize(
    ("kind", "retryable", "code"), [("busy", True, 451), ("rejected", False, 554)]
)
def test_a_refused_message_is_retryable_only_for_a_temporary_reply(
    smtp: SmtpStandIn, kind: str, retryable: bool, code: int
) -> None:
    smtp.handler.fail_next(kind)

    result = plain_sender(smtp).send(message())

    assert (result.status, result.retryable) == ("failed", retryable)
    assert (result.error or "").startswith(f"smtp {code}")


def test_a_refused_connection_is_retryable() -> None:
    sender = SmtpSender(host="127.0.0.1", port=free_port(), sender=FROM, starttls=False)

    result = sender.send(message())

    assert (result.status, result.retryable) == ("failed", True)


def test_starttls_then_login(server_tls: ssl.SSLContext, client_tls: ssl.SSLContext) -> None:
    with serve_smtp(server_tls) as smtp:
        sender = SmtpSender(
            host=smtp.host,
            port=smtp.port,
            sender=FROM,
            username=SMTP_USER,
            password=SMTP_PASSWORD,
            tls_context=client_tls,
        )
        result = sender.send(message())

        assert result.status == "sent"
        [mail] = smtp.handler.mails
        assert (mail.tls, mail.login) == (True, SMTP_USER)


def test_wrong_credentials_are_final(
    server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    with serve_smtp(server_tls) as smtp:
        sender = SmtpSender(
            host=smtp.host,
            port=smtp.port,
            sender=FROM,
            username=SMTP_USER,
            password="wrong",
            tls_context=client_tls,
        )
        result = sender.send(message())

        assert (result.status, result.retryable) == ("failed", False)
        assert (result.error or "").startswith("smtp 535")
        assert smtp.handler.mails == []


def test_a_server_requiring_tls_refuses_a_plain_sender(server_tls: ssl.SSLContext) -> None:
    with serve_smtp(server_tls) as smtp:
        result = plain_sender(smtp).send(message())

        assert (result.status, result.retryable) == ("failed", False)
        assert (result.error or "").startswith("smtp 530")
        assert smtp.handler.mails == []
