"""Payment links and field payments through the typed client."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from shared.client import ConflictError
from shared.schemas.enums import LinkPurpose
from tests import builders as b
from tests.client.conftest import ClientFactory, token_of
from tests.plans.helpers import lima, team


def test_links_and_field_payments(connect: ClientFactory, session, builtin_provider: None) -> None:
    _, agent = team(session)
    account = b.account(session, lima(session), agent=agent, principal=50_000)

    async def scenario() -> None:
        async with connect(token=token_of(agent)) as api:
            link = await api.create_payment_link(
                account.id, LinkPurpose.balance, client_key="k-12345678"
            )
            again = await api.create_payment_link(
                account.id, LinkPurpose.balance, client_key="k-12345678"
            )
            assert again.id == link.id and link.amount_minor == 50_000
            paid = await api.record_field_payment(
                account.id,
                client_id="device-0001",
                amount_minor=12_345,
                currency="PEN",
                method="cash",
                receipt_number="A-1",
                paid_on=date.today(),
            )
            replay = await api.record_field_payment(
                account.id,
                client_id="device-0001",
                amount_minor=12_345,
                currency="PEN",
                method="cash",
                receipt_number="A-1",
                paid_on=date.today(),
            )
            assert replay.id == paid.id and paid.verification_code
            with pytest.raises(ConflictError):
                await api.record_field_payment(
                    account.id,
                    client_id="device-0002",
                    amount_minor=1_000,
                    currency="PEN",
                    method="cash",
                    receipt_number="A-1",
                    paid_on=date.today(),
                )
            listed = await api.list_payments(account.id)
            assert [p.amount_minor for p in listed.items] == [12_345]
            assert (await api.get_account(account.id)).balance_minor == 50_000 - 12_345

    asyncio.run(scenario())
