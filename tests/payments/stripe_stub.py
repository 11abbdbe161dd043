"""A local HTTP server speaking the few Stripe endpoints we call, and Stripe's webhook signing.

The real ``stripe`` library talks to it (``STRIPE_API_BASE``); like Stripe, it replays the
first answer for a repeated Idempotency-Key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


class StripeStub:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.by_key: dict[str, dict[str, Any]] = {}
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
                fields = {k: v[0] for k, v in form.items()}
                key = self.headers.get("Idempotency-Key", "")
                stub.requests.append(
                    {
                        "path": self.path,
                        "fields": fields,
                        "idempotency_key": key,
                        "authorization": self.headers.get("Authorization"),
                    }
                )
                if self.path != "/v1/checkout/sessions":
                    self._send(
                        404, {"error": {"message": "unknown", "type": "invalid_request_error"}}
                    )
                    return
                if key not in stub.by_key:
                    session_id = f"cs_test_{uuid.uuid4().hex}"
                    stub.by_key[key] = {
                        "id": session_id,
                        "object": "checkout.session",
                        "url": f"https://checkout.stripe.test/c/pay/{session_id}",
                        "amount_total": int(fields["line_items[0][price_data][unit_amount]"]),
                        "currency": fields["line_items[0][price_data][currency]"],
                        "payment_status": "unpaid",
                        "status": "open",
                    }
                self._send(200, stub.by_key[key])

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_test")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> StripeStub:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe would send."""
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def checkout_event(
    event_id: str,
    session: dict[str, Any],
    link_id: str,
    *,
    kind: str = "completed",
    paid: bool = True,
    payment_intent: str = "pi_test_1",
) -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "type": f"checkout.session.{kind}",
        "data": {
            "object": {
                **session,
                "payment_status": "paid" if paid else "unpaid",
                "payment_intent": payment_intent,
                "client_reference_id": link_id,
                "metadata": {"link_id": link_id},
            }
        },
    }


def refund_event(event_id: str, payment_intent: str, refunded: int) -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "type": "charge.refunded",
        "data": {
            "object": {
                "id": f"ch_{event_id}",
                "object": "charge",
                "payment_intent": payment_intent,
                "amount_refunded": refunded,
            }
        },
    }
