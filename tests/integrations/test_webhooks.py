"""Webhooks to creditors' systems: the events of their own accounts only, signed, each
delivered once to a receiver that answers 2xx, retried with growing delays when it does not,
never sent twice by workers running at once, and managed by admins through the API."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.creditors.models import Creditor
from backend.integrations import service, signing
from backend.integrations.models import WebhookDelivery, WebhookEndpoint
from backend.payments import service as payments
from backend.payments.service import IncomingPayment
from shared.schemas.enums import PaymentMethod, Role
from shared.schemas.integrations import WebhookEndpointCreate
from tests import builders as b
from tests.integrations.receiver import Receiver, receiver

SYSTEM = Actor.system()


@pytest.fixture
def inbox() -> Iterator[Receiver]:
    with receiver() as state:
        yield state


def _endpoint(session: Session, creditor: Creditor, url: str, *events: str) -> WebhookEndpoint:
    made = service.create_endpoint(
        session,
        SYSTEM,
        creditor,
        WebhookEndpointCreate(url=url, events=list(events or ["payment.received"])),  # type: ignore[arg-type]
    )
    endpoint = session.get(WebhookEndpoint, made.id)
    assert endpoint is not None
    # Created a moment ago: what the test books next is after it.
    endpoint.created_at = endpoint.collected_until = utcnow() - timedelta(seconds=1)
    session.add(endpoint)
    session.flush()
    return endpoint


def _pay(session: Session, account_id: uuid.UUID, amount: int = 10_000) -> None:
    payments.record_payment(
        session,
        SYSTEM,
        account_id,
        IncomingPayment(
            amount_minor=amount,
            currency="PEN",
            paid_on=utcnow().date(),
            method=PaymentMethod.transfer,
            external_id=f"bank-{uuid.uuid4().hex[:12]}",
        ),
    )


def _deliver(engine: Engine) -> service.DeliveryReport:
    with httpx.Client(timeout=5) as client:
        return service.deliver_due(client, engine=engine)


def _collect(engine: Engine) -> int:
    with session_scope(engine) as session:
        return service.collect(session, utcnow())


def _deliveries(engine: Engine) -> list[WebhookDelivery]:
    with session_scope(engine) as session:
        return list(session.execute(select(WebhookDelivery)).scalars())


def _two_creditors(engine: Engine, url: str, payments_each: int = 1):
    """Creditor A subscribed at ``url``; each creditor's account gets ``payments_each``."""
    with session_scope(engine) as session:
        mine, theirs = b.creditor(session), b.creditor(session)
        accounts = [
            b.account(session, b.portfolio(session, creditor=owner)) for owner in (mine, theirs)
        ]
        endpoint = _endpoint(session, mine, url)
        ids = [a.id for a in accounts]
    for _ in range(payments_each):
        for account_id in ids:
            with session_scope(engine) as session:
                _pay(session, account_id)
    return endpoint, ids


def test_a_creditor_receives_its_own_events_signed_once(
    committed_engine: Engine, inbox: Receiver
) -> None:
    endpoint, (mine, _) = _two_creditors(committed_engine, inbox.url)

    assert _collect(committed_engine) == 1
    assert _collect(committed_engine) == 0  # heard again: nothing new
    report = _deliver(committed_engine)
    assert (report.delivered, report.retried) == (1, 0)
    assert _deliver(committed_engine).delivered == 0

    [request] = inbox.requests
    secret = signing.secret_of(get_settings().secret_key, endpoint.id, 1)
    assert signing.verify(secret, request.headers[signing.HEADER], request.body, int(time.time()))
    assert not signing.verify(
        secret, request.headers[signing.HEADER], request.body + b" ", int(time.time())
    )
    payload = json.loads(request.body)
    assert payload["type"] == "payment.received"
    assert payload["id"] == request.headers["Cobro-Event-Id"]
    assert payload["data"]["account"]["id"] == str(mine)
    assert payload["data"]["object"]["amount_minor"] == 10_000
    assert "Rosa" not in request.body.decode() and "latitude" not in payload["data"]["object"]
    [delivery] = _deliveries(committed_engine)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)


def test_an_endpoint_that_fails_is_retried_later_then_given_up(
    committed_engine: Engine, inbox: Receiver
) -> None:
    _two_creditors(committed_engine, inbox.url)
    _collect(committed_engine)
    inbox.status = 503

    before = utcnow()
    assert _deliver(committed_engine).retried == 1
    [delivery] = _deliveries(committed_engine)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 1, "HTTP 503")
    assert delivery.next_attempt_at >= before + service.BACKOFF[0]
    assert _deliver(committed_engine).retried == 0  # not due yet

    for tries in range(2, len(service.BACKOFF) + 2):
        with session_scope(committed_engine) as session:
            row = session.get(WebhookDelivery, delivery.id)
            assert row is not None
            row.next_attempt_at = utcnow() - timedelta(seconds=1)
            session.add(row)
        _deliver(committed_engine)
        [delivery] = _deliveries(committed_engine)
        assert delivery.attempts == tries
    assert delivery.status == "dead"
    assert len(inbox.requests) == len(service.BACKOFF) + 1
    assert len({r.headers["Cobro-Event-Id"] for r in inbox.requests}) == 1  # one event id

    inbox.status = 204
    with session_scope(committed_engine) as session:
        row = session.get(WebhookDelivery, delivery.id)
        assert row is not None
        service.retry_delivery(session, SYSTEM, row)
    assert _deliver(committed_engine).delivered == 1


