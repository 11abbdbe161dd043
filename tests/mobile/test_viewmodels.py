"""The screens' logic against the real API: filters, forms, account, plan, supervisor, texts."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlmodel import Session

from backend.auth import hashing
from backend.core.clock import pinned
from backend.creditors.models import Portfolio
from mobile.config import MobileConfig
from mobile.geo import distance_m
from mobile.session import AppContext
from mobile.viewmodels import format as fmt
from mobile.viewmodels.account import AccountViewModel
from mobile.viewmodels.forms import PaymentForm, PromiseForm, save_form
from mobile.viewmodels.login import LoginViewModel
from mobile.viewmodels.plan import PlanViewModel
from mobile.viewmodels.supervisor import SupervisorViewModel
from mobile.viewmodels.sync_status import SyncStatusViewModel
from mobile.viewmodels.team_plan import TeamPlanViewModel
from mobile.viewmodels.today import TodayViewModel
from mobile.viewmodels.visit import VisitViewModel
from shared.i18n import LANGUAGES, messages, placeholders, t
from shared.schemas.enums import AccountStatus, AgingBucket, PlanKind
from shared.schemas.field import StopReason, VisitOutcome
from tests import builders as b
from tests.mobile.conftest import HOMES, Day, Network, login

MakeCtx = Callable[..., AppContext]
ROOT = Path(__file__).resolve().parents[2]


async def loaded(ctx: AppContext, day: Day) -> TodayViewModel:
    await login(ctx, day.agent)
    today = TodayViewModel(ctx)
    await today.refresh()
    return today


def test_today_filters_by_bucket_promise_due_and_not_visited(make_ctx: MakeCtx, day: Day) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        today = await loaded(ctx, day)
        assert today.buckets() == [
            AgingBucket.DAYS_1_30,
            AgingBucket.DAYS_31_60,
            AgingBucket.DAYS_61_90,
        ]
        today.toggle_bucket(AgingBucket.DAYS_31_60)
        assert [r.account_id for r in today.rows()] == [day.accounts[1].id]
        today.toggle_bucket(AgingBucket.DAYS_31_60)
        assert len(today.rows()) == 3
        today.promise_due = True
        assert today.rows() == []

        today.clear_filters()
        bundle = ctx.session.store.bundle(day.accounts[2].id)
        visit = VisitViewModel(ctx, bundle)  # type: ignore[arg-type]
        await visit.check_in()
        visit.outcome = VisitOutcome.not_home
        assert visit.save() is not None
        # Progress counts the visit made here, times are the shift's in Lima time.
        assert today.summary().startswith("1/3 visitas · ")
        assert today.summary().endswith(" · 08:00–17:00")
        worklist = today.worklist
        assert worklist is not None and worklist.stops[0].eta is not None
        lima_eta = worklist.stops[0].eta.astimezone(ZoneInfo("America/Lima")).strftime("%H:%M")
        assert today.rows()[0].route.endswith(f"llega {lima_eta}")
        today.not_visited = True  # visited here, not yet sent: already off the list
        assert day.accounts[2].id not in {r.account_id for r in today.rows()}
        assert today.should_refresh(pixels=-90, min_extent=0)
        assert not today.should_refresh(pixels=-20, min_extent=0)

    asyncio.run(scenario())


def test_a_check_in_far_from_the_address_is_flagged(make_ctx: MakeCtx, day: Day) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        await loaded(ctx, day)
        bundle = ctx.session.store.bundle(day.accounts[2].id)
        visit = VisitViewModel(ctx, bundle)  # type: ignore[arg-type]
        assert visit.save() is None
        assert set(visit.errors) == {"check_in", "outcome"}
        await visit.check_in()  # at the start, about 1 km from the third home
        expected = distance_m((-12.1211, -77.0297), HOMES[2])
        assert visit.distance_m == pytest.approx(expected)
        assert visit.far and "300 m" in (visit.far_warning() or "")
        assert "de la dirección (±10 m)" in (visit.check_in_text() or "")
        ctx.positions.move_to(*HOMES[2])  # type: ignore[attr-defined]
        await visit.check_in()
        assert not visit.far and visit.far_warning() is None

    asyncio.run(scenario())


def test_a_visit_with_a_promise_queues_both_or_neither(make_ctx: MakeCtx, day: Day) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        await loaded(ctx, day)
        bundle = ctx.session.store.bundle(day.accounts[0].id)
        visit = VisitViewModel(ctx, bundle, today=date(2025, 3, 10))  # type: ignore[arg-type]
        await visit.check_in()
        visit.outcome = VisitOutcome.promise
        visit.promise.amount = "99999"
        visit.next_action_date = "mañana"
        assert visit.save() is None
        assert "saldo" in visit.promise.errors["amount"]
        assert visit.errors["next_action_date"]
        visit.promise.amount = "234,50"
        visit.promise.due_date = "2025-03-01"
        visit.next_action_date = "17/03/2025"
        assert visit.save() is None and visit.promise.errors["due_date"] == "La fecha ya pasó."
        visit.promise.due_date = "20/03/2025"
        assert ctx.session.outbox.counts().pending == 0
        assert visit.save() is not None
        actions = ctx.session.outbox.pending()
        assert [a.type.value for a in actions] == ["visit", "promise"]
        assert actions[0].payload["next_action_date"] == "2025-03-17"
        assert actions[1].payload == {
            "amount": "234.50",
            "currency": "PEN",
            "due_date": "2025-03-20",
        }

    asyncio.run(scenario())


def test_payment_form_needs_a_receipt_and_a_past_date(make_ctx: MakeCtx, day: Day) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        await loaded(ctx, day)
        bundle = ctx.session.store.bundle(day.accounts[0].id)
        form = PaymentForm(ctx, bundle, date(2025, 3, 10))  # type: ignore[arg-type]
        form.amount, form.paid_on = "abc", "2025-03-11"
        assert save_form(ctx, form) is None
        assert set(form.errors) == {"amount", "paid_on", "receipt_number"}
        form.amount, form.paid_on, form.receipt_number = "200", "10/03/2025", " R-001 "
        form.method = "card_terminal"
        assert save_form(ctx, form) is not None
        (action,) = ctx.session.outbox.pending()
        assert action.payload["receipt_number"] == "R-001"
        assert action.payload["method"] == "card_terminal"
        promise = PromiseForm(ctx, bundle, date(2025, 3, 10))  # type: ignore[arg-type]
        assert promise.due_date == "2025-03-17"  # a week ahead unless typed

    asyncio.run(scenario())


def test_account_shows_contacts_directions_ledger_and_pending_work(
    make_ctx: MakeCtx, day: Day
) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        await loaded(ctx, day)
        view = AccountViewModel(ctx, day.accounts[0].id)
        await view.load()
        (contact,) = view.contacts()
        assert contact.call_url == "tel:+51987654321"
        assert contact.whatsapp_url == "https://wa.me/51987654321"
        assert view.directions() == (
            "https://www.google.com/maps/dir/?api=1&destination=-12.119%2C-77.031"
        )
        assert view.balance == "S/\xa01,000.00" and view.aging == "Mora: 1-30 (10 días)"
        assert view.ledger()[0].title == "Cargo  S/\xa01,000.00"
        assert view.pending_text() is None
        form = PromiseForm(ctx, view.bundle, date.today())  # type: ignore[arg-type]
        form.amount = "100"
        save_form(ctx, form)
        assert view.pending_text() == "Por enviar de esta cuenta: 1"
        assert view.promise()[0].tag == "Por enviar"
        ctx.switch_language()
        assert view.balance == "S/\xa01,000.00" and view.aging == "Aging: 1-30 (10 days)"

    asyncio.run(scenario())


def test_plan_offers_are_accepted_with_the_debtor_and_links_go_by_whatsapp(
    make_ctx: MakeCtx, day: Day, builtin_provider: None
) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        await loaded(ctx, day)
        bundle = ctx.session.store.bundle(day.accounts[0].id)
        plan = PlanViewModel(ctx, bundle)  # type: ignore[arg-type]
        url = await plan.payment_link()
        assert url is not None and url.startswith("https://wa.me/51987654321?text=Hola%20")
        await plan.load()
        rows = plan.rows()
        assert rows and all(row.title for row in rows)
        words = " ".join(f"{row.title} {row.detail}" for row in rows)
        assert not {"monthly", "weekly", "biweekly"} & set(words.split()), words
        assert await plan.accept(rows[0].offer_id)
        assert plan.message == "Plan aceptado."
        assert ctx.session.store.bundle(day.accounts[0].id).plan is not None  # type: ignore[union-attr]

    asyncio.run(scenario())


def test_the_agents_day_is_the_portfolios_whatever_the_device_says(
    make_ctx: MakeCtx, day: Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20:30 in Lima on phones set to Tokyo: the agent's forms are dated the 7th, the
    portfolio's day, not the device's 8th, and the supervisor's day is the team's."""
    tokyo = datetime(2026, 12, 8, 10, 30, tzinfo=ZoneInfo("Asia/Tokyo"))

    async def scenario() -> None:
        ctx = make_ctx()
        await loaded(ctx, day)
        monkeypatch.setattr("mobile.session.now", lambda: tokyo)
        assert ctx.today() == date(2026, 12, 7)
        bundle = ctx.session.store.bundle(day.accounts[0].id)
        assert VisitViewModel(ctx, bundle).payment.paid_on == "2026-12-07"  # type: ignore[arg-type]
        supervisor = make_ctx()  # plans "tomorrow" for the team: the team's tomorrow
        await login(supervisor, day.supervisor)
        await SupervisorViewModel(supervisor).load()
        assert supervisor.today() == date(2026, 12, 7)

    asyncio.run(scenario())


