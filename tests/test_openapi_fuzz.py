"""Schemathesis over the whole OpenAPI, as an admin and as an agent.

Every operation gets positive and negative examples; every response must be free of server
errors, use a documented status code and match its documented schema. Generated ids are often
swapped for ids of seeded rows, so the fuzzer reaches past the 404s into the real work.
Requests run inside the test transaction (the ``app`` fixture), so nothing outlives the test.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from pydantic import BaseModel
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session

from backend.users.models import User
from shared.schemas.enums import EntryKind, Role
from tests import builders as b

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
FUZZ_SETTINGS = settings(
    max_examples=12,
    derandomize=True,  # the same examples every run: a failure here is reproducible
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)
# Body fields that name an account, for requests that act on several at once.
ACCOUNT_LISTS = {"account_ids"}


def seed(session: Session, caller: User) -> dict[str, str]:
    """Rows (and values) the fuzzer can aim at, by the parameter names the API uses."""
    supervisor = b.user(session, Role.supervisor)
    agent = caller if caller.role == Role.agent else b.user(session, Role.agent)
    agent.supervisor_id = supervisor.id
    other_agent = b.user(session, Role.agent, supervisor=supervisor)
    portfolio = b.portfolio(session)
    debtor = b.debtor(session, portfolio, phone="+51987654321")
    account = b.account(session, portfolio, agent=agent, owner=debtor, days_past_due=20)
    payment = b.ledger_entry(session, account, EntryKind.payment, amount_minor=5_000)
    b.account(session, portfolio, agent=other_agent)
    return {
        "user_id": str(other_agent.id),
        "agent_id": str(other_agent.id),
        "assigned_agent_id": str(agent.id),
        "supervisor_id": str(supervisor.id),
        "actor_id": str(caller.id),
        "creditor_id": str(portfolio.creditor_id),
        "portfolio_id": str(portfolio.id),
        "debtor_id": str(debtor.id),
        "account_id": str(account.id),
        "entry_id": str(payment.id),
        "entity_id": str(account.id),
        "currency": "PEN",
        "amount": "12.34",  # valid in PEN, so posts get past the precision check
        "principal": "1500.00",
    }


def aim(case: Case, known: dict[str, str], data: st.DataObject) -> None:
    """Swap some generated values for seeded ids (each one independently, by coin flip)."""
    for container in (case.path_parameters, case.query):
        if isinstance(container, dict):
            for name in container.keys() & known.keys():
                if data.draw(st.booleans(), label=name):
                    container[name] = known[name]
    if isinstance(case.body, dict):
        for name in case.body.keys() & known.keys():
            if data.draw(st.booleans(), label=name):
                case.body[name] = known[name]
        for name in case.body.keys() & ACCOUNT_LISTS:
            if data.draw(st.booleans(), label=name):
                case.body[name] = [known["account_id"]]


def fuzz(app: FastAPI, known: dict[str, str], headers: dict[str, str]) -> list[str]:
    """Run every operation in both generation modes; the failures found, described."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @FUZZ_SETTINGS
            @given(case=operation.as_strategy(mode), data=st.data())
            def run(case: Case, data: st.DataObject) -> None:
                aim(case, known, data)
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
                continue
            except (Exception, FailureGroup) as failure:  # collected: one run reports all
                failures.append(f"{operation.label} [{mode.value}]\n{failure}")
    return failures


@pytest.mark.slow
@pytest.mark.parametrize("role", [Role.admin, Role.agent])
def test_openapi_has_no_server_errors_and_keeps_its_schema(
    app: FastAPI, session: Session, role: Role
) -> None:
    caller = b.user(session, role)
    known = seed(session, caller)
    failures = fuzz(app, known, b.headers(caller))
    assert not failures, "\n\n".join(failures)


def test_the_harness_reports_what_it_finds() -> None:
    """A 500 and a response off its schema must both be reported, not passed silently."""
    canary = FastAPI()

    @canary.get("/boom/{n}")
    def boom(n: int) -> dict[str, int]:
        if n % 2:
            raise RuntimeError("odd")
        return {"n": n}

    @canary.get("/shape", responses={200: {"model": Canary}})
    def shape() -> JSONResponse:
        return JSONResponse({"name": 42})

    failures = fuzz(canary, {}, {})
    assert any(f.startswith("GET /boom/{n}") and "odd" in f for f in failures)
    assert any(f.startswith("GET /shape") and "schema" in f.lower() for f in failures)


class Canary(BaseModel):
    name: str
