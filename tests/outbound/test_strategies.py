"""Strategies are refused when a step can never fire, names an unknown template or loops;
saved ones are versioned and audited, and only admins save them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session

from backend.audit.models import AuditEvent
from backend.contact.rules import rules_for
from backend.creditors.models import Portfolio
from backend.outbound.strategies import problems
from shared.schemas.enums import Role
from shared.schemas.outbound import StrategyDefinition
from tests import builders as b

TEMPLATES = {"saldo", "promesa"}


def strategy(*steps: dict[str, Any], **segment: Any) -> StrategyDefinition:
    return StrategyDefinition.model_validate({"segment": segment, "steps": list(steps)})


def step(id: str, kind: str, channels: tuple[str, ...] = ("whatsapp", "sms"), **trigger: Any):
    return {
        "id": id,
        "trigger": {"kind": kind, **trigger},
        "channels": list(channels),
        "template": "saldo",
    }


def test_a_sound_strategy_has_no_problems() -> None:
    sound = strategy(
        step("antes", "due_in_days", days=3),
        step("mora7", "days_past_due", days=7),
        step("seguimiento", "after_step", step="mora7", hours=72),
        step("promesa", "promise_due"),
        aging_buckets=["current", "1-30"],
    )
    assert problems(sound, TEMPLATES, rules_for("PE")) == []


@pytest.mark.parametrize(
    ("definition", "reason"),
    [
        (
            strategy(step("mora45", "days_past_due", days=45), aging_buckets=["1-30"]),
            "step mora45 can never fire: the segment takes accounts 1-30 days past due, never 45",
        ),
        (
            strategy(step("antes", "due_in_days", days=2), aging_buckets=["31-60"]),
            "step antes can never fire: the segment takes only accounts already past due",
        ),
        (
            strategy(
                step("a", "after_step", step="b", hours=1),
                step("b", "after_step", step="a", hours=1),
            ),
            "steps a -> b -> a form a loop",
        ),
        (
            strategy(step("x", "days_past_due", days=5) | {"template": "desconocida"}),
            "step x: unknown template desconocida",
        ),
        (strategy(step("x", "days_past_due")), "step x: the trigger days_past_due needs days"),
        (
            strategy(step("x", "after_step", step="nada", hours=2)),
            "step x: it follows an unknown step nada",
        ),
        (
            strategy(step("x", "promise_due"), step("x", "promise_broken")),
            "step x: the id is used twice",
        ),
        (
            strategy(step("x", "promise_due", channels=("sms", "sms"))),
            "step x: a channel is listed twice",
        ),
        (
            strategy(step("x", "promise_due"), min_balance_minor=500, max_balance_minor=100),
            "the segment's minimum balance is above its maximum",
        ),
    ],
)
def test_problems_are_named(definition: StrategyDefinition, reason: str) -> None:
    assert reason in problems(definition, TEMPLATES, rules_for("PE"))


def test_a_step_whose_channels_the_rules_never_allow_never_fires() -> None:
    no_sms = rules_for(
        "MX", {"hours": [{"channels": ["sms"], "days": {}}, {"days": {"0": [["08:00", "20:00"]]}}]}
    )
    only_sms = strategy(
        step("x", "promise_due", channels=("sms",)), step("y", "after_step", step="x", hours=1)
    )
    found = problems(only_sms, TEMPLATES, no_sms)
    assert (
        "step x can never fire: the contact rules allow none of its channels at any hour" in found
    )
    assert "step y can never fire: it follows step x, which never fires" in found


def _url(portfolio: Portfolio, name: str = "") -> str:
    return f"/api/v1/portfolios/{portfolio.id}/strategies" + (f"/{name}" if name else "")


def test_saving_versions_and_refusing_over_the_api(session: Session, client) -> None:
    portfolio = b.portfolio(session)
    admin_user = b.user(session, Role.admin)
    admin = b.headers(admin_user, lang="es")
    client.put(
        f"/api/v1/portfolios/{portfolio.id}/templates/saldo/es",
        json={"body": "Saldo: {{ balance }}"},
        headers=admin,
    )
    body = {"steps": [step("mora7", "days_past_due", days=7)]}
    first = client.put(_url(portfolio, "cobranza"), json=body, headers=admin)
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 1
    assert client.put(_url(portfolio, "cobranza"), json=body, headers=admin).json()["version"] == 1
    body["steps"].append(step("mora30", "days_past_due", days=30))
    second = client.put(_url(portfolio, "cobranza"), json=body, headers=admin)
    assert second.json()["version"] == 2
    versions = client.get(_url(portfolio, "cobranza"), headers=admin).json()
    assert [v["version"] for v in versions] == [2, 1]
    assert [s["name"] for s in client.get(_url(portfolio), headers=admin).json()] == ["cobranza"]
    audited = (
        session.execute(select(AuditEvent.action).where(AuditEvent.entity_type == "strategy"))
        .scalars()
        .all()
    )
    assert audited == ["strategy.saved", "strategy.saved"]

    bad = client.put(
        _url(portfolio, "otra"),
        json={
            "steps": [step("x", "promise_due") | {"template": "nada"}],
            "segment": {"aging_buckets": ["1-30"]},
        },
        headers=admin,
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_strategy"
    assert bad.json()["details"] == ["step x: unknown template nada"]
    malformed = client.put(_url(portfolio, "otra"), json={"steps": [{"id": "x"}]}, headers=admin)
    assert malformed.status_code == 422
    supervisor = b.headers(b.user(session, Role.supervisor))
    assert client.put(_url(portfolio, "otra"), json=body, headers=supervisor).status_code == 403
    assert client.get(_url(portfolio, "nada"), headers=admin).status_code == 404
