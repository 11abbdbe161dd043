"""A creditor's own users: a bank's staff see only their creditor's portfolios, read-only
unless granted writes; their admin manages their users and nobody else's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.accounts.models import Account
from backend.creditors.models import Creditor, Portfolio
from backend.plans import service as plans
from backend.users.models import User
from shared.schemas.enums import Role
from shared.schemas.negotiation import ProposalRequest
from tests import builders as b
from tests.plans.helpers import today

API = "/api/v1"


@dataclass
class Bank:
    creditor: Creditor
    portfolio: Portfolio
    account: Account
    reader: User  # read-only
    writer: User  # granted writes
    admin: User  # the creditor's admin


def _bank(session: Session, agent: User) -> Bank:
    creditor = b.creditor(session)
    portfolio = b.portfolio(session, creditor=creditor)
    account = b.account(session, portfolio, agent=agent, principal=50_000)

    def member(role: Role, **kw: object) -> User:
        return b.user(session, role, creditor_id=creditor.id, **kw)

    return Bank(
        creditor,
        portfolio,
        account,
        member(Role.creditor),
        member(Role.creditor, can_write=True),
        member(Role.creditor_admin),
    )


def _scene(session: Session) -> tuple[Bank, Bank, User]:
    supervisor = b.user(session, Role.supervisor)
    agent = b.user(session, Role.agent, supervisor=supervisor)
    return _bank(session, agent), _bank(session, agent), supervisor


def _promise(account: Account) -> dict[str, str]:
    due = today() + timedelta(days=3)
    return {"amount": "10.00", "currency": account.currency, "due_date": due.isoformat()}


def test_a_creditors_user_reads_only_their_creditors_accounts(
    client: TestClient, session: Session
) -> None:
    bank, other, _ = _scene(session)
    who = b.headers(bank.reader)
    listed = client.get(f"{API}/accounts", headers=who).json()["items"]
    assert [item["id"] for item in listed] == [str(bank.account.id)]
    for path in ("", "/ledger", "/promises", "/plans", "/timeline"):
        assert client.get(f"{API}/accounts/{bank.account.id}{path}", headers=who).status_code == 200
        assert (
            client.get(f"{API}/accounts/{other.account.id}{path}", headers=who).status_code == 404
        )
    debtor = client.get(f"{API}/debtors/{bank.account.debtor_id}", headers=who)
    assert debtor.status_code == 200
    assert client.get(f"{API}/debtors/{other.account.debtor_id}", headers=who).status_code == 404


def test_without_the_grant_every_change_is_refused(client: TestClient, session: Session) -> None:
    bank, _, _ = _scene(session)
    answer = client.post(
        f"{API}/accounts/{bank.account.id}/promises",
        headers=b.headers(bank.reader),
        json=_promise(bank.account),
    )
    assert answer.status_code == 403
    assert answer.json()["code"] == "read_only"
    offers = client.post(
        f"{API}/accounts/{bank.account.id}/offers", headers=b.headers(bank.reader), json={}
    )
    assert offers.json()["code"] == "read_only"
    granted = client.post(
        f"{API}/accounts/{bank.account.id}/promises",
        headers=b.headers(bank.writer),
        json=_promise(bank.account),
    )
    assert granted.status_code == 201, granted.text


def test_the_grant_reaches_only_their_own_accounts(client: TestClient, session: Session) -> None:
    bank, other, _ = _scene(session)
    answer = client.post(
        f"{API}/accounts/{other.account.id}/promises",
        headers=b.headers(bank.writer),
        json=_promise(other.account),
    )
    assert answer.status_code == 404


def test_granted_writes_do_not_make_them_the_agencys_supervisors(
    client: TestClient, session: Session
) -> None:
    """Approving an out-of-limit plan, the field routes and the agency's configuration stay
    with the agency's staff."""
    bank, _, _ = _scene(session)
    proposal = ProposalRequest(kind="plan_by_count", instalments=48, insist=True)
    task = plans.propose(session, b.SYSTEM, bank.account.id, proposal).task
    assert task is not None
    writer = b.headers(bank.writer)
    assert client.post(f"{API}/tasks/{task.id}/approve", headers=writer).status_code == 403
    assert client.get(f"{API}/field/routes/summary", headers=writer).status_code == 403
    assert client.get(f"{API}/field/worklist", headers=writer).status_code == 403
    policy = client.get(f"{API}/portfolios/{bank.portfolio.id}/negotiation-policy", headers=writer)
    assert policy.status_code == 403
    assert client.post(f"{API}/creditors", headers=writer, json={"name": "X"}).status_code == 403


