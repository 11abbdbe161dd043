"""The typed client against the real API (SQLite and PostgreSQL through the fixtures)."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlmodel import Session

from shared.client import (
    ApiValidationError,
    AuthError,
    ConflictError,
    NotFoundError,
)
from shared.schemas.auth import UserUpdate
from shared.schemas.enums import EntryKind, PlanStatus, Role
from tests import builders as b
from tests.client.conftest import ClientFactory, Recorder, token_of
from tests.plans.helpers import days, lima, team


def test_login_then_me_then_logout(connect: ClientFactory, session: Session) -> None:
    user = b.user(session, Role.supervisor, email="sup@test.cobro")

    async def scenario() -> None:
        async with connect() as api:
            token = await api.login("sup@test.cobro", "password123")
            assert api.token == token.access_token and token.expires_in > 0
            me = await api.me()
            assert (me.id, me.role) == (user.id, Role.supervisor)
            await api.logout()
            assert api.token is None and api.refresh_token is None
            with pytest.raises(AuthError) as refused:
                await api.me()
            assert (refused.value.status, refused.value.code) == (401, "not_authenticated")

    asyncio.run(scenario())


def test_a_stored_token_resumes_the_session(connect: ClientFactory, session: Session) -> None:
    user = b.user(session, Role.agent)

    async def scenario() -> None:
        async with connect(token=token_of(user)) as api:
            assert (await api.me()).id == user.id

    asyncio.run(scenario())


def test_wrong_password_is_an_auth_error(connect: ClientFactory, session: Session) -> None:
    b.user(session, Role.admin, email="boss@test.cobro")

    async def scenario() -> None:
        async with connect(language="es") as api:
            with pytest.raises(AuthError) as refused:
                await api.login("boss@test.cobro", "wrong-password")
            assert refused.value.status == 401
            assert refused.value.code == "invalid_credentials"
            assert refused.value.message == "Correo o contraseña incorrectos."
            assert api.token is None

    asyncio.run(scenario())


def test_agent_walks_only_their_accounts_page_by_page(
    connect: ClientFactory, recorder: Recorder, session: Session
) -> None:
    agent, other = b.user(session, Role.agent), b.user(session, Role.agent)
    portfolio = b.portfolio(session)
    mine = {b.account(session, portfolio, agent=agent).id for _ in range(5)}
    for _ in range(3):
        b.account(session, portfolio, agent=other)

    async def scenario() -> None:
        async with connect(token=token_of(agent)) as api:
            seen = [account.id async for account in api.iter_accounts(limit=2)]
            assert sorted(seen) == sorted(mine)
            filtered = [a.id async for a in api.iter_accounts(limit=2, portfolio_id=portfolio.id)]
            assert sorted(filtered) == sorted(mine)

    asyncio.run(scenario())
    pages = [r for r in recorder.requests if r.url.path == "/api/v1/accounts"]
    assert len(pages) == 6  # 2 + 2 + 1 accounts, twice
    assert pages[1].url.params["cursor"] and pages[1].url.params["limit"] == "2"


def test_someone_elses_account_is_not_found_in_spanish(
    connect: ClientFactory, recorder: Recorder, session: Session
) -> None:
    agent, other = b.user(session, Role.agent), b.user(session, Role.agent)
    account = b.account(session, agent=other)

    async def scenario() -> None:
        async with connect(language="es") as api:
            await api.login(agent.email, "password123")
            with pytest.raises(NotFoundError) as missing:
                await api.get_account(account.id)
            assert (missing.value.status, missing.value.code) == (404, "not_found")
            assert missing.value.message == "No encontrado."
            api.language = "en"
            with pytest.raises(NotFoundError) as missing:
                await api.get_account(account.id)
            assert missing.value.message == "Not found."

    asyncio.run(scenario())
    assert [r.headers["Accept-Language"] for r in recorder.requests] == ["es", "es", "en"]


def test_ledger_post_in_minor_units_replays_on_the_same_key(
    connect: ClientFactory, session: Session
) -> None:
    supervisor = b.user(session, Role.supervisor)
    account = b.account(session, agent=b.user(session, Role.agent, supervisor=supervisor))
    start = account.balance_minor

    async def scenario() -> None:
        async with connect() as api:
            await api.login(supervisor.email, "password123")
            payment = {
                "kind": EntryKind.payment,
                "amount_minor": 5_005,
                "currency": "PEN",
                "effective_date": date(2026, 1, 15),
                "idempotency_key": "receipt-0001",
            }
            first = await api.post_entry(account.id, **payment)
            again = await api.post_entry(account.id, **payment)
            assert again == first
            assert (first.kind, first.amount_minor, first.currency) == ("payment", -5_005, "PEN")
            assert (await api.get_account(account.id)).balance_minor == start - 5_005
            entries = await api.list_entries(account.id)
            assert first.id in [entry.id for entry in entries.items]
            with pytest.raises(ConflictError) as reused:
                await api.post_entry(account.id, **{**payment, "amount_minor": 1})
            assert reused.value.code == "idempotency_conflict"
            reversal = await api.reverse_entry(first.id, idempotency_key="undo-0001")
            assert reversal.amount_minor == 5_005 and reversal.reverses_entry_id == first.id
            assert (await api.get_account(account.id)).balance_minor == start

    asyncio.run(scenario())


def test_accepting_an_offer_makes_a_plan_once(connect: ClientFactory, session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=60_000)

    async def scenario() -> None:
        async with connect(language="en") as api:
            await api.login(agent.email, "password123")
            offers = await api.create_offers(account.id)
            offer = next(o for o in offers if o.plan_kind == "instalments")
            assert (await api.get_offer(offer.id)) == offer
            plan = await api.accept_offer(offer.id)
            assert (plan.status, plan.offer_id, plan.total_minor) == (
                PlanStatus.active,
                offer.id,
                offer.total_minor,
            )
            assert sum(i.amount_minor for i in plan.instalments) == plan.total_minor
            assert (await api.get_plan(plan.id)).id == plan.id
            assert [p.id for p in (await api.list_plans(account.id)).items] == [plan.id]
            with pytest.raises(ConflictError) as twice:
                await api.accept_offer(offer.id)
            assert (twice.value.status, twice.value.code) == (409, "conflict")
            assert twice.value.message == "The offer was already accepted."

    asyncio.run(scenario())


def test_promise_replays_on_the_same_client_id(connect: ClientFactory, session: Session) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=60_000)

    async def scenario() -> None:
        async with connect() as api:
            await api.login(agent.email, "password123")
            promise = {
                "amount_minor": 20_050,
                "currency": "PEN",
                "due_date": days(5),
                "client_id": "device-7-000001",
            }
            first = await api.create_promise(account.id, **promise)
            again = await api.create_promise(account.id, **promise)
            assert again == first
            assert (first.amount_minor, first.due_date, first.status) == (20_050, days(5), "open")
            listed = await api.list_promises(account.id)
            assert [p.id for p in listed.items] == [first.id]

    asyncio.run(scenario())


def test_refusals_map_to_their_error_types(connect: ClientFactory, session: Session) -> None:
    agent = b.user(session, Role.agent)

    async def scenario() -> None:
        async with connect() as api:
            await api.login(agent.email, "password123")
            with pytest.raises(AuthError) as forbidden:
                await api.update_user(agent.id, UserUpdate(full_name="Me"))
            assert (forbidden.value.status, forbidden.value.code) == (403, "forbidden")
            with pytest.raises(ApiValidationError) as invalid:
                await api.list_accounts(cursor="not-a-cursor")
            assert (invalid.value.status, invalid.value.code) == (422, "invalid_cursor")

    asyncio.run(scenario())