def test_supervisor_sees_the_team_and_an_agents_route(make_ctx: MakeCtx, day: Day) -> None:
    async def scenario() -> None:
        agent_ctx = make_ctx()
        await loaded(agent_ctx, day)
        bundle = agent_ctx.session.store.bundle(day.accounts[1].id)
        visit = VisitViewModel(agent_ctx, bundle)  # type: ignore[arg-type]
        await visit.check_in()
        visit.outcome = VisitOutcome.refused
        visit.save()
        today = TodayViewModel(agent_ctx)
        await today.refresh()
        today.skip(day.accounts[2].debtor_id, StopReason.danger)
        await agent_ctx.session.engine.sync()

        ctx = make_ctx()
        await login(ctx, day.supervisor)
        team = SupervisorViewModel(ctx)
        await team.load()
        (row,) = team.agents()
        assert row.agent_id == day.agent.id and row.progress.startswith("1/3 visitados")
        await team.open(day.agent.id)
        assert team.route_title() == f"Ruta de {day.agent.full_name}"
        (stop,) = team.timeline()
        assert "Se negó" in stop.detail and stop.far  # checked in at the start, far from home 2
        (skipped,) = team.skipped()
        assert skipped.detail.endswith(" · Peligro en la zona")
        assert skipped.title == team.stop_events[0].debtor_name
        team.day_text = "ayer"
        await team.load()
        assert team.message == "Fecha no válida (AAAA-MM-DD)."

    asyncio.run(scenario())