def test_creditors_and_portfolios_are_their_own_only(client: TestClient, session: Session) -> None:
    bank, other, supervisor = _scene(session)
    who = b.headers(bank.reader)
    creditors = client.get(f"{API}/creditors", headers=who).json()["items"]
    assert [row["id"] for row in creditors] == [str(bank.creditor.id)]
    portfolios = client.get(f"{API}/portfolios", headers=who).json()["items"]
    assert [row["id"] for row in portfolios] == [str(bank.portfolio.id)]
    asked = client.get(f"{API}/portfolios", headers=who, params={"creditor_id": other.creditor.id})
    assert [row["id"] for row in asked.json()["items"]] == [str(bank.portfolio.id)]
    assert client.get(f"{API}/creditors/{other.creditor.id}", headers=who).status_code == 404
    assert client.get(f"{API}/portfolios/{other.portfolio.id}", headers=who).status_code == 404
    assert client.get(f"{API}/portfolios/{bank.portfolio.id}", headers=who).status_code == 200
    staff = client.get(f"{API}/portfolios", headers=b.headers(supervisor)).json()["items"]
    assert {str(bank.portfolio.id), str(other.portfolio.id)} <= {row["id"] for row in staff}


def _new_user(role: str, **kw: object) -> dict[str, object]:
    return {
        "email": f"{role}-{b.n()}@bank.example",
        "full_name": "Ana Banco",
        "password": "password123",
        "role": role,
        **kw,
    }


def test_a_creditors_admin_makes_only_their_creditors_users(
    client: TestClient, session: Session
) -> None:
    bank, other, supervisor = _scene(session)
    admin = b.headers(bank.admin)
    made = client.post(f"{API}/users", headers=admin, json=_new_user("creditor"))
    assert made.status_code == 201, made.text
    assert made.json()["creditor_id"] == str(bank.creditor.id)
    assert made.json()["can_write"] is False
    for body in (
        _new_user("admin"),
        _new_user("supervisor"),
        _new_user("agent"),
        _new_user("creditor", creditor_id=str(other.creditor.id)),
    ):
        refused = client.post(f"{API}/users", headers=admin, json=body)
        assert refused.status_code == 422, body
        assert refused.json()["code"] == "validation_error"
    listed = {row["id"] for row in client.get(f"{API}/users", headers=admin).json()["items"]}
    assert listed == {
        str(bank.reader.id),
        str(bank.writer.id),
        str(bank.admin.id),
        made.json()["id"],
    }
    for stranger in (supervisor, other.reader):
        assert client.get(f"{API}/users/{stranger.id}", headers=admin).status_code == 404
        patched = client.patch(
            f"{API}/users/{stranger.id}", headers=admin, json={"can_write": True}
        )
        assert patched.status_code == 404
    assert client.get(f"{API}/users", headers=b.headers(bank.reader)).status_code == 403


def test_granting_writes_takes_effect_on_a_new_session(
    client: TestClient, session: Session
) -> None:
    bank, _, _ = _scene(session)
    old = b.headers(bank.reader)
    granted = client.patch(
        f"{API}/users/{bank.reader.id}", headers=b.headers(bank.admin), json={"can_write": True}
    )
    assert granted.status_code == 200, granted.text
    assert granted.json()["can_write"] is True
    assert client.get(f"{API}/accounts", headers=old).status_code == 401  # tokens revoked
    session.refresh(bank.reader)
    answer = client.post(
        f"{API}/accounts/{bank.account.id}/promises",
        headers=b.headers(bank.reader),
        json=_promise(bank.account),
    )
    assert answer.status_code == 201, answer.text


def test_the_agencys_admin_names_the_creditor(client: TestClient, session: Session) -> None:
    bank, _, _ = _scene(session)
    admin = b.headers(b.user(session, Role.admin))
    assert client.post(f"{API}/users", headers=admin, json=_new_user("creditor")).status_code == 422
    made = client.post(
        f"{API}/users",
        headers=admin,
        json=_new_user("creditor_admin", creditor_id=str(bank.creditor.id)),
    )
    assert made.status_code == 201, made.text
    assert made.json()["role"] == "creditor_admin"
    granted_agent = _new_user("agent", can_write=True)
    assert client.post(f"{API}/users", headers=admin, json=granted_agent).status_code == 422
    agent = b.user(session, Role.agent)
    patched = client.patch(f"{API}/users/{agent.id}", headers=admin, json={"can_write": True})
    assert patched.status_code == 422
