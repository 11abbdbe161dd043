"""Today's next stop, and skipping or moving stops with a reason: shown at once, kept offline in
the outbox, sent with the next sync, and not laid twice over the day the server answers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from mobile.session import AppContext
from mobile.viewmodels.sync_status import SyncStatusViewModel
from mobile.viewmodels.today import TodayViewModel, next_stop_url
from mobile.viewmodels.visit import VisitViewModel
from shared.schemas.field import StopReason, VisitOutcome
from tests.mobile.conftest import Day, Network, login

MakeCtx = Callable[..., AppContext]


async def _loaded(ctx: AppContext, day: Day) -> TodayViewModel:
    await login(ctx, day.agent)
    today = TodayViewModel(ctx)
    await today.refresh()
    return today


def test_maps_urls_carry_the_destination_and_the_shifts_travel_mode() -> None:
    url = next_stop_url(-12.119, -77.031, "motorbike")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.google.com", "/maps/dir/")
    assert parse_qs(parts.query) == {
        "api": ["1"],
        "destination": ["-12.119,-77.031"],
        "travelmode": ["two-wheeler"],
    }
    assert "travelmode=driving" in next_stop_url(0, 0, "car")


def test_next_stop_skips_visited_and_skipped_stops(make_ctx: MakeCtx, day: Day) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        today = await _loaded(ctx, day)
        rows = today.rows()
        assert len(rows) == 3
        first = today.next_stop()
        assert first is not None and first.debtor_id == rows[0].debtor_id
        query = parse_qs(urlsplit(today.next_stop_url() or "").query)
        assert query["destination"] == [f"{rows[0].latitude},{rows[0].longitude}"]
        assert query["travelmode"] == ["walking"]

        bundle = ctx.session.store.bundle(rows[0].account_id)
        visit = VisitViewModel(ctx, bundle)  # type: ignore[arg-type]
        await visit.check_in()
        visit.outcome = VisitOutcome.not_home
        assert visit.save() is not None
        assert today.next_stop().debtor_id == rows[1].debtor_id  # type: ignore[union-attr]
        today.skip(rows[1].debtor_id, StopReason.danger)
        assert today.next_stop().debtor_id == rows[2].debtor_id  # type: ignore[union-attr]
        assert today.summary().startswith("2/3 visitas · ")
        today.skip(rows[2].debtor_id, StopReason.not_home)
        assert today.next_stop() is None and today.next_stop_url() is None

    asyncio.run(scenario())


def test_skips_and_moves_offline_show_at_once_and_sync_later(
    make_ctx: MakeCtx, day: Day, network: Network
) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        today = await _loaded(ctx, day)
        order = [r.debtor_id for r in today.rows()]
        network.mode = "down"

        today.skip(order[0], StopReason.wrong_address)
        assert today.move(order[2], True, StopReason.appointment) is not None
        assert today.move(order[2], True, StopReason.appointment) is not None  # now first
        assert today.move(order[2], True, StopReason.other) is None  # already at the top

        rows = today.rows()
        assert [r.debtor_id for r in rows] == [order[2], order[0], order[1]]
        assert [r.position for r in rows] == [1, 2, 3]
        assert rows[1].skipped == "Dirección errada" and rows[1].done
        assert rows[1].route == "Saltada: Dirección errada"
        assert rows[0].route == "Orden cambiado: hora de llegada al sincronizar"  # not timed yet
        assert not rows[1].can_move_up and not rows[1].can_move_down
        assert not rows[0].can_move_up and rows[0].can_move_down
        assert today.summary().startswith("1/3 visitas · ")
        queue = SyncStatusViewModel(ctx).queue()
        assert [q.title for q in queue[:2]] == [
            "Parada · Cambio de orden · Cita a otra hora",
            "Parada · Cambio de orden · Cita a otra hora",
        ]
        assert queue[2].title == "Parada · Saltada · Dirección errada"
        assert ctx.session.outbox.counts().pending == 3

        await today.refresh()  # offline: the stored day, with the changes laid over it
        assert [r.debtor_id for r in today.rows()] == [order[2], order[0], order[1]]

        network.mode = "up"
        await today.refresh()
        assert ctx.session.outbox.counts().pending == 0
        worklist = today.worklist
        assert worklist is not None and len(worklist.applied_events) == 3
        assert [s.debtor_id for s in worklist.stops] == [order[2], order[0], order[1]]
        assert [r.debtor_id for r in today.rows()] == [order[2], order[0], order[1]]
        rows = today.rows()
        assert [r.skipped for r in rows] == [None, "Dirección errada", None]
        assert " · llega " in rows[0].route and " · llega " in rows[2].route  # timed again

    asyncio.run(scenario())