def test_formats_for_people() -> None:
    now = datetime(2025, 3, 10, 12, 0).astimezone()
    assert fmt.distance(850, "es") == "850 m"
    assert (fmt.distance(1430, "es"), fmt.distance(1430, "en")) == ("1,4 km", "1.4 km")
    assert fmt.duration(2700, "es") == "45 min" and fmt.duration(7500, "es") == "2 h 05"
    assert fmt.ago(None, now, "en") == "Never synced"
    assert fmt.ago(now - timedelta(minutes=5), now, "es") == "Última sincronización: hace 5 min"
    assert fmt.parse_day("2025-03-10") == fmt.parse_day("10/03/2025") == date(2025, 3, 10)
    assert fmt.parse_day("10-03") is None


def test_config_from_the_environment(tmp_path: Path) -> None:
    config = MobileConfig.from_env(
        {
            "COBRO_API_URL": "https://cobro.example/",
            "COBRO_PING_SECONDS": "1",
            "COBRO_VISIT_FAR_METERS": "150",
            "FLET_APP_STORAGE_DATA": str(tmp_path),
            "COBRO_DEMO_POSITION": "-12.1,-77.03",
        }
    )
    assert config.api_url == "https://cobro.example"
    assert (config.ping_seconds, config.far_visit_m) == (5, 150)  # pings at most every 5 s
    assert config.data_dir == tmp_path and config.demo_position == (-12.1, -77.03)
    assert MobileConfig.from_env({}).data_dir == Path("var/mobile")


def test_every_text_of_the_app_is_translated_with_the_same_placeholders() -> None:
    used = set()
    for path in (ROOT / "mobile").rglob("*.py"):
        used |= set(re.findall(r"\"(mobile\.[a-z_.]+)\"", path.read_text(encoding="utf-8")))
    prefixes = {key for key in used if key.endswith(".")}
    catalogue = {key: texts for key, texts in messages().items() if key.startswith("mobile.")}
    assert used - prefixes <= set(catalogue), used - prefixes - set(catalogue)
    for key, texts in catalogue.items():
        assert set(texts) == set(LANGUAGES), key
        fields = [placeholders(texts[lang]) for lang in LANGUAGES]
        assert fields[0] == fields[1], key
    for enum_key in (
        "mobile.outcome.",
        "mobile.account_status.",
        "mobile.entry.",
        "mobile.method.",
    ):
        assert any(key.startswith(enum_key) for key in catalogue)
    assert {f"mobile.outcome.{o.value}" for o in VisitOutcome} <= set(catalogue)


