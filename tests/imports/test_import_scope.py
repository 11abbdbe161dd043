"""Imports stay within the importing user's scope: a supervisor's file updates only their team's
accounts and the debtors they may see. A row naming anything else is refused with one code,
``reference_not_available``, whatever stands behind it, and the file writes nothing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from backend.creditors.models import Portfolio
from backend.debtors.models import Debtor, document_index
from backend.imports import stream
from backend.imports.errors import ImportInvalid
from backend.users.models import User
from shared.schemas.enums import Role
from tests import builders as b
from tests.imports.helpers import account, counts, csv_bytes, entries, row, run
from tests.imports.test_import_chunks import _statements


@dataclass
class Teams:
    portfolio: Portfolio
    admin: User
    boss_a: User
    boss_b: User
    agent_a: User
    agent_b: User


@pytest.fixture
def teams(session: Session) -> Teams:
    """Team A holds account TA-1 of Rosa (DNI 45871236), 99,000.00 owed; team B is empty."""
    portfolio = b.portfolio(session)
    boss_a, boss_b = b.user(session, Role.supervisor), b.user(session, Role.supervisor)
    agent_a = b.user(session, Role.agent, supervisor=boss_a, email="a@team.cobro")
    agent_b = b.user(session, Role.agent, supervisor=boss_b, email="b@team.cobro")
    teams = Teams(portfolio, b.user(session, Role.admin), boss_a, boss_b, agent_a, agent_b)
    run(
        session,
        portfolio,
        csv_bytes(
            [
                row(
                    external_ref="TA-1",
                    principal="99000.00",
                    interest="",
                    fees="",
                    paid="",
                    agent_email="a@team.cobro",
                )
            ]
        ),
        user=boss_a,
    )
    return teams


def _refused(session: Session, teams: Teams, who: User, rows: list[dict]) -> list[dict]:
    before = counts(session)
    with pytest.raises(ImportInvalid) as exc:
        run(session, teams.portfolio, csv_bytes(rows), user=who)
    after = counts(session)
    # Only the rejected batch and its audit event remain.
    assert {k: after[k] - before[k] for k in after} == {
        "debtors": 0,
        "debtor_phones": 0,
        "debtor_addresses": 0,
        "accounts": 0,
        "ledger_entries": 0,
        "audit_events": 1,
        "import_batches": 1,
    }
    return exc.value.params["details"]["errors"]


def _unchanged(session: Session, teams: Teams) -> None:
    ta1 = account(session, teams.portfolio, "TA-1")
    session.refresh(ta1)
    assert (ta1.assigned_agent_id, ta1.balance_minor) == (teams.agent_a.id, 9_900_000)
    assert len(entries(session, ta1.id)) == 1
    rosa = session.execute(
        select(Debtor).where(Debtor.id_number_index == document_index("45871236"))
    ).scalar_one()
    assert (rosa.first_name, rosa.last_name) == ("Rosa", "Quispe")


def test_another_team_cannot_take_over_an_account_through_import(
    session: Session, teams: Teams
) -> None:
    """The attack of the issue: team A's reference and document, team B's agent, a lower
    principal and another name."""
    takeover = row(
        external_ref="TA-1",
        first_name="Mallory",
        principal="49000.00",
        interest="",
        fees="",
        paid="",
        agent_email="b@team.cobro",
    )
    errors = _refused(session, teams, teams.boss_b, [takeover])
    assert [(e["row"], e["column"], e["code"]) for e in errors] == [
        (2, "external_ref", "reference_not_available")
    ]
    _unchanged(session, teams)


def test_every_way_into_another_teams_data_gets_the_same_answer(
    session: Session, teams: Teams
) -> None:
    """A reused reference with another document, a new reference for the other team's debtor,
    and the takeover itself answer alike (``account_debtor_changed`` would confirm the
    reference): the report tells nothing of what stands behind."""
    rows = [
        row(external_ref="TA-1", id_number="11111111", first_name="Otro"),
        row(external_ref="NEW-1", agent_email="b@team.cobro"),
        row(external_ref="TA-1", agent_email="b@team.cobro"),
    ]
    errors = []
    for one in rows:
        [error] = _refused(session, teams, teams.boss_b, [one])
        errors.append(error)
    assert len({(e["column"], e["code"], e["reason"]) for e in errors}) == 1
    assert errors[0]["code"] == "reference_not_available"
    assert "Rosa" not in str(errors) and "99" not in str(errors)
    _unchanged(session, teams)


def test_a_visible_account_with_another_document_never_probes_that_document(
    session: Session, teams: Teams
) -> None:
    """Team B's own account given team A's debtor document answers as with any other document
    (the account's debtor may not change), not as an out-of-scope debtor."""
    own = b.debtor(session, teams.portfolio, id_number="22222222")
    b.account(session, teams.portfolio, agent=teams.agent_b, owner=own, external_ref="TB-1")
    answers = [
        _refused(session, teams, teams.boss_b, [row(external_ref="TB-1", id_number=number)])
        for number in ("45871236", "33333333")  # team A's debtor, nobody's
    ]
    assert answers[0] == answers[1]
    assert answers[0][0]["code"] == "account_debtor_changed"


def test_the_owner_and_admins_still_update(session: Session, teams: Teams) -> None:
    lower = row(external_ref="TA-1", principal="90000.00", interest="", fees="", paid="")
    summary = run(session, teams.portfolio, csv_bytes([lower]), user=teams.boss_a).summary
    assert (summary["accounts_updated"], summary["debtors_updated"]) == (1, 0)
    assert account(session, teams.portfolio, "TA-1").balance_minor == 9_000_000
    renamed = row(external_ref="TA-1", first_name="Rosa María", principal="90000.00")
    summary = run(session, teams.portfolio, csv_bytes([renamed]), user=teams.admin).summary
    assert summary["debtors_updated"] == 1


def test_a_new_debtor_and_account_are_still_created(session: Session, teams: Teams) -> None:
    fresh = row(external_ref="TB-9", id_number="44444444", agent_email="b@team.cobro")
    summary = run(session, teams.portfolio, csv_bytes([fresh]), user=teams.boss_b).summary
    assert (summary["accounts_created"], summary["debtors_created"]) == (1, 1)
    assert session.execute(
        select(Debtor).where(Debtor.id_number_index == document_index("44444444"))
    ).scalar_one()


def test_a_debtor_seen_through_one_account_may_open_another(session: Session, teams: Teams) -> None:
    """Rosa with an account in team B too is B's to update and to open accounts for."""
    rosa = session.execute(
        select(Debtor).where(Debtor.id_number_index == document_index("45871236"))
    ).scalar_one()
    b.account(session, teams.portfolio, agent=teams.agent_b, owner=rosa, external_ref="TB-2")
    more = row(external_ref="TB-3", phones="912345678", agent_email="b@team.cobro")
    summary = run(session, teams.portfolio, csv_bytes([more]), user=teams.boss_b).summary
    assert (summary["accounts_created"], summary["debtors_updated"]) == (1, 1)


def test_the_scope_check_costs_no_statement_per_row(
    session: Session, teams: Teams, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A supervisor's import runs the statements an admin's does, chunk for chunk: the scope
    is part of the queries that read each chunk's accounts and debtors."""
    monkeypatch.setattr(stream, "CHUNK_ROWS", 5)
    ran = {}
    for who, prefix in ((teams.admin, "X"), (teams.boss_b, "Y")):
        rows = [
            row(
                external_ref=f"{prefix}-{n}",
                id_number=f"{50_000_000 + n}",
                agent_email="b@team.cobro",
            )
            for n in range(20)
        ]
        run(session, teams.portfolio, csv_bytes(rows), user=who)  # then re-import, changed
        changed = [r | {"interest": "150.00"} for r in rows]
        with _statements(session, monkeypatch) as statements:
            run(session, teams.portfolio, csv_bytes(changed), user=who)
        ran[who.role] = len(statements)
    assert ran[Role.supervisor] == ran[Role.admin]


def test_the_takeover_over_http_is_refused(
    client: TestClient, session: Session, teams: Teams
) -> None:
    takeover = row(external_ref="TA-1", principal="49000.00", agent_email="b@team.cobro")
    answer = client.post(
        f"/api/v1/imports?portfolio_id={teams.portfolio.id}",
        headers=b.headers(teams.boss_b),
        files={"file": ("cartera.csv", csv_bytes([takeover]), "text/csv")},
    )
    assert answer.status_code == 422
    [error] = answer.json()["details"]["errors"]
    assert error["code"] == "reference_not_available"
    ta1 = account(session, teams.portfolio, "TA-1")
    session.refresh(ta1)
    assert ta1.assigned_agent_id == teams.agent_a.id
    hidden = client.get(f"/api/v1/accounts/{ta1.id}", headers=b.headers(teams.boss_b))
    assert hidden.status_code == 404
