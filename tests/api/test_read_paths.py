"""The fast read paths answer exactly what the ORM paths did: the SQL aging-bucket filter
against the Python classification (timezones, bucket edges), the column-built AccountRead
against ``to_read``, and the cached principal's bounds."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.accounts import repository, service
from backend.accounts.models import Account
from backend.accounts.visibility import Reach, Visibility
from backend.aging import Clock, days_past_due
from backend.core.clock import today_in
from backend.debtors.models import Debtor
from backend.users import principals
from shared.schemas.enums import AgingBucket, Role, bucket_for
from tests import builders as b

API = "/api/v1"
# UTC+14, UTC-11 and UTC-5: at any moment at least two of them are on different dates.
ZONES = ("Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Lima")
# Every bucket's first and last day, and either side of 'today'.
EDGES = (-3, -1, 0, 1, 30, 31, 60, 61, 90, 91, 180, 181, 900)


def test_sql_bucket_filter_matches_the_python_buckets_across_timezones(session: Session) -> None:
    accounts: list[Account] = []
    for zone in ZONES:
        portfolio = b.portfolio(session, tz=zone)
        today = today_in(zone)
        for days in EDGES:
            accounts.append(b.account(session, portfolio, due_date=today - timedelta(days=days)))
        accounts.append(b.account(session, portfolio, principal=0, days_past_due=400))
    mine = {a.id for a in accounts}
    clock = Clock(session)
    expected: dict[AgingBucket, set[uuid.UUID]] = {bucket: set() for bucket in AgingBucket}
    for account in accounts:
        session.refresh(account)
        dpd = days_past_due(account, clock.today(account.portfolio_id))
        expected[bucket_for(dpd)].add(account.id)
    everyone = Visibility(Reach.everything, uuid.uuid4())
    for bucket in AgingBucket:
        rows = repository.read_page(
            session,
            visible=everyone,
            after=None,
            limit=10_000,
            filters=repository.ListFilters(bucket=service.bucket_filter(clock, bucket)),
        )
        reads = [service.read_from_row(row, today_in(row.portfolio_timezone)) for row in rows]
        assert {read.id for read in reads} & mine == expected[bucket], bucket
        assert all(read.aging_bucket == bucket for read in reads if read.id in mine)


def test_account_reads_answer_what_to_read_did(client: TestClient, session: Session) -> None:
    agent = b.user(session, Role.agent)
    portfolio = b.portfolio(session, tz="Pacific/Kiritimati")
    person = b.account(session, portfolio, agent=agent, days_past_due=200)
    company_debtor = b.debtor(session, portfolio, company_name="Comercial Andina S.A.C.")
    company = b.account(session, portfolio, agent=agent, owner=company_debtor, days_past_due=0)
    headers = b.headers(agent)
    listing = client.get(f"{API}/accounts", headers=headers)
    assert listing.status_code == 200
    by_id = {item["id"]: item for item in listing.json()["items"]}
    for account in (person, company):
        session.refresh(account)
        debtor = session.get(Debtor, account.debtor_id)
        old = service.to_read(account, debtor, today_in(portfolio.timezone))
        expected = old.model_dump(mode="json")
        response = client.get(f"{API}/accounts/{account.id}", headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json() == expected
        assert by_id[str(account.id)] == expected
    other = b.account(session, portfolio)  # not the agent's
    assert client.get(f"{API}/accounts/{other.id}", headers=headers).status_code == 404


def test_a_cached_principal_is_a_fresh_detached_copy_within_its_bounds(session: Session) -> None:
    user = b.user(session, Role.agent)
    token = f"token-{uuid.uuid4()}"
    principals.store(token, user, time.time() + 60, principals.generation())
    first, second = principals.lookup(token, 5), principals.lookup(token, 5)
    assert first is not None and second is not None and first is not second
    assert (first.id, first.role, first.is_active) == (user.id, user.role, True)
    assert first not in session
    assert principals.lookup(token, 0) is None  # older than the lifetime: read again
    principals.store(token, user, time.time() - 1, principals.generation())
    assert principals.lookup(token, 5) is None  # the token itself expired
    principals.store(token, user, time.time() + 60, principals.generation())
    principals.forget(user.id)
    assert principals.lookup(token, 5) is None
    began = principals.generation()
    principals.forget(uuid.uuid4())  # a change while a load was in flight
    principals.store(token, user, time.time() + 60, began)
    assert principals.lookup(token, 5) is None  # what that load read is not kept


def test_a_deactivation_reaches_the_next_request_at_once(
    client: TestClient, session: Session
) -> None:
    admin = b.user(session, Role.admin)
    supervisor = b.user(session, Role.supervisor)
    headers = b.headers(supervisor)
    assert client.get(f"{API}/users", headers=headers).status_code == 200  # cached now
    changed = client.patch(
        f"{API}/users/{supervisor.id}", json={"is_active": False}, headers=b.headers(admin)
    )
    assert changed.status_code == 200
    assert client.get(f"{API}/users", headers=headers).status_code == 401
