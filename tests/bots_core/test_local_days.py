"""Dates the bot and the payment page write are the portfolio's days: in a Lima evening it is
already tomorrow in UTC, and a payment link expiring 24 hours later expires on Lima's next day,
not on the UTC date after it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx

from backend.core.clock import pinned
from backend.core.config import get_settings
from tests.bots_core.conftest import ID_NUMBER, PHONE, Scenario, World, text
from tests.plans.helpers import today

LIMA = ZoneInfo("America/Lima")


def test_an_evening_payment_link_expires_on_the_portfolios_next_day(
    run: Callable[[Scenario], None], builtin_provider
) -> None:
    evening = datetime.combine(today(), time(20, 30), LIMA)
    expires = (evening + timedelta(hours=get_settings().payment_link_hours)).date()
    written: list[str] = []

    async def scenario(world: World) -> None:
        with pinned(evening):  # after the bot's token was signed, at the real time
            rosa = world.person()
            await rosa.send("hola")
            await rosa.press("lang:en")
            await rosa.send(ID_NUMBER)
            await rosa.send(PHONE[-4:])
            link = await rosa.send(choice="menu:pay")
            written.append(text(link))
            page = await world.web.get(httpx.URL(link.messages[0].url or "").path)
            written.append(page.text)

    run(scenario)
    for shown in written:  # the chat's message, then the payment page
        assert f"{expires:%d/%m/%Y}" in shown, shown
        assert f"{expires + timedelta(days=1):%d/%m/%Y}" not in shown
