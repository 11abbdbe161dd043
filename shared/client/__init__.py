"""The typed async client of the Cobro API: ``from shared.client import CobroClient``.

The mobile app and the bots use the backend only through this client; they never open the
database.
"""

from shared.client.accounts import AccountFilters
from shared.client.client import CobroClient
from shared.client.errors import (
    ApiError,
    ApiUnavailable,
    ApiValidationError,
    AuthError,
    CobroClientError,
    ConflictError,
    NotFoundError,
)
from shared.client.paging import paginate

__all__ = [
    "AccountFilters",
    "ApiError",
    "ApiUnavailable",
    "ApiValidationError",
    "AuthError",
    "CobroClient",
    "CobroClientError",
    "ConflictError",
    "NotFoundError",
    "paginate",
]
