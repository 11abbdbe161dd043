"""Named domain errors, each with an HTTP status and a stable machine-readable code.

Services raise these; ``backend.core.handlers`` turns every one of them into
``{"code": ..., "message": ..., "details": ...}`` with the message in the caller's language.
"""

from __future__ import annotations

from typing import Any, ClassVar

from starlette.exceptions import HTTPException


class DomainError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    # True for refusals that still record what happened (a rejected import and its report):
    # the unit of work commits what the service added before raising, then answers the error.
    commits: ClassVar[bool] = False

    def __init__(self, message_key: str | None = None, /, **params: Any) -> None:
        self.message_key = message_key or f"error.{self.code}"
        self.params = params
        super().__init__(f"{self.code}: {params}" if params else self.code)


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class InvalidCredentials(DomainError):
    status = 401
    code = "invalid_credentials"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


class BodyTooLarge(HTTPException):
    """A request body crossed its route's limit while it was read (``backend.core.bodylimit``).
    An ``HTTPException`` so that FastAPI's body parsing lets it through unchanged."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413)
        self.limit = limit


class UnknownCurrency(DomainError):
    status = 422
    code = "unknown_currency"


class CurrencyMismatch(DomainError):
    status = 422
    code = "currency_mismatch"


class AmountPrecision(DomainError):
    status = 422
    code = "amount_precision"


class AmountTooLarge(DomainError):
    """An amount (or the balance it would make) above the portfolio's ceiling."""

    status = 422
    code = "amount_too_large"


class OverpaymentNeedsApproval(DomainError):
    """Money beyond the balance plus the portfolio's tolerance: a supervisor must book it."""

    status = 409
    code = "overpayment_needs_approval"


class IdempotencyConflict(DomainError):
    """The same idempotency key was used earlier for a different request."""

    status = 409
    code = "idempotency_conflict"
