"""The refusals of logins and sessions."""

from __future__ import annotations

from backend.core.errors import DomainError


class TooManyAttempts(DomainError):
    """Too many failed logins for this account or from this address: wait
    ``retry_after_seconds`` (also sent as ``Retry-After``). The password was not checked."""

    status = 429
    code = "too_many_attempts"


class LoginBusy(DomainError):
    """Every password-hashing slot of this process is taken and the queue is full."""

    status = 503
    code = "login_busy"


class SessionExpired(DomainError):
    """The refresh token is unknown, expired, revoked or was already used: log in again."""

    status = 401
    code = "session_expired"
    commits = True  # a revocation made while refusing (a reused token's family) is kept


class ReadOnly(DomainError):
    """A creditor's user without the write grant (``User.can_write``) asked for a change."""

    status = 403
    code = "read_only"
