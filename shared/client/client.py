"""The typed async client of the Cobro API, for the mobile app and the bots."""

from __future__ import annotations

from shared.client.accounts import AccountsApi
from shared.client.admin import AdminApi
from shared.client.creditors import CreditorsApi
from shared.client.field import FieldApi
from shared.client.negotiation import NegotiationApi
from shared.client.payments import PaymentsApi
from shared.client.users import UsersApi


class CobroClient(
    UsersApi, CreditorsApi, AccountsApi, NegotiationApi, PaymentsApi, FieldApi, AdminApi
):
    """Every endpoint of ``/api/v1`` as a typed method returning ``shared.schemas`` models.

    ::

        async with CobroClient("https://cobro.example", language="es") as api:
            await api.login("agente@example.com", "secret")
            async for account in api.iter_accounts(status=AccountStatus.active):
                ...

    Requests send ``Accept-Language`` (the language of error messages) and the bearer token
    from :meth:`login` or the ``token`` argument. Amounts go in as ``int`` minor units plus a
    currency. 4xx answers raise :class:`~shared.client.errors.ApiError` subclasses; an
    unreachable or failing (5xx) API raises :class:`~shared.client.errors.ApiUnavailable`.

    Adding an endpoint is one method on the domain mixin: ``return await self._request(method,
    f"{V1}/path", json=..., params=..., model=Schema)``.
    """
