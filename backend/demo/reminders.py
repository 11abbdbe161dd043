"""The demo portfolios' reminders: two templates in Spanish and English and one strategy, so
a new user of ``make run`` sees the outbound engine plan and (into the development outbox) send."""

from __future__ import annotations

from sqlmodel import Session

from backend.audit.service import Actor
from backend.creditors.models import Portfolio
from backend.outbound import service
from backend.outbound.guards import StrategySlot, TemplateSlot
from backend.outbound.models import Strategy
from shared.schemas.enums import Language
from shared.schemas.outbound import StrategyDefinition, TemplateWrite

TEMPLATES: dict[str, dict[Language, TemplateWrite]] = {
    "recordatorio": {
        Language.es: TemplateWrite(
            subject="Recordatorio de pago a {{ creditor }}",
            body="Hola {{ first_name }}, le recordamos que su pago de {{ amount }} a "
            "{{ creditor }} vence el {{ due_date }}. Pague en un toque: {{ payment_link }}",
        ),
        Language.en: TemplateWrite(
            subject="Payment reminder from {{ creditor }}",
            body="Hi {{ first_name }}, your payment of {{ amount }} to {{ creditor }} is due on "
            "{{ due_date }}. Pay in one tap: {{ payment_link }}",
        ),
    },
    "saldo": {
        Language.es: TemplateWrite(
            subject="Su deuda con {{ creditor }}",
            body="Hola {{ first_name }}, su cuenta {{ reference }} con {{ creditor }} tiene un "
            "saldo vencido de {{ balance }}. Pague aquí: {{ payment_link }} o converse con "
            "nosotros para acordar cuotas: {{ chat_link }}",
        ),
        Language.en: TemplateWrite(
            subject="Your debt with {{ creditor }}",
            body="Hi {{ first_name }}, your account {{ reference }} with {{ creditor }} has an "
            "overdue balance of {{ balance }}. Pay here: {{ payment_link }} or chat with us to "
            "agree on instalments: {{ chat_link }}",
        ),
    },
}

STRATEGY = StrategyDefinition.model_validate(
    {
        "steps": [
            {
                "id": "antes",
                "trigger": {"kind": "due_in_days", "days": 3},
                "channels": ["whatsapp", "sms", "email"],
                "template": "recordatorio",
            },
            {
                "id": "mora7",
                "trigger": {"kind": "days_past_due", "days": 7},
                "channels": ["whatsapp", "sms"],
                "template": "saldo",
            },
            {
                "id": "mora30",
                "trigger": {"kind": "days_past_due", "days": 30},
                "channels": ["sms", "email"],
                "template": "saldo",
                "wait_hours": 48,
            },
            {
                "id": "promesa",
                "trigger": {"kind": "promise_due"},
                "channels": ["whatsapp", "sms"],
                "template": "recordatorio",
            },
            {
                "id": "promesa_rota",
                "trigger": {"kind": "promise_broken"},
                "channels": ["whatsapp", "sms"],
                "template": "saldo",
            },
        ]
    }
)


def add_reminders(session: Session, actor: Actor, portfolio: Portfolio) -> Strategy:
    """The templates and the strategy (returned: the demo's past reminders name it)."""
    for name, languages in TEMPLATES.items():
        for language, template in languages.items():
            service.put_template(
                session, actor, TemplateSlot(portfolio, name, language, None), template
            )
    return service.put_strategy(session, actor, StrategySlot(portfolio, "cobranza", []), STRATEGY)