def test_session_db_is_private(make_ctx: MakeCtx, day: Day, session: Session) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        await login(ctx, day.agent)
        path = ctx.session.store.path
        assert path.stat().st_mode & 0o077 == 0
        assert await ctx.vault.load(ctx.session.store) is not None
        assert ctx.session.store.session().token == ""  # type: ignore[union-attr]

    asyncio.run(scenario())


def test_today_says_which_accounts_the_contact_rules_hold_back_and_why(
    make_ctx: MakeCtx, day: Day, session: Session
) -> None:
    portfolio = session.get(Portfolio, day.accounts[0].portfolio_id)
    assert portfolio is not None
    portfolio.contact_rules = {}  # Peru's law: visits Monday to Friday, 07:00-20:00
    day.accounts[1].status = AccountStatus.disputed
    session.add_all([portfolio, day.accounts[1]])
    session.flush()

    async def scenario() -> None:
        ctx = make_ctx()
        await login(ctx, day.agent)
        today = TodayViewModel(ctx)
        with pinned(datetime.fromisoformat("2026-12-05T10:00:00-05:00")):  # a Saturday in Lima
            await today.refresh()
        assert today.rows() == []
        assert today.summary() == (
            "Hoy no se permiten visitas: 3 cuentas retenidas por las reglas de contacto."
        )
        reasons = {row.account_id: row.reason for row in today.held()}
        assert reasons == {
            day.accounts[0].id: "Fuera del horario permitido · desde 07/12/2026 07:00",
            day.accounts[1].id: "Deuda en disputa: no contactar",
            day.accounts[2].id: "Fuera del horario permitido · desde 07/12/2026 07:00",
        }

    asyncio.run(scenario())


