"""Proof at the door, in the app against the real API: a visit photo taken offline is kept
with its visit and uploaded once after the visit synced (a lost answer replays into the same
photo); after a payment the receipt's code and QR code come with the sync; the day's cash
adds up the payments the server booked."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable

import zxingcpp
from PIL import Image
from sqlmodel import Session, func, select

from backend.field.models import VisitPhoto
from backend.payments.models import Payment
from mobile.photos import REFUSED, SENT
from mobile.session import AppContext
from mobile.sync import SyncState
from mobile.viewmodels.cash import CashViewModel
from mobile.viewmodels.receipt import ReceiptViewModel
from mobile.viewmodels.today import TodayViewModel
from mobile.viewmodels.visit import MAX_PHOTO_BYTES, VisitViewModel
from shared.schemas.field import VisitOutcome
from tests.mobile.conftest import Day, Network, login

MakeCtx = Callable[..., AppContext]
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40  # a JPEG's first bytes, then its data


async def ready(ctx: AppContext, day: Day) -> None:
    await login(ctx, day.agent)
    await TodayViewModel(ctx).refresh()


async def visit(ctx: AppContext, day: Day, outcome: VisitOutcome, photo: bytes | None) -> list:
    bundle = ctx.session.store.bundle(day.accounts[0].id)
    assert bundle is not None
    form = VisitViewModel(ctx, bundle)
    await form.check_in()
    form.outcome = outcome
    form.attach_photo(photo)
    if outcome is VisitOutcome.paid:
        form.payment.amount = "250,00"
        form.payment.receipt_number = "R-77"
    client_ids = form.save()
    assert client_ids is not None, form.errors | form.payment.errors
    return client_ids


def photos_on_server(session: Session) -> list[VisitPhoto]:
    session.expire_all()
    return list(session.exec(select(VisitPhoto)).all())


def test_a_photo_taken_offline_is_uploaded_once_after_its_visit(
    make_ctx: MakeCtx, day: Day, network: Network, session: Session
) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        await ready(ctx, day)
        network.mode = "down"
        (visit_id,) = await visit(ctx, day, VisitOutcome.not_home, PHOTO)
        assert (await ctx.session.engine.sync()).state is SyncState.offline
        assert [p.visit_client_id for p in ctx.session.store.photos("pending")] == [visit_id]
        assert photos_on_server(session) == []

        network.mode = "up"
        network.lose_answers_of = "/api/v1/field/photos"  # stored, the answer lost
        report = await ctx.session.engine.sync()
        assert (report.state, report.answered) == (SyncState.offline, {"applied": 1})
        assert len(ctx.session.store.photos("pending")) == 1

        network.lose_answers_of = None
        report = await ctx.session.engine.sync()
        assert (report.state, report.photos_sent) == (SyncState.ok, 1)
        assert ctx.session.store.photos("pending") == []
        assert [p.client_id for p in ctx.session.store.photos(SENT)] != []
        [stored] = photos_on_server(session)
        assert stored.content == PHOTO and stored.content_type == "image/jpeg"
        assert (await ctx.session.engine.sync()).photos_sent == 0

    asyncio.run(scenario())


def test_a_photo_the_server_refuses_is_kept_with_its_code(
    make_ctx: MakeCtx, day: Day, session: Session
) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        await ready(ctx, day)
        await visit(ctx, day, VisitOutcome.not_home, b"GIF89a not a photo we take")
        report = await ctx.session.engine.sync()
        assert (report.state, report.photos_sent) == (SyncState.ok, 0)
        assert len(ctx.session.store.photos(REFUSED)) == 1
        assert photos_on_server(session) == []

    asyncio.run(scenario())


def test_a_photo_too_large_is_refused_on_the_device(make_ctx: MakeCtx, day: Day) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        await ready(ctx, day)
        bundle = ctx.session.store.bundle(day.accounts[0].id)
        assert bundle is not None
        form = VisitViewModel(ctx, bundle)
        form.attach_photo(b"\xff\xd8\xff" + b"\x00" * MAX_PHOTO_BYTES)
        assert form.photo is None and "8 MB" in form.errors["photo"]

    asyncio.run(scenario())


def test_after_a_payment_the_receipt_code_and_qr_and_the_days_cash(
    make_ctx: MakeCtx, day: Day, session: Session
) -> None:
    async def scenario() -> None:
        ctx = make_ctx()
        await ready(ctx, day)
        _, payment_id = await visit(ctx, day, VisitOutcome.paid, None)

        receipt = ReceiptViewModel(ctx, payment_id)
        await receipt.load()  # syncs the payment first

        code = session.exec(select(Payment.verification_code)).one()
        assert receipt.code == code and receipt.url and receipt.url.endswith(f"/receipts/{code}")
        assert receipt.amount == "S/\xa0250.00"
        assert receipt.qr is not None
        [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(receipt.qr)))
        assert decoded.text == receipt.url

        cash = CashViewModel(ctx)
        await cash.load()
        assert cash.totals() == ["S/\xa0250.00 · pagos: 1"]
        assert [(line.debtor, line.receipt) for line in cash.lines()] == [
            (bundle_name(ctx, day), "R-77")
        ]
        assert cash.waiting() == 0
        assert session.exec(select(func.count()).select_from(Payment)).one() == 1

    asyncio.run(scenario())


def bundle_name(ctx: AppContext, day: Day) -> str:
    bundle = ctx.session.store.bundle(day.accounts[0].id)
    assert bundle is not None
    return bundle.debtor.display_name