def test_an_unreachable_endpoint_is_a_failed_try_not_a_crash(committed_engine: Engine) -> None:
    with receiver() as gone:
        url = gone.url
    _two_creditors(committed_engine, url)  # nobody listens there any more
    _collect(committed_engine)
    assert _deliver(committed_engine).retried == 1
    [delivery] = _deliveries(committed_engine)
    assert delivery.last_status_code is None and delivery.last_error


def test_workers_at_once_deliver_each_event_once(committed_engine: Engine, inbox: Receiver) -> None:
    _two_creditors(committed_engine, inbox.url, payments_each=12)
    collectors = [threading.Thread(target=_collect, args=(committed_engine,)) for _ in range(3)]
    for thread in collectors:
        thread.start()
    for thread in collectors:
        thread.join()
    assert len(_deliveries(committed_engine)) == 12

    def work() -> None:
        with httpx.Client(timeout=5) as client:
            while service.deliver_due(client, limit=3, engine=committed_engine).delivered:
                pass

    workers = [threading.Thread(target=work) for _ in range(4)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    seen = Counter(r.headers["Cobro-Event-Id"] for r in inbox.requests)
    assert len(seen) == 12 and set(seen.values()) == {1}
    assert {d.status for d in _deliveries(committed_engine)} == {"delivered"}


# -- the API ---------------------------------------------------------------------------------


def test_admins_manage_endpoints_and_read_the_delivery_log(session: Session, client) -> None:
    admin = b.user(session, Role.admin)
    supervisor = b.user(session, Role.supervisor)
    creditor = b.creditor(session)
    body = {"url": "https://bank.example/hooks", "events": ["payment.received", "plan.broken"]}
    path = f"/api/v1/creditors/{creditor.id}/webhook-endpoints"

    assert client.post(path, json=body, headers=b.headers(supervisor)).status_code == 403
    made = client.post(path, json=body, headers=b.headers(admin))
    assert made.status_code == 201, made.text
    endpoint = made.json()
    assert endpoint["secret"].startswith("whsec_") and endpoint["events"] == body["events"]
    listed = client.get(path, headers=b.headers(admin)).json()["items"]
    assert [e["id"] for e in listed] == [endpoint["id"]] and "secret" not in listed[0]

    rotated = client.post(
        f"/api/v1/webhook-endpoints/{endpoint['id']}/rotate-secret", headers=b.headers(admin)
    ).json()
    assert rotated["secret_version"] == 2 and rotated["secret"] != endpoint["secret"]
    off = client.patch(
        f"/api/v1/webhook-endpoints/{endpoint['id']}",
        json={"active": False},
        headers=b.headers(admin),
    )
    assert off.json()["active"] is False
    log = client.get(
        f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries", headers=b.headers(admin)
    )
    assert log.status_code == 200 and log.json()["items"] == []
    actions = session.execute(
        select(AuditEvent.action).where(AuditEvent.entity_id == endpoint["id"])
    ).scalars()
    assert sorted(actions) == [
        "webhook_endpoint.created",
        "webhook_endpoint.secret_rotated",
        "webhook_endpoint.updated",
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://bank.example/hooks", "events": ["payment.received"]},
        {"url": "https://user:pw@bank.example/hooks", "events": ["payment.received"]},
        {"url": "https://bank.example/hooks", "events": ["account.deleted"]},
        {"url": "https://bank.example/hooks", "events": []},
    ],
)
def test_bad_endpoints_are_refused_and_nothing_is_written(session: Session, client, body) -> None:
    admin = b.user(session, Role.admin)
    creditor = b.creditor(session)
    answer = client.post(
        f"/api/v1/creditors/{creditor.id}/webhook-endpoints", json=body, headers=b.headers(admin)
    )
    assert answer.status_code == 422
    assert answer.json()["code"] in ("webhook_url_refused", "validation_error")
    assert session.execute(select(func.count()).select_from(WebhookEndpoint)).scalar_one() == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://bank.example/hooks",
        "https://127.0.0.1/hooks",
        "https://10.1.2.3/hooks",
        "https://169.254.169.254/latest",
        "https://[::1]/hooks",
        "https://localhost/hooks",
    ],
)
def test_production_wants_https_to_the_outside(
    monkeypatch: pytest.MonkeyPatch, session: Session, url: str
) -> None:
    monkeypatch.setenv("COBRO_ENV", "production")
    monkeypatch.setenv("COBRO_SECRET_KEY", "s" * 40)
    get_settings.cache_clear()
    try:
        with pytest.raises(service.WebhookUrlRefused):
            service.check_url(url)
        assert service.check_url("https://bank.example/hooks") == "https://bank.example/hooks"
    finally:
        get_settings.cache_clear()
