"""The IDOR walk: every operation of the OpenAPI (``app.openapi()``), sent by every other party
with the ids of the objects one party owns (``parties.py``): its teammate agent (agent-agent),
the other team's agent and supervisor (across teams), the bot (through another debtor's
verified chat, and with its own token on staff paths), and another creditor's users (one
granted writes, and their admin: creditor-creditor). The debtor acts through their chat; the
pages a debtor opens (``/pay``, ``/receipts``) take a token that is itself the credential.

For each operation and each attacker:
- an operation that names the victim's objects (in its path or its body) must not answer 2xx;
- no answer may carry anything of the victim's the request did not already name (ids of their
  objects, the debtor's names, document, phone);
- nothing of the victim's changes (accounts, debtor, what hangs from the accounts, bindings).
Then the victim's side sends the same request and must get a 2xx: the request itself is
sound, so a refusal above is the scope's doing and this test can fail.

Every operation is listed below (``OPERATIONS`` or ``EXEMPT``): a new endpoint fails
``test_every_operation_is_walked`` until it is given its request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.demo.reminders import STRATEGY as STRATEGY_BODY
from tests import builders as b
from tests.api.parties import CHAT_A, CHAT_B, VICTIM_DOCUMENT, Scene, build, victim_state
from tests.field import helpers as field_app
from tests.imports.helpers import csv_bytes, row
from tests.plans.helpers import today

S = Callable[[Scene], Any]


@dataclass(frozen=True)
class Op:
    """How to send one operation. ``owner`` sends the control (None: the operation names
    nothing of the victim's, only the checks on the attackers' answers apply); ``private``: it
    names the victim's objects, so an attacker's 2xx fails."""

    owner: str | None
    body: S | None = None
    query: S | None = None
    files: S | None = None
    ids: dict[str, S] = field(default_factory=dict)
    private: bool = True


def shared(body: S | None = None, query: S | None = None, files: S | None = None) -> Op:
    """An operation on the agency's shared objects (creditors, portfolios and their policies,
    templates, strategies, statements) or a list scoped by the caller: any staff member may
    get a 2xx, never the victim's data."""
    return Op(None, body=body, query=query, files=files, private=False)