def test_login_says_why_it_was_refused(
    make_ctx: MakeCtx, day: Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def scenario() -> None:
        form = LoginViewModel(make_ctx())
        form.email = day.agent.email
        for i in range(6):
            form.password = f"wrong-{i}"
            assert await form.submit() is None
        assert form.error is not None and form.error.startswith("Demasiados intentos fallidos")
        full = hashing.HashingGate(slots=1, queue=0)
        full.admitted = 1  # every slot taken
        monkeypatch.setattr(hashing, "gate", lambda: full)
        form.email = day.supervisor.email
        assert await form.submit() is None
        assert form.error == t("error.login_busy", "es")

    asyncio.run(scenario())


def test_plan_offers_add_up_and_are_confirmed_instalment_by_instalment(
    make_ctx: MakeCtx, day: Day, builtin_provider: None
) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        await loaded(ctx, day)
        plan = PlanViewModel(ctx, ctx.session.store.bundle(day.accounts[0].id))  # type: ignore[arg-type]
        await plan.load()
        assert plan.offers
        for offer, row in zip(plan.offers, plan.rows(), strict=True):
            confirmation = plan.confirmation(offer.id)
            amounts = [r.amount_minor for r in confirmation.rows]
            assert sum(amounts) == confirmation.total_minor == offer.total_minor
            assert len(confirmation.rows) == len(offer.instalments)
            assert all(r.when for r in confirmation.rows)  # every instalment has its date
            total = fmt.money(offer.total_minor, offer.currency, "es")
            assert confirmation.total == total
            if offer.plan_kind is PlanKind.settlement:
                assert row.title.startswith(f"Pago único {total}")
                continue
            # The card adds up: "Inicial X + 4 cuotas de Y + 1 cuota de Z = total".
            assert row.title.endswith(f"= {total}")
            parts = row.title.split(" = ")[0].split(" + ")
            down = [i for i in offer.instalments if i.number == 0]
            assert parts[0].startswith("Inicial ") == bool(down)
            counted = sum(int(part.split()[0]) for part in parts if part[0].isdigit())
            assert counted + len(down) == len(offer.instalments)
            labels = [r.label for r in confirmation.rows]
            assert labels == ["Inicial"] * len(down) + [f"Cuota {n}" for n in range(1, counted + 1)]

    asyncio.run(scenario())


def test_a_payment_is_confirmed_then_shows_as_pending_sync_on_the_account(
    make_ctx: MakeCtx, day: Day
) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        await loaded(ctx, day)
        view = AccountViewModel(ctx, day.accounts[0].id)
        await view.load()
        assert view.pending_payments() is None
        assert view.promise() == [] and t("mobile.account.no_promise", "es") == "Ninguna promesa"
        form = PaymentForm(ctx, view.bundle, date(2025, 3, 10))  # type: ignore[arg-type]
        form.amount = "250"
        assert form.confirmation() is None and "receipt_number" in form.errors
        form.receipt_number, form.method = "R-9", "transfer"
        confirmation = form.confirmation()
        assert confirmation is not None and ctx.session.outbox.counts().pending == 0
        assert [(r.label, r.when, r.amount_minor) for r in confirmation.rows] == [
            ("Saldo actual", "", 100_000),
            ("Pago · Transferencia · recibo R-9", "10/03/2025", -25_000),
        ]
        assert confirmation.total == "S/\xa0750.00" and confirmation.total_minor == 75_000
        assert save_form(ctx, form) is not None
        assert view.pending_payments() == (
            "Pendiente de sincronizar: 1 pago de S/\xa0250.00 (el saldo aún no lo descuenta)"
        )
        first = view.ledger()[0]
        assert (first.title, first.tag) == ("Pago  -S/\xa0250.00", "Pendiente de sincronizar")
        assert SyncStatusViewModel(ctx).queue()[0].title == "Pago · S/\xa0250.00"
        await ctx.session.engine.sync()
        view.reload()
        assert view.pending_payments() is None
        assert view.balance == "S/\xa0750.00"  # the server's balance, after the sync

    asyncio.run(scenario())


def test_a_visit_with_a_payment_is_confirmed_before_it_is_queued(
    make_ctx: MakeCtx, day: Day
) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        await loaded(ctx, day)
        bundle = ctx.session.store.bundle(day.accounts[0].id)
        visit = VisitViewModel(ctx, bundle, date(2025, 3, 10))  # type: ignore[arg-type]
        visit.outcome = VisitOutcome.paid
        assert visit.confirmation() is None and "check_in" in visit.errors
        await visit.check_in()
        visit.payment.amount, visit.payment.receipt_number = "100", "R-1"
        confirmation = visit.confirmation()
        assert confirmation is not None and confirmation.total_minor == 90_000
        assert ctx.session.outbox.counts().pending == 0  # nothing queued before Confirm
        visit.outcome = VisitOutcome.not_home
        assert visit.confirmation() is None and not visit.errors  # nothing to confirm

    asyncio.run(scenario())


def test_supervisor_plans_the_teams_day(
    make_ctx: MakeCtx, day: Day, session: Session, network: Network
) -> None:
    """The cards say what the API planned; a stop without coordinates is left out in words; a
    stored plan is shown as stored; a plan stored meanwhile is a clear 409 message."""
    portfolio = session.get(Portfolio, day.accounts[0].portfolio_id)
    nowhere = b.debtor(session, portfolio)  # no address: no coordinates
    b.account(session, portfolio, agent=day.agent, owner=nowhere, days_past_due=40)
    session.commit()

    async def scenario() -> None:
        ctx = make_ctx()
        await login(ctx, day.supervisor)
        plan = TeamPlanViewModel(ctx)
        tomorrow = datetime.now(ZoneInfo("America/Lima")).date() + timedelta(days=1)
        await plan.open(tomorrow)
        assert plan.message is None and not plan.stored
        answer = plan.plan
        assert answer is not None
        (agent,) = answer.agents
        zone = ZoneInfo(answer.timezone)
        first, last = (
            s.eta.astimezone(zone).strftime("%H:%M") for s in (agent.stops[0], agent.stops[-1])
        )
        km = fmt.distance(agent.travel_m, "es")
        (card,) = plan.cards()
        assert card.title == (
            f"{day.agent.full_name} · {len(agent.stops)} paradas · {km} · {first}–{last}"
        )
        total = sum(s.value_minor for s in agent.stops)
        assert card.value == "Valor: " + fmt.money(total, agent.stops[0].currency, "es")
        assert len(agent.stops) == 3 and answer.candidates == 4
        assert plan.coverage().startswith("3 de 4 paradas en el plan · ")
        (dropped,) = plan.dropped()
        assert dropped.title == answer.dropped_stops[0].debtor_name
        assert dropped.detail.startswith("Sin ubicación · ")

        again = TeamPlanViewModel(ctx)
        await again.open(tomorrow)
        assert again.stored and again.cards() == plan.cards()

        original = network.handle_async_request

        async def conflict(request: httpx.Request) -> httpx.Response:
            if request.method == "POST" and request.url.path.endswith("/field/plans"):
                body = {"code": "team_plan_conflict", "message": "conflict"}
                return httpx.Response(409, json=body, request=request)
            return await original(request)

        network.handle_async_request = conflict  # type: ignore[method-assign]
        await again.replan()
        assert again.message == (
            "Otro plan de ese día se guardó mientras se calculaba este. Vuelva a intentarlo."
        )

    asyncio.run(scenario())
