"""E-mail unsubscribe: every reminder e-mail carries a signed link for its debtor and address
(``List-Unsubscribe`` with RFC 8058 one-click, and the footer); opening it asks, one click opts
the debtor out of e-mail through the contact domain, once, audited; no further reminder goes
out by e-mail. Forged, altered and expired links change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from backend.app import create_app
from backend.audit.masking import mask_email
from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.contact.models import ContactAttempt
from backend.core.clock import pinned, utcnow
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.debtors.models import Debtor
from backend.outbound import unsubscribe
from backend.outbound.channels.ratelimit import LocalLimiter
from backend.outbound.channels.smtp import SmtpSender
from backend.outbound.models import MessageTemplate, Strategy
from backend.outbound.planner import plan_portfolio
from backend.outbound.sending import send_due
from shared.schemas.contact import AttemptStatus
from shared.schemas.enums import Channel, Language
from tests import builders as b
from tests.live import serve
from tests.outbound.standins import SmtpStandIn, serve_smtp
from tests.outbound.test_concurrency import at_once

LIMA = ZoneInfo("America/Lima")
DAY = date(2026, 12, 10)  # a Thursday
MORNING = datetime(2026, 12, 10, 10, 0, tzinfo=LIMA)
PUBLIC = "https://cobro.example.com"
ADDRESS = "rosa.quispe@example.com"
ONE_CLICK = {"List-Unsubscribe": "One-Click"}
SYSTEM = Actor.system()
SOURCE = unsubscribe.SOURCE
STEPS = [
    {
        "id": "mora7",
        "trigger": {"kind": "days_past_due", "days": 7},
        "channels": ["email", "sms"],
        "template": "saldo",
    },
    {
        "id": "mora8",
        "trigger": {"kind": "days_past_due", "days": 8},
        "channels": ["email"],
        "template": "saldo",
    },
]


@pytest.fixture
def public_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("COBRO_PUBLIC_URL", PUBLIC)
    get_settings.cache_clear()
    yield PUBLIC
    get_settings.cache_clear()


@pytest.fixture
def smtp() -> Iterator[SmtpStandIn]:
    with serve_smtp() as server:
        yield server


def _seed(session: Session, language: Language = Language.es):
    """A Peruvian portfolio reminding by e-mail (then SMS) at 7 and 8 days past due, and one
    debtor with an address and a phone."""
    portfolio = b.portfolio(session, contact_rules={}, creditor=b.creditor(session, name="Banco"))
    session.add(
        MessageTemplate(
            portfolio_id=portfolio.id,
            name="saldo",
            language=Language.es,
            subject="Su deuda",
            body="Hola {{ first_name }}, debe {{ balance }}.",
        )
    )
    session.add(
        Strategy(portfolio_id=portfolio.id, name="cobranza", version=1, definition={"steps": STEPS})
    )
    debtor = b.debtor(
        session, portfolio, phone="+51987000222", emails=[ADDRESS], preferred_language=language
    )
    b.account(session, portfolio, owner=debtor, due_date=DAY - timedelta(days=7))
    session.flush()
    return portfolio, debtor


def _path(url: str) -> str:
    return urlsplit(url).path


def _link(debtor: Debtor, address: str = ADDRESS, now: datetime | None = None) -> str:
    return _path(unsubscribe.url_for(debtor.id, address, now or utcnow()))


def _opt_out_events(session: Session, debtor: Debtor) -> list[AuditEvent]:
    query = select(AuditEvent).where(
        AuditEvent.entity_id == str(debtor.id), AuditEvent.action == "debtor.updated"
    )
    return list(session.execute(query).scalars())


def _no_personal_data(page: str, debtor: Debtor) -> bool:
    found = (debtor.first_name, debtor.last_name, debtor.id_number, ADDRESS, str(debtor.id))
    return not any(value and value in page for value in found)


def test_the_mail_carries_the_link_and_one_click_stops_the_next_reminder_by_email(
    committed_engine: Engine,
    smtp: SmtpStandIn,
    public_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    with session_scope(committed_engine) as session:
        portfolio, debtor = _seed(session)
        plan_portfolio(session, SYSTEM, portfolio.id, DAY, now=MORNING)
    email = SmtpSender(
        host=smtp.host, port=smtp.port, sender="Cobro <cobranzas@cobro.test>", starttls=False
    )
    with pinned(MORNING):
        assert send_due({Channel.email: email}, LocalLimiter({}), committed_engine).sent == 1

    [mail] = smtp.handler.mails
    header = mail.message["List-Unsubscribe"]
    assert header.startswith(f"<{PUBLIC}/unsubscribe/") and header.endswith(">")
    link = header[1:-1]
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"Para no recibir más correos: {link}" in mail.message.get_content()

    with TestClient(create_app()) as client:  # a mail client: no cookies, no authorization
        answer = client.post(_path(link), data=ONE_CLICK)
    assert answer.status_code == 200, answer.text
    assert "Listo" in answer.text and _no_personal_data(answer.text, debtor)

    with session_scope(committed_engine) as session:
        assert session.get(Debtor, debtor.id).opt_outs == ["email"]
        [event] = _opt_out_events(session, debtor)
        assert (event.actor_kind, event.actor_id) == ("debtor", debtor.id)
        assert event.after == {
            "opt_outs": ["email"],
            "source": SOURCE,
            "email": mask_email(ADDRESS),
        }
    with session_scope(committed_engine) as session:  # the next day's step is e-mail only
        later = plan_portfolio(session, SYSTEM, portfolio.id, DAY + timedelta(days=1))
    assert dict(later.counts) == {("mora8", "email", "refused", "opted_out"): 1}
    with pinned(MORNING + timedelta(days=1)):
        assert send_due({Channel.email: email}, LocalLimiter({}), committed_engine).claimed == 0
    assert len(smtp.handler.mails) == 1


def test_a_reminder_planned_before_the_click_goes_by_its_next_channel(
    committed_engine: Engine, smtp: SmtpStandIn
) -> None:
    with session_scope(committed_engine) as session:
        portfolio, debtor = _seed(session)
        plan_portfolio(session, SYSTEM, portfolio.id, DAY, now=MORNING)
        unsubscribe.unsubscribe(session, unsubscribe.Target(debtor, ADDRESS), "One-Click")
    email = SmtpSender(host=smtp.host, port=smtp.port, sender="c@cobro.test", starttls=False)
    with pinned(MORNING):
        first = send_due({Channel.email: email}, LocalLimiter({}), committed_engine)
        second = send_due({Channel.email: email}, LocalLimiter({}), committed_engine)
    assert (first.cancelled, first.sent, second.outbox) == (1, 0, 1)
    assert smtp.handler.mails == []
    with session_scope(committed_engine) as session:
        found = {
            (a.channel, a.status, a.rule) for a in session.execute(select(ContactAttempt)).scalars()
        }
    assert found == {
        (Channel.email, AttemptStatus.cancelled, "opted_out"),
        (Channel.sms, AttemptStatus.sent, None),
    }


@pytest.mark.parametrize(
    ("language", "query", "expected"),
    [
        (Language.es, "", "Dejar de recibir correos"),
        (Language.en, "", "Stop these e-mails"),
        (Language.es, "?lang=en", "Stop these e-mails"),
    ],
)
def test_opening_the_link_asks_in_the_debtors_language_and_changes_nothing(
    session: Session, client, language: Language, query: str, expected: str
) -> None:
    _, debtor = _seed(session, language)
    answer = client.get(_link(debtor) + query)
    assert answer.status_code == 200, answer.text
    page = answer.text
    assert expected in page and '<form method="post">' in page
    assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in page
    assert _no_personal_data(page, debtor)
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["referrer-policy"] == "no-referrer"
    session.refresh(debtor)
    assert debtor.opt_outs == [] and _opt_out_events(session, debtor) == []


def test_a_second_click_changes_nothing_and_records_nothing(session: Session, client) -> None:
    _, debtor = _seed(session, Language.en)
    link = _link(debtor)
    first = client.post(link, data=ONE_CLICK)
    second = client.post(link, data=ONE_CLICK)
    assert (first.status_code, second.status_code) == (200, 200)
    assert "you will get no more of these e-mails" in second.text
    session.refresh(debtor)
    assert debtor.opt_outs == ["email"] and len(_opt_out_events(session, debtor)) == 1


def test_a_link_to_an_address_no_longer_on_file_still_unsubscribes(
    session: Session, client
) -> None:
    _, debtor = _seed(session)
    link = _link(debtor, "old.address@example.com")
    assert client.post(link, data=ONE_CLICK).status_code == 200
    session.refresh(debtor)
    [event] = _opt_out_events(session, debtor)
    assert debtor.opt_outs == ["email"] and "email" not in event.after


def _forged(debtor: Debtor) -> str:
    token = unsubscribe.sign(debtor.id, ADDRESS, utcnow() + timedelta(days=1), "another-secret")
    return f"/unsubscribe/{token}"


def _altered(debtor: Debtor) -> str:
    token = _link(debtor).rsplit("/", 1)[1]
    flipped = ("B" if token[3] == "A" else "A").join((token[:3], token[4:]))
    return f"/unsubscribe/{flipped}"


def _expired(debtor: Debtor) -> str:
    return _link(debtor, now=utcnow() - timedelta(days=get_settings().unsubscribe_link_days + 1))


@pytest.mark.parametrize(
    ("make", "status", "code"),
    [
        (_forged, 400, "invalid_unsubscribe_link"),
        (_altered, 400, "invalid_unsubscribe_link"),
        (lambda _: "/unsubscribe/not-a-token", 400, "invalid_unsubscribe_link"),
        (_expired, 410, "expired_unsubscribe_link"),
    ],
    ids=["forged", "altered", "malformed", "expired"],
)
def test_a_bad_link_is_refused_and_writes_nothing(
    session: Session, client, make, status: int, code: str
) -> None:
    _, debtor = _seed(session)
    link = make(debtor)
    for answer in (
        client.get(link),
        client.post(link, data=ONE_CLICK),
        client.post(link, data=ONE_CLICK, headers={"Accept-Language": "en"}),
    ):
        assert answer.status_code == status, answer.text
        body = answer.json()
        assert body["code"] == code and body["message"] and _no_personal_data(answer.text, debtor)
    assert "unsubscribe link" in answer.json()["message"]  # the English one
    session.refresh(debtor)
    assert debtor.opt_outs == [] and _opt_out_events(session, debtor) == []


def test_a_post_without_the_one_click_body_writes_nothing(session: Session, client) -> None:
    _, debtor = _seed(session)
    answer = client.post(_link(debtor), data={"List-Unsubscribe": "yes"})
    assert answer.status_code == 400 and answer.json()["code"] == "one_click_required"
    assert client.post(_link(debtor)).status_code == 400
    session.refresh(debtor)
    assert debtor.opt_outs == [] and _opt_out_events(session, debtor) == []


def test_clicks_at_once_opt_out_once(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    with session_scope(committed_engine) as session:
        _, debtor = _seed(session)
        link = _link(debtor)
    events = select(func.count()).select_from(AuditEvent)
    with session_scope(committed_engine) as session:
        before = session.execute(events).scalar_one()
    with serve(create_app()) as url:
        answers = at_once(
            lambda _: httpx.post(f"{url}{link}", data=ONE_CLICK, timeout=30).status_code, 4
        )
    assert answers == [200] * 4
    with session_scope(committed_engine) as session:
        assert session.get(Debtor, debtor.id).opt_outs == ["email"]
        assert len(_opt_out_events(session, debtor)) == 1
        assert session.execute(events).scalar_one() == before + 1
