"""Offers and plans in words: the odd instalments said, labels that say what a button does,
money and dates by the portfolio's country (the one CLDR formatter)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from bots.core import render
from shared.schemas.enums import OfferStatus, PlanKind
from shared.schemas.negotiation import InstalmentRead, OfferRead

FIRST = date(2027, 1, 15)


def offer(amounts: list[int], *, down: int | None = None, kind: PlanKind = PlanKind.instalments):
    rows = [
        InstalmentRead(number=n, due_date=FIRST + timedelta(days=30 * (n - 1)), amount_minor=a)
        for n, a in enumerate(amounts, start=1)
    ]
    if down is not None:
        rows.insert(
            0, InstalmentRead(number=0, due_date=FIRST - timedelta(days=30), amount_minor=down)
        )
    total = sum(r.amount_minor for r in rows)
    return OfferRead(
        id=uuid.uuid4(),
        account_id=uuid.uuid4(),
        kind="plan",
        plan_kind=kind,
        balance_minor=total,
        currency="PEN",
        total_minor=total,
        discount_minor=0,
        frequency=None if kind == PlanKind.settlement else "monthly",
        monthly_rate=0,
        instalments=rows,
        explanation=[],
        status=OfferStatus.open,
        expires_at=datetime(2027, 1, 1, tzinfo=UTC),
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("amounts", "lang", "expected"),
    [
        (
            [141_429] * 6 + [141_426],  # S/ 9,900.00 in 7 with interest: the last one differs
            "es",
            "6 cuotas mensuales de S/\xa01,414.29, la primera el 15/01/2027, y una última de "
            "S/\xa01,414.26",
        ),
        (
            [141_429] * 4 + [141_428] * 3,  # S/ 9,900.00 in 7 without: the first four carry cents
            "es",
            "4 cuotas mensuales de S/\xa01,414.29 y 3 de S/\xa01,414.28, la primera el 15/01/2027",
        ),
        (
            [165_000] * 6,
            "en",
            "6 monthly instalments of S/\xa01,650.00, the first on 15/01/2027",
        ),
        (
            [50_000, 30_000, 30_000],
            "en",
            "a first instalment of S/\xa0500.00 on 15/01/2027 and 2 monthly instalments of "
            "S/\xa0300.00",
        ),
    ],
)
def test_the_odd_instalments_are_said(amounts: list[int], lang: str, expected: str) -> None:
    assert render.terms(offer(amounts), lang, "PE") == expected


def test_labels_say_what_each_option_is() -> None:
    single = offer([990_000], kind=PlanKind.settlement)
    assert render.label(single, "es", "PE") == "Pago único S/\xa09,900.00 hasta el 15/01"
    assert render.label(offer([165_000] * 6), "es", "PE") == "6 cuotas de S/\xa01,650.00"
    assert (
        render.label(offer([30_000] * 3, down=12_000), "en", "PE")
        == "S/\xa0120.00 down + 3 instalments of S/\xa0300.00"
    )
    # A US portfolio writes its dates month first.
    assert render.label(single, "en", "US").endswith("01/15")
