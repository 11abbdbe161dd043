"""Outbox and sync against the real API: offline work, crash and replay, explicit conflicts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from sqlmodel import Session, func, select

from backend.field.models import LocationPing, Visit
from backend.promises.models import Promise
from backend.users import service as users_service
from mobile.session import AppContext
from mobile.store import Store
from mobile.sync import SyncState
from mobile.viewmodels.account import AccountViewModel
from mobile.viewmodels.login import logout, resume
from mobile.viewmodels.sync_status import SyncStatusViewModel, take_ping
from mobile.viewmodels.today import TodayViewModel
from mobile.viewmodels.visit import VisitViewModel
from shared.schemas.auth import UserUpdate
from shared.schemas.enums import EntryKind
from shared.schemas.field import VisitOutcome
from tests import builders as b
from tests.mobile.conftest import HOMES, START, Day, Network, login

MakeCtx = Callable[..., AppContext]


def count(session: Session, model: type, *where: object) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


async def first_day(ctx: AppContext, day: Day) -> TodayViewModel:
    """Log the agent in and load the day (first sync and worklist)."""
    await login(ctx, day.agent)
    today = TodayViewModel(ctx)
    await today.refresh()
    assert today.message is None
    return today


async def record_visit(
    ctx: AppContext, account_index: int, outcome: VisitOutcome, day: Day
) -> list[str]:
    bundle = ctx.session.store.bundle(day.accounts[account_index].id)
    assert bundle is not None
    visit = VisitViewModel(ctx, bundle)
    await visit.check_in()
    visit.outcome = outcome
    visit.note = "Habló la hija"
    if outcome is VisitOutcome.promise:
        visit.promise.amount = "150,50"
    client_ids = visit.save()
    assert client_ids is not None, visit.errors | visit.promise.errors
    return client_ids


def test_first_sync_stores_the_accounts_and_the_day_in_visit_order(
    make_ctx: MakeCtx, day: Day
) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        today = await first_day(ctx, day)
        store = ctx.session.store
        assert store.account_ids() == {str(a.id) for a in day.accounts}
        rows = today.rows()
        assert [r.position for r in rows] == [1, 2, 3]
        assert rows[0].account_id == day.accounts[0].id  # the nearest to the start
        assert rows[0].amount == "S/\xa01,000.00"
        assert " m · " in rows[0].route  # distance and arrival time
        status = SyncStatusViewModel(ctx)
        assert (status.pending, status.badge()) == (0, "Todo enviado")
        assert status.last_synced() == "Última sincronización: recién"

    asyncio.run(scenario())


def test_a_visit_recorded_offline_waits_and_is_sent_when_the_network_returns(
    make_ctx: MakeCtx, day: Day, network: Network, session: Session
) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        await first_day(ctx, day)
        network.mode = "down"
        (client_id,) = await record_visit(ctx, 0, VisitOutcome.not_home, day)
        status = SyncStatusViewModel(ctx)
        report = await status.sync_now()
        assert report.state is SyncState.offline
        assert status.badge() == "1 por enviar"
        assert status.state_text() is not None and "Sin conexión" in status.state_text()
        assert ctx.session.engine.backoff.delay(30) <= 5.0  # first retry soon
        assert count(session, Visit, Visit.client_id == client_id) == 0

        network.mode = "up"
        report = await status.sync_now()
        assert report.state is SyncState.ok
        assert report.answered == {"applied": 1}
        assert (status.pending, status.badge()) == (0, "Todo enviado")
        assert [row.status for row in status.queue()] == ["applied"]
        assert count(session, Visit, Visit.client_id == client_id) == 1

    asyncio.run(scenario())


def test_answers_lost_after_the_server_applied_them_are_replayed_without_duplicates(
    make_ctx: MakeCtx, day: Day, network: Network, session: Session
) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        await first_day(ctx, day)
        visit_id, promise_id = await record_visit(ctx, 1, VisitOutcome.promise, day)
        network.mode = "lose_answers"  # the server commits, the phone never hears back
        assert (await ctx.session.engine.sync()).state is SyncState.offline
        assert ctx.session.outbox.counts().pending == 2
        assert count(session, Visit, Visit.client_id == visit_id) == 1

        network.mode = "up"
        report = await ctx.session.engine.sync()
        assert report.answered == {"duplicate": 2}
        assert ctx.session.outbox.counts().pending == 0
        assert count(session, Visit, Visit.client_id == visit_id) == 1
        assert count(session, Promise, Promise.account_id == day.accounts[1].id) == 1
        assert promise_id  # answered once, kept as sent

    asyncio.run(scenario())


def test_a_crash_before_the_answer_is_stored_replays_after_restart(
    make_ctx: MakeCtx, day: Day, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def crash_then_restart() -> None:
        ctx = make_ctx(native=True)
        await first_day(ctx, day)
        (client_id,) = await record_visit(ctx, 2, VisitOutcome.refused, day)

        def killed(*_: object) -> None:
            raise SystemExit("the phone's battery died")

        monkeypatch.setattr(Store, "apply_sync", killed)
        with pytest.raises(SystemExit):
            await ctx.session.engine.sync()
        monkeypatch.undo()
        await ctx.session.close()

        again = make_ctx(native=True)  # the app starts again, offline-capable, same device
        restarted = await resume(again)
        assert restarted is not None and restarted.outbox.counts().pending == 1
        report = await restarted.engine.sync()
        assert report.answered == {"duplicate": 1}
        assert restarted.outbox.counts().pending == 0
        assert count(session, Visit, Visit.client_id == client_id) == 1

    asyncio.run(crash_then_restart())


def test_an_account_paid_online_meanwhile_is_a_conflict_shown_to_the_agent(
    make_ctx: MakeCtx, day: Day, network: Network, session: Session
) -> None:
    account = day.accounts[0]

    async def scenario() -> None:
        ctx = make_ctx()
        await first_day(ctx, day)
        network.mode = "down"
        visit_id, promise_id = await record_visit(ctx, 0, VisitOutcome.promise, day)
        b.ledger_entry(session, account, EntryKind.payment, account.balance_minor)  # paid online
        network.mode = "up"
        report = await ctx.session.engine.sync()
        assert report.state is SyncState.ok
        statuses = {r.client_id: r.status.value for r in report.attention}
        assert statuses == {visit_id: "conflict", promise_id: "conflict"}

        view = AccountViewModel(ctx, account.id)
        await view.load()
        shown = view.attention()
        assert len(shown) == 2
        assert all("pagada" in item.message for item in shown)  # the server's state, in words
        assert view.reference.endswith("pagada")  # the pulled bundle too
        status = SyncStatusViewModel(ctx)
        assert status.attention_text() == "Requieren su atención: 2"
        for item in shown:
            view.acknowledge(item.client_id)
        assert view.attention() == [] and status.attention_text() is None
        assert count(session, Visit, Visit.client_id == visit_id) == 1  # the visit still counts
        assert count(session, Promise, Promise.account_id == account.id) == 0

    asyncio.run(scenario())


def test_location_pings_on_shift_go_through_the_outbox_in_one_batch(
    make_ctx: MakeCtx, day: Day, session: Session
) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        await first_day(ctx, day)
        status = SyncStatusViewModel(ctx)
        assert not await take_ping(ctx)  # off shift: nothing recorded
        status.set_shift(True)
        for lat, lon in [START, *HOMES]:
            ctx.positions.move_to(lat, lon)  # type: ignore[attr-defined]
            assert await take_ping(ctx)
        report = await status.sync_now()
        assert report.answered == {"applied": 1}
        assert count(session, LocationPing, LocationPing.agent_id == day.agent.id) == 4
        assert status.queue()[0].title == "Ubicaciones · 4"

    asyncio.run(scenario())


def test_logout_deletes_the_users_data_from_the_device(make_ctx: MakeCtx, day: Day) -> None:
    async def scenario() -> None:
        ctx = make_ctx(native=True)
        await first_day(ctx, day)
        path = ctx.session.store.path
        assert path.exists()
        await logout(ctx)
        assert not path.exists() and ctx.user is None
        assert await resume(make_ctx(native=True)) is None

    asyncio.run(scenario())


def test_an_expired_access_token_is_renewed_and_stored_without_asking(
    make_ctx: MakeCtx, day: Day, network: Network
) -> None:
    async def scenario() -> None:
        ctx = make_ctx(native=True)
        await first_day(ctx, day)
        first = await ctx.vault.load(ctx.session.store)
        await record_visit(ctx, 0, VisitOutcome.moved, day)
        ctx.session.api._token = "expired"  # what an access token looks like after 15 minutes
        network.requests.clear()
        report = await ctx.session.engine.sync()
        assert report.state is SyncState.ok and report.answered == {"applied": 1}
        paths = [r.url.path for r in network.requests]
        assert paths == ["/api/v1/field/sync", "/api/v1/auth/refresh", "/api/v1/field/sync"]
        stored = await ctx.vault.load(ctx.session.store)
        assert stored is not None and first is not None
        assert stored.access == ctx.session.api.token != "expired"
        assert stored.refresh == ctx.session.api.refresh_token != first.refresh
        await ctx.session.close()
        # After a restart the phone resumes with the renewed pair, still without a login.
        again = await resume(make_ctx(native=True))
        assert again is not None and again.info.refresh_token == stored.refresh
        assert (await again.engine.sync()).state is SyncState.ok
        await again.close()

    asyncio.run(scenario())


def test_a_lost_renewal_answer_is_retried_without_ending_the_session(
    make_ctx: MakeCtx, day: Day, network: Network
) -> None:
    """The API rotated the refresh token but the answer never arrived: the phone presents the
    old one again at its next sync, within the reuse grace, and carries on."""

    async def scenario() -> None:
        ctx = make_ctx()
        await first_day(ctx, day)
        await record_visit(ctx, 0, VisitOutcome.moved, day)
        spent = ctx.session.api.refresh_token
        ctx.session.api._token = "expired"
        network.lose_answers_of = "/api/v1/auth/refresh"
        assert (await ctx.session.engine.sync()).state is SyncState.offline
        assert ctx.session.api.refresh_token == spent  # the lost pair never arrived
        network.lose_answers_of = None
        report = await ctx.session.engine.sync()
        assert report.state is SyncState.ok and report.answered == {"applied": 1}
        assert ctx.session.api.refresh_token != spent

    asyncio.run(scenario())


def test_an_ended_session_keeps_the_outbox_for_the_next_login(
    make_ctx: MakeCtx, day: Day, session: Session
) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        await first_day(ctx, day)
        await record_visit(ctx, 0, VisitOutcome.moved, day)
        # An admin changed the agent's password: every token of theirs is stale, the refresh
        # token too.
        users_service.update(session, b.SYSTEM, day.agent, UserUpdate(password="password123"))
        report = await ctx.session.engine.sync()
        assert report.state is SyncState.expired
        assert ctx.session.api.refresh_token is None
        await ctx.session.close()
        ctx.user = None
        again = await login(ctx, day.agent)
        assert again.outbox.counts().pending == 1
        assert (await again.engine.sync()).answered == {"applied": 1}

    asyncio.run(scenario())
