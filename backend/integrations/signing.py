"""Signatures of the webhooks Cobro sends, in the scheme Stripe uses for its own.

Each request carries ``Cobro-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
"<t>.<body>")>``. A receiver recomputes it with its endpoint's secret, compares in constant time
and refuses a timestamp older than a few minutes (replays). The secret of an endpoint is
derived, not stored: HMAC of the server's secret key over the endpoint's id and secret version,
so a database dump reveals no secret and rotating one is a version bump.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
HEADER = "Cobro-Signature"
TOLERANCE_SECONDS = 300


def secret_of(server_key: str, endpoint_id: uuid.UUID, version: int) -> str:
    digest = hmac.new(
        server_key.encode(), f"cobro:webhook:{endpoint_id}:{version}".encode(), hashlib.sha256
    ).hexdigest()
    return SECRET_PREFIX + digest


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: int) -> bool:
    """What a receiver does (and what the tests do as one)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