def _later(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


ACCOUNT = "/api/v1/accounts/{account_id}"
BOT = "/api/v1/bot/{channel}/{user_id}"
POLICY = "/api/v1/portfolios/{portfolio_id}/negotiation-policy"
TEMPLATE = "/api/v1/portfolios/{portfolio_id}/templates/{name}/{language}"
STRATEGY = "/api/v1/portfolios/{portfolio_id}/strategies/{name}"
LINE = "/api/v1/statements/{statement_id}/lines/{line_id}"

OPERATIONS: dict[tuple[str, str], Op] = {
    # Users: a supervisor sees their team, admins change anyone.
    ("GET", "/api/v1/users/me"): shared(),
    ("GET", "/api/v1/users"): shared(query=lambda s: {"supervisor_id": str(s.sup_a.id)}),
    ("POST", "/api/v1/users"): shared(
        body=lambda s: {
            "email": "new@test.cobro",
            "full_name": "N",
            "password": "long-enough-1",
            "role": "agent",
            "supervisor_id": str(s.sup_a.id),
        }
    ),
    ("GET", "/api/v1/users/{user_id}"): Op("sup_a"),
    ("PATCH", "/api/v1/users/{user_id}"): Op("admin", body=lambda s: {"full_name": "A. B."}),
    # Creditors and portfolios: the agency's clients, seen by all, changed by admins.
    ("GET", "/api/v1/creditors"): shared(),
    ("POST", "/api/v1/creditors"): shared(body=lambda s: {"name": "Banco X", "country": "PE"}),
    ("GET", "/api/v1/creditors/{creditor_id}"): shared(),
    ("PATCH", "/api/v1/creditors/{creditor_id}"): shared(body=lambda s: {"tax_id": "1"}),
    ("GET", "/api/v1/portfolios"): shared(),
    ("POST", "/api/v1/portfolios"): shared(
        body=lambda s: {
            "creditor_id": str(s.portfolio.creditor_id),
            "name": "Otra",
            "currency": "PEN",
            "country": "PE",
            "timezone": "America/Lima",
        }
    ),
    ("GET", "/api/v1/portfolios/{portfolio_id}"): shared(),
    ("PATCH", "/api/v1/portfolios/{portfolio_id}"): shared(body=lambda s: {"name": "Lima 2"}),
    # Debtors.
    ("GET", "/api/v1/debtors"): shared(query=lambda s: {"q": VICTIM_DOCUMENT}),
    # The victim's document: refused to everyone (it exists); only its holders learn the id.
    ("POST", "/api/v1/debtors"): Op(
        None,
        body=lambda s: {
            "portfolio_id": str(s.portfolio.id),
            "id_type": "DNI",
            "id_number": VICTIM_DOCUMENT,
            "first_name": "Otra",
        },
    ),
    ("GET", "/api/v1/debtors/{debtor_id}"): Op("a1"),
    ("PATCH", "/api/v1/debtors/{debtor_id}"): Op("a1", body=lambda s: {"first_name": "Zoe"}),
    ("POST", "/api/v1/debtors/{debtor_id}/opt-in"): Op(
        "admin", body=lambda s: {"channels": ["sms"], "reason": "signed form 44"}
    ),
    ("POST", "/api/v1/debtors/{debtor_id}/chat-link"): Op("a1", body=lambda s: {}),
    # Their personal data: who read it and its export (staff), its erasure (admins).
    ("GET", "/api/v1/debtors/{debtor_id}/reads"): Op("sup_a"),
    ("GET", "/api/v1/debtors/{debtor_id}/export"): Op("sup_a", query=lambda s: {"format": "csv"}),
    ("POST", "/api/v1/debtors/{debtor_id}/erase"): Op(
        "admin", body=lambda s: {"reason": "court order 17", "legal_order": True}
    ),
    # Accounts and what hangs from them.
    ("GET", "/api/v1/accounts"): shared(
        query=lambda s: {"debtor_id": str(s.debtor.id), "assigned_agent_id": str(s.a1.id)}
    ),
    ("POST", "/api/v1/accounts"): Op(
        "sup_a",
        body=lambda s: {
            "portfolio_id": str(s.portfolio.id),
            "debtor_id": str(s.debtor.id),
            "external_ref": "VIC-9",
            "product": "Préstamo",
            "principal": "100.00",
            "currency": "PEN",
            "due_date": _later(30),
        },
    ),
    ("POST", "/api/v1/accounts/assign"): Op(
        "sup_a", body=lambda s: {"account_ids": [str(s.account.id)], "agent_id": None}
    ),
    ("GET", ACCOUNT): Op("a1"),
    ("PATCH", ACCOUNT): Op("sup_a", body=lambda s: {"product": "Préstamo"}),
    ("GET", f"{ACCOUNT}/timeline"): Op("a1"),
    ("GET", f"{ACCOUNT}/ledger"): Op("a1"),
    ("POST", f"{ACCOUNT}/ledger"): Op(
        "sup_a",
        body=lambda s: {
            "kind": "payment",
            "amount": "10.00",
            "currency": "PEN",
            "effective_date": today().isoformat(),
            "idempotency_key": "k-1",
        },
    ),
    ("GET", f"{ACCOUNT}/contacts"): Op("a1"),
    ("PUT", f"{ACCOUNT}/reminders/pause"): Op("sup_a"),
    ("DELETE", f"{ACCOUNT}/reminders/pause"): Op("sup_a"),
    ("POST", f"{ACCOUNT}/offers"): Op("a1", body=lambda s: {}),
    ("POST", f"{ACCOUNT}/proposals"): Op(
        "a1", body=lambda s: {"kind": "plan_by_count", "instalments": 3}
    ),
    ("GET", f"{ACCOUNT}/plans"): Op("a1"),
    ("POST", f"{ACCOUNT}/promises"): Op(
        "a1", body=lambda s: {"amount": "10.00", "currency": "PEN", "due_date": _later(3)}
    ),
    ("GET", f"{ACCOUNT}/promises"): Op("a1"),
    ("POST", f"{ACCOUNT}/payment-links"): Op("a1", body=lambda s: {"purpose": "balance"}),
    ("GET", f"{ACCOUNT}/payment-links"): Op("a1"),
    ("GET", f"{ACCOUNT}/payments"): Op("a1"),
    ("POST", f"{ACCOUNT}/field-payments"): Op(
        "a1",
        body=lambda s: {
            "client_id": "cash-0001",
            "amount": "10.00",
            "currency": "PEN",
            "method": "cash",
            "receipt_number": "R-1",
            "paid_on": today().isoformat(),
        },
    ),
    ("POST", "/api/v1/ledger/{entry_id}/reverse"): Op(
        "sup_a", body=lambda s: {"idempotency_key": "undo-1"}
    ),
    # Disputes, their evidence, and the debtor's documents.
    ("POST", f"{ACCOUNT}/disputes"): Op(
        "a1",
        body=lambda s: {
            "reason": "not_recognised",
            "statement": "No reconozco esta deuda",
            "client_key": "d-1",
        },
    ),
    ("GET", f"{ACCOUNT}/disputes"): Op("a1", ids={"account_id": lambda s: s.disputed.id}),
    ("POST", f"{ACCOUNT}/evidence"): Op(
        "a1", files=lambda s: {"file": ("voucher.png", b"\x89PNG voucher", "image/png")}
    ),
    ("GET", "/api/v1/disputes"): shared(query=lambda s: {"status": "open"}),
    ("GET", "/api/v1/disputes/{dispute_id}"): Op("a1"),
    ("GET", "/api/v1/evidence/{evidence_id}"): Op(
        "a1", ids={"evidence_id": lambda s: s.voucher.id}
    ),
    ("GET", "/api/v1/disputes/{dispute_id}/evidence/{upload_id}"): Op(
        "a1", ids={"upload_id": lambda s: s.evidence.id}
    ),
    ("POST", "/api/v1/disputes/{dispute_id}/resolve"): Op(
        "sup_a", body=lambda s: {"outcome": "rejected", "note": "La deuda es correcta"}
    ),
    ("POST", f"{ACCOUNT}/certificate"): Op("a1", ids={"account_id": lambda s: s.paid.id}),
    ("GET", f"{ACCOUNT}/certificate"): Op("a1", ids={"account_id": lambda s: s.paid.id}),
    ("GET", f"{ACCOUNT}/certificate.pdf"): Op("a1", ids={"account_id": lambda s: s.paid.id}),
    ("GET", "/api/v1/payments/{payment_id}/receipt.pdf"): Op("a1"),
    ("GET", "/api/v1/payments/{payment_id}/receipt-qr.png"): Op("a1"),
    ("GET", "/api/v1/plans/{plan_id}/schedule.pdf"): Op("a1"),
    ("GET", "/api/v1/offers/{offer_id}"): Op("a1"),
    ("POST", "/api/v1/offers/{offer_id}/accept"): Op("a1", body=lambda s: {}),
    ("GET", "/api/v1/plans/{plan_id}"): Op("a1"),
    ("POST", "/api/v1/plans/{plan_id}/cancel"): Op(
        "a1", body=lambda s: {"reason": "por pedido del deudor"}
    ),
    ("GET", "/api/v1/promises/kpis"): shared(),
    # KPIs: scoped by the caller's team (agents refused), never another team's figures.
    ("GET", "/api/v1/analytics/portfolio"): shared(),
    ("GET", "/api/v1/analytics/agents"): shared(),
    ("GET", "/api/v1/analytics/channels"): shared(),
    ("GET", "/api/v1/analytics/accounts"): shared(),
    ("GET", "/api/v1/analytics/export"): shared(query=lambda s: {"report": "accounts"}),
    ("GET", "/api/v1/tasks"): shared(
        query=lambda s: {"account_id": str(s.account.id), "assignee_id": str(s.a1.id)}
    ),
    ("GET", "/api/v1/tasks/{task_id}"): Op("a1"),
    ("POST", "/api/v1/tasks/{task_id}/close"): Op("a1", body=lambda s: {"status": "done"}),
    ("POST", "/api/v1/tasks/{task_id}/approve"): Op(
        "sup_a", ids={"task_id": lambda s: s.approval.id}
    ),
    ("GET", "/api/v1/audit-events"): shared(query=lambda s: {"entity_id": str(s.account.id)}),
    # Imports, uploads, statements.
    ("POST", "/api/v1/imports"): Op(
        "sup_a",
        query=lambda s: {"portfolio_id": str(s.portfolio.id)},
        files=lambda s: {
            "file": (
                "cartera.csv",
                csv_bytes(
                    [
                        row(
                            id_number=VICTIM_DOCUMENT,
                            first_name="Zoila",
                            last_name="Vargas",
                            external_ref="VIC-1",
                            principal="600.00",
                            interest="",
                            fees="",
                            paid="",
                        )
                    ]
                ),
                "text/csv",
            )
        },
    ),
    ("GET", "/api/v1/imports"): shared(query=lambda s: {"portfolio_id": str(s.portfolio.id)}),
    ("GET", "/api/v1/imports/{batch_id}"): Op("sup_a"),
    ("GET", "/api/v1/imports/{batch_id}/report.{fmt}"): Op("sup_a"),
    ("GET", "/api/v1/portfolios/{portfolio_id}/import-mapping"): shared(),
    ("PUT", "/api/v1/portfolios/{portfolio_id}/import-mapping"): shared(
        body=lambda s: {"columns": {"Cuenta": "external_ref"}}
    ),
    ("GET", "/api/v1/uploads/{upload_id}"): Op("sup_a"),
    ("POST", "/api/v1/statements"): shared(
        query=lambda s: {"portfolio_id": str(s.portfolio.id)},
        files=lambda s: {
            "file": (
                "extracto.csv",
                b"Fecha;Monto;Referencia;Descripcion\r\n"
                + f"{today():%d/%m/%Y};100,00;;Abono cuenta VIC-1\r\n".encode(),
                "text/csv",
            )
        },
    ),
    ("GET", "/api/v1/statements"): shared(),
    ("GET", "/api/v1/statements/{statement_id}"): shared(),
    ("POST", f"{LINE}/confirm"): Op("sup_a", body=lambda s: {"account_id": str(s.account.id)}),
    ("POST", f"{LINE}/reject"): shared(),
    # Policies, contact rules, templates, strategies, reminders: the portfolio's.
    ("GET", POLICY): shared(),
    ("PUT", POLICY): shared(body=lambda s: {**s.portfolio.negotiation_policy, "grace_days": 2}),
    ("GET", f"{POLICY}/ceilings"): shared(),
    ("PUT", f"{POLICY}/ceilings"): shared(body=lambda s: {"max_instalments": 6}),
    ("GET", "/api/v1/policy-changes"): shared(
        query=lambda s: {"portfolio_id": str(s.portfolio.id)}
    ),
    ("GET", "/api/v1/policy-changes/{change_id}"): Op("sup_a"),
    ("POST", "/api/v1/policy-changes/{change_id}/approve"): Op("admin", body=lambda s: {}),
    ("POST", "/api/v1/policy-changes/{change_id}/reject"): Op(
        "admin", body=lambda s: {"reason": "Not now"}
    ),
    # Segment rules are the portfolio's configuration; an account's segment and score its own.
    ("GET", "/api/v1/portfolios/{portfolio_id}/segment-rules"): shared(),
    ("POST", "/api/v1/portfolios/{portfolio_id}/segment-rules"): shared(
        body=lambda s: {"segment": "nuevos", "position": 99, "conditions": {}}
    ),
    ("PUT", "/api/v1/segment-rules/{rule_id}"): shared(
        body=lambda s: {"segment": "grandes", "position": 5, "conditions": {}}
    ),
    ("DELETE", "/api/v1/segment-rules/{rule_id}"): shared(),
    ("POST", "/api/v1/portfolios/{portfolio_id}/segments/evaluate"): shared(),
    ("GET", "/api/v1/accounts/{account_id}/segment"): Op("a1"),
    ("GET", "/api/v1/accounts/{account_id}/score"): Op("a1"),
    ("PUT", "/api/v1/creditors/{creditor_id}/scoring"): shared(body=lambda s: {"enabled": True}),
    ("GET", "/api/v1/creditors/{creditor_id}/propensity-models"): shared(),
    ("POST", "/api/v1/creditors/{creditor_id}/propensity-models"): shared(),
    ("POST", "/api/v1/portfolios/{portfolio_id}/experiments"): shared(
        body=lambda s: {
            "strategy": "cobranza",
            "step": "mora7",
            "variants": [
                {"key": "a", "template": "saldo"},
                {"key": "b", "template": "recordatorio"},
            ],
        }
    ),
    ("GET", "/api/v1/portfolios/{portfolio_id}/experiments"): shared(),
    ("GET", "/api/v1/experiments/{experiment_id}"): shared(),
    ("POST", "/api/v1/experiments/{experiment_id}/promote"): shared(
        body=lambda s: {"variant": "b"}
    ),
    ("GET", "/api/v1/portfolios/{portfolio_id}/contact-rules"): shared(),
    ("PUT", "/api/v1/portfolios/{portfolio_id}/contact-rules"): shared(body=lambda s: {}),
    ("GET", "/api/v1/portfolios/{portfolio_id}/templates"): shared(),
    ("GET", TEMPLATE): shared(),
    ("PUT", TEMPLATE): shared(body=lambda s: {"body": "Hola {{ first_name }}"}),
    ("POST", f"{TEMPLATE}/preview"): shared(body=lambda s: {"account_id": str(s.account.id)}),
    ("GET", "/api/v1/portfolios/{portfolio_id}/strategies"): shared(),
    ("GET", STRATEGY): Op(None, ids={"name": lambda s: s.strategy}, private=False),
    ("PUT", STRATEGY): Op(
        None,
        ids={"name": lambda s: "nueva"},
        body=lambda s: STRATEGY_BODY.model_dump(mode="json"),
        private=False,
    ),
    ("GET", "/api/v1/portfolios/{portfolio_id}/reminders/plan"): shared(
        query=lambda s: {"date": today().isoformat()}
    ),
    ("PUT", "/api/v1/portfolios/{portfolio_id}/reminders/pause"): shared(),
    ("DELETE", "/api/v1/portfolios/{portfolio_id}/reminders/pause"): shared(),
    ("GET", "/api/v1/outbound/outbox"): shared(),
    # Statuses the bot relays (role bot): they name provider message ids, no party's objects.
    ("POST", "/api/v1/outbound/deliveries"): shared(
        body=lambda s: {
            "reports": [
                {"message_id": "wamid.x", "status": "delivered", "at": f"{today()}T12:00:00Z"}
            ]
        }
    ),
    # The creditors' webhook endpoints: the agency's configuration, admins only.
    ("POST", "/api/v1/creditors/{creditor_id}/webhook-endpoints"): Op(
        "admin",
        body=lambda s: {"url": "https://hooks.example.com/other", "events": ["payment.received"]},
    ),
    ("GET", "/api/v1/creditors/{creditor_id}/webhook-endpoints"): Op("admin"),
    ("GET", "/api/v1/webhook-endpoints/{endpoint_id}"): Op("admin"),
    ("PATCH", "/api/v1/webhook-endpoints/{endpoint_id}"): Op(
        "admin", body=lambda s: {"active": False}
    ),
    ("POST", "/api/v1/webhook-endpoints/{endpoint_id}/rotate-secret"): Op("admin"),
    ("GET", "/api/v1/webhook-endpoints/{endpoint_id}/deliveries"): Op("admin"),
    ("POST", "/api/v1/webhook-deliveries/{delivery_id}/retry"): Op("admin"),
    # Credentials for bots in their own process and for machine clients: admins mint them.
    ("POST", "/api/v1/auth/bot-token"): Op("admin", body=lambda s: {"days": 1}),
    ("POST", "/api/v1/auth/api-keys"): Op(
        "admin", body=lambda s: {"name": "CRM", "user_id": str(s.a1.id)}
    ),
    ("GET", "/api/v1/auth/api-keys"): Op("admin"),
    ("DELETE", "/api/v1/auth/api-keys/{key_id}"): Op("admin"),
    # The field app.
    ("GET", "/api/v1/field/worklist"): shared(query=lambda s: {"agent_id": str(s.a1.id)}),
    ("GET", "/api/v1/field/accounts/{account_id}"): Op("a1"),
    ("POST", "/api/v1/field/sync"): Op(
        "a1",
        body=lambda s: {
            "device_id": "d-1",
            "actions": [
                field_app.payment(s.account, "10.00", "R-9"),
                field_app.promise(s.account, "5"),
            ],
        },
        private=False,  # 200 with a result per action: the victim state must not move
    ),
    ("GET", "/api/v1/field/routes"): shared(query=lambda s: {"agent_id": str(s.a1.id)}),
    ("GET", "/api/v1/field/routes/summary"): shared(),
    ("GET", "/api/v1/field/agents/{agent_id}/shift"): Op("a1"),
    ("GET", "/api/v1/field/agents/{agent_id}/cash-summary"): Op("a1"),
    ("GET", "/api/v1/field/agents/{agent_id}/cash-summary.pdf"): Op("a1"),
    ("POST", "/api/v1/field/photos"): Op(
        "a1",
        files=lambda s: {
            "client_id": (None, "photo-idor"),
            "visit_client_id": (None, s.visit.client_id),
            "file": ("door.jpg", b"\xff\xd8\xff\xe0 another photo", "image/jpeg"),
        },
    ),
    ("GET", "/api/v1/field/photos/{photo_id}"): Op("a1"),
    ("PUT", "/api/v1/field/agents/{agent_id}/shift"): Op(
        "sup_a", body=lambda s: {"start_time": "07:00", "end_time": "15:00"}
    ),
    ("POST", "/api/v1/field/plans"): Op(
        "sup_a", body=lambda s: {"date": _later(1), "agent_ids": [str(s.a1.id)]}
    ),
    ("GET", "/api/v1/field/plans"): shared(query=lambda s: {"date": _later(1)}),
    # Skipping a stop of the victim agent's day: only that agent.
    ("POST", "/api/v1/field/stop-events"): Op(
        "a1",
        body=lambda s: {
            "client_id": "idor-skip-0001",
            "kind": "skip",
            "date": _later(0),
            "debtor_id": str(s.debtor.id),
            "reason": "not_home",
        },
    ),
    # The skips and moves of the victim agent's day: that agent and their supervisor.
    ("GET", "/api/v1/field/stop-events"): Op(
        "a1", query=lambda s: {"agent_id": str(s.a1.id), "date": _later(0)}
    ),
    # The bot: through another debtor's chat, the victim's accounts and offers are missing.
    ("GET", f"{BOT}/accounts/{{account_id}}"): Op("bot"),
    ("POST", f"{BOT}/accounts/{{account_id}}/offers"): Op("bot"),
    ("POST", f"{BOT}/accounts/{{account_id}}/proposals"): Op(
        "bot", body=lambda s: {"kind": "plan_by_count", "instalments": 3}
    ),
    ("POST", f"{BOT}/offers/{{offer_id}}/accept"): Op("bot"),
    ("POST", f"{BOT}/accounts/{{account_id}}/payment-links"): Op(
        "bot", body=lambda s: {"purpose": "balance", "message_id": "m-1"}
    ),
    ("POST", f"{BOT}/accounts/{{account_id}}/promises"): Op(
        "bot", body=lambda s: {"amount": "10.00", "due_date": _later(3), "message_id": "m-2"}
    ),
    ("POST", f"{BOT}/accounts/{{account_id}}/disputes"): Op(
        "bot",
        body=lambda s: {"reason": "not_recognised", "statement": "No es mía", "message_id": "m-5"},
    ),
    ("GET", f"{BOT}/accounts/{{account_id}}/disputes"): Op(
        "bot", ids={"account_id": lambda s: s.disputed.id}
    ),
    ("POST", f"{BOT}/accounts/{{account_id}}/evidence"): Op(
        "bot", files=lambda s: {"file": ("voucher.jpg", b"\xff\xd8 voucher", "image/jpeg")}
    ),
    ("GET", f"{BOT}/accounts/{{account_id}}/payments"): Op(
        "bot", ids={"account_id": lambda s: s.paid.id}
    ),
    ("GET", f"{BOT}/payments/{{payment_id}}/receipt.pdf"): Op("bot"),
    ("GET", f"{BOT}/accounts/{{account_id}}/schedule.pdf"): Op(
        "bot", ids={"account_id": lambda s: s.planned.id}
    ),
    ("POST", f"{BOT}/accounts/{{account_id}}/certificate"): Op(
        "bot", ids={"account_id": lambda s: s.paid.id}
    ),
    ("GET", f"{BOT}/accounts/{{account_id}}/certificate.pdf"): Op(
        "bot", ids={"account_id": lambda s: s.paid.id}
    ),
    ("POST", f"{BOT}/notices/{{notice_id}}/shown"): Op("bot"),
    # Per chat: another chat reaches only its own debtors' accounts.
    ("POST", f"{BOT}/evidence"): Op(
        "bot",
        query=lambda s: {"message_id": "voucher-2"},
        files=lambda s: {"file": ("voucher.jpg", b"\xff\xd8 voucher", "image/jpeg")},
        private=False,
    ),
    ("POST", f"{BOT}/unreachable"): Op("bot", body=lambda s: {"reason": "blocked"}, private=False),
    ("POST", f"{BOT}/accounts/{{account_id}}/portal-link"): Op("bot"),
    ("POST", f"{BOT}/handoff"): Op(
        "bot", body=lambda s: {"message_id": "m-3", "account_id": str(s.account.id)}
    ),
    # The chat itself: the bot speaks for any chat (its credential is the bot's); what a chat
    # reaches is its own binding. Staff never reach these.
    ("GET", f"{BOT}/state"): shared(),
    ("PUT", f"{BOT}/state"): shared(body=lambda s: {"step": "menu"}),
    ("POST", f"{BOT}/inbox"): shared(body=lambda s: {"message_id": "m-4"}),
    ("POST", f"{BOT}/inbox/settle"): shared(
        body=lambda s: {"message_id": "m-4", "delivered": True}
    ),
    ("POST", f"{BOT}/identify/token"): shared(body=lambda s: {"token": "not-a-token"}),
    ("POST", f"{BOT}/identify"): shared(
        body=lambda s: {"id_number": VICTIM_DOCUMENT, "phone_last4": "0000"}
    ),
    ("GET", f"{BOT}/accounts"): shared(),
    ("GET", f"{BOT}/paid-accounts"): shared(),
    # Ends only the sending chat's own binding (the victim's stays: ``victim_state``).
    ("POST", f"{BOT}/unbind"): shared(),
    ("GET", f"{BOT}/notices"): shared(),
    ("POST", f"{BOT}/opt-out"): shared(),
    ("POST", f"{BOT}/opt-in"): shared(),
    ("GET", f"{BOT}/contact-preferences"): shared(),
    ("PUT", f"{BOT}/contact-preferences"): shared(body=lambda s: {"opted_out": ["sms"]}),
}

# Operations no party's id reaches: their credential is not a user's token.
EXEMPT = {
    ("POST", "/api/v1/auth/token"): "the login itself",
    ("POST", "/api/v1/auth/refresh"): "the refresh token in the body is the credential",
    ("POST", "/api/v1/auth/logout"): "the refresh token in the body is the credential",
    ("POST", "/api/v1/payments/webhooks/stripe"): "Stripe's signature is the credential",
    ("POST", "/api/v1/outbound/webhooks/twilio"): "Twilio's signature is the credential",
    ("GET", "/pay/{token}"): "the link's token is the debtor's credential",
    ("POST", "/pay/{token}/sandbox"): "the link's token is the debtor's credential",
    ("GET", "/receipts/{code}"): "the receipt's verification code is the credential",
    ("GET", "/certificates/{code}"): "the certificate's verification code is the credential",
    ("GET", "/unsubscribe/{token}"): "the link's signed token is the recipient's credential",
    ("POST", "/unsubscribe/{token}"): "the link's signed token is the recipient's credential",
    ("GET", "/healthz"): "no data",
    ("GET", "/livez"): "no data",
    ("GET", "/readyz"): "no data",
}

ATTACKERS = ("a2", "b1", "sup_b", "bot", "cred_b", "cred_b_admin")
PATH_IDS: dict[str, S] = {
    "user_id": lambda s: s.a1.id,
    "debtor_id": lambda s: s.debtor.id,
    "account_id": lambda s: s.account.id,
    "entry_id": lambda s: s.entry.id,
    "offer_id": lambda s: s.offer.id,
    "plan_id": lambda s: s.plan.id,
    "task_id": lambda s: s.task.id,
    "batch_id": lambda s: s.batch.id,
    "upload_id": lambda s: s.upload.id,
    "change_id": lambda s: s.change.id,
    "statement_id": lambda s: s.statement.id,
    "line_id": lambda s: s.line.id,
    "payment_id": lambda s: s.payment.id,
    "dispute_id": lambda s: s.dispute.id,
    "notice_id": lambda s: s.notice.id,
    "agent_id": lambda s: s.a1.id,
    "photo_id": lambda s: s.photo.id,
    "endpoint_id": lambda s: s.endpoint.id,
    "delivery_id": lambda s: s.delivery.id,
    "key_id": lambda s: s.api_key.id,
    "rule_id": lambda s: s.segment_rule.id,
    "experiment_id": lambda s: s.experiment.id,
    "portfolio_id": lambda s: s.portfolio.id,
    "creditor_id": lambda s: s.portfolio.creditor_id,
    "name": lambda s: s.template[0],
    "language": lambda s: s.template[1],
    "fmt": lambda s: "csv",
    "channel": lambda s: "telegram",
}


def _operations() -> list[tuple[str, str]]:
    from backend.main import app

    return [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    ]


def test_every_operation_is_walked() -> None:
    found = set(_operations())
    assert found - OPERATIONS.keys() - EXEMPT.keys() == set()
    assert (OPERATIONS.keys() | EXEMPT.keys()) - found == set()  # nothing listed outlives it


def _request(
    client: TestClient, scene: Scene, key: tuple[str, str], op: Op, who: str, owner: bool = False
) -> tuple[Any, str]:
    """Send the operation as ``who`` (the bot through the victim's chat when it is the
    ``owner``, else through the other debtor's); the answer and everything the request named."""
    method, path = key
    ids = {**PATH_IDS, **op.ids}
    chat = CHAT_B if who == "bot" and not owner else CHAT_A
    url = path.replace("{user_id}", chat) if path.startswith(BOT) else path
    for name in re.findall(r"{(\w+)}", url):
        url = url.replace(f"{{{name}}}", str(ids[name](scene)))
    body = op.body(scene) if op.body else None
    query = op.query(scene) if op.query else None
    user = scene.user(who)
    answer = client.request(
        method,
        url,
        headers=b.headers(user),
        params=query,
        **({"files": op.files(scene)} if op.files else {"json": body}),
    )
    return answer, f"{url} {query} {body}"


def _leaks(scene: Scene, answer: Any, sent: str) -> list[str]:
    text = answer.text
    return [name for name, secret in scene.secrets.items() if secret in text and secret not in sent]


@pytest.mark.parametrize("key", sorted(OPERATIONS), ids=lambda key: f"{key[0]} {key[1]}")
def test_no_party_reaches_anothers_objects(
    client: TestClient, session: Session, key: tuple[str, str]
) -> None:
    scene = build(session)
    op = OPERATIONS[key]
    before = victim_state(session, scene)
    for attacker in ATTACKERS:
        answer, sent = _request(client, scene, key, op, attacker)
        where = f"{attacker}: {answer.status_code} {answer.text[:300]}"
        assert answer.status_code < 500, where
        if op.private:
            assert not 200 <= answer.status_code < 300, where
        assert _leaks(scene, answer, sent) == [], where
        assert victim_state(session, scene) == before, where
    if op.owner is not None:
        answer, _ = _request(client, scene, key, op, op.owner, owner=True)
        assert 200 <= answer.status_code < 300, f"{op.owner}: {answer.text[:500]}"
