"""Per resource a path names by id: the caller in scope gets it, anyone else 404 exactly as for
a missing id, and a refused write leaves nothing behind. Agents see their own accounts (and
what hangs from them), supervisors their team's, admins all, a debtor's chat only that
debtor's accounts after verification. The guards themselves: ``tests/core/test_guards.py``."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.conversations.models import Conversation
from backend.core.clock import utcnow
from backend.core.config import get_settings
from backend.debtors.models import Debtor
from backend.ledger.models import LedgerEntry
from backend.plans import service as plans
from backend.plans.models import Offer, Plan
from backend.tasks import service as tasks
from backend.tasks.models import Task
from backend.uploads.models import Upload
from backend.users.models import User
from shared.schemas.enums import ActionChannel, Role, TaskKind
from tests import builders as b
from tests.plans.helpers import lima, today

API = "/api/v1"


@dataclass
class Scene:
    admin: User
    supervisor: User  # leads agent and teammate
    other_supervisor: User  # leads other_agent
    agent: User
    teammate: User
    other_agent: User
    bot: User
    debtor: Debtor
    account: Account  # the agent's, with an open offer
    entry: LedgerEntry
    offer: Offer
    plan: Plan  # on another account of the agent's
    task: Task
    upload: Upload  # sent by the supervisor

    def chat(self, user_id: str) -> str:
        return f"{API}/bot/telegram/{user_id}"


OWN_CHAT, OTHER_CHAT = "7001", "7002"


def _bind(session: Session, user_id: str, debtor: Debtor) -> None:
    session.add(
        Conversation(
            channel="telegram",
            user_id=user_id,
            debtor_ids=[str(debtor.id)],
            bound_until=utcnow() + timedelta(hours=1),
            bound_via="chat_link",
        )
    )
    session.flush()


@pytest.fixture
def scene(session: Session) -> Scene:
    admin = b.user(session, Role.admin)
    supervisor = b.user(session, Role.supervisor)
    other_supervisor = b.user(session, Role.supervisor)
    agent = b.user(session, Role.agent, supervisor=supervisor)
    teammate = b.user(session, Role.agent, supervisor=supervisor)
    other_agent = b.user(session, Role.agent, supervisor=other_supervisor)
    portfolio = lima(session)
    debtor = b.debtor(session, portfolio, phone="+51987650001")
    account = b.account(session, portfolio, agent=agent, owner=debtor, principal=120_000)
    planned = b.account(session, portfolio, agent=agent, owner=debtor, principal=90_000)
    theirs = b.account(session, portfolio, agent=other_agent, principal=80_000)
    system = Actor.system()
    entry = session.scalars(select(LedgerEntry).where(LedgerEntry.account_id == account.id)).one()
    offer = plans.generate_offers(session, system, account.id, ActionChannel.agent)[0]
    plan_offer = plans.generate_offers(session, system, planned.id, ActionChannel.agent)[0]
    plan = plans.accept(session, system, plan_offer.id, ActionChannel.agent)
    task = tasks.open_task(session, system, account, TaskKind.callback_request, today(), {})
    upload = Upload(
        kind="import",
        portfolio_id=portfolio.id,
        created_by_id=supervisor.id,
        filename="cartera.csv",
        sha256="0" * 64,
        size_bytes=1,
    )
    session.add(upload)
    session.flush()
    _bind(session, OWN_CHAT, debtor)
    _bind(session, OTHER_CHAT, session.get(Debtor, theirs.debtor_id))
    return Scene(
        admin=admin,
        supervisor=supervisor,
        other_supervisor=other_supervisor,
        agent=agent,
        teammate=teammate,
        other_agent=other_agent,
        bot=b.user(session, Role.bot),
        debtor=debtor,
        account=account,
        entry=entry,
        offer=offer,
        plan=plan,
        task=task,
        upload=upload,
    )


# name: (path of the object, who may read it, who may not). The other agent and the other team's
# supervisor are outsiders; the bot's outsider is another debtor's verified chat.
READS: dict[str, tuple[Callable[[Scene], str], str, tuple[str, ...]]] = {
    "account": (lambda s: f"/accounts/{s.account.id}", "agent", ("other_agent", "teammate")),
    "account (team)": (lambda s: f"/accounts/{s.account.id}", "supervisor", ("other_supervisor",)),
    "account (admin)": (lambda s: f"/accounts/{s.account.id}", "admin", ()),
    "timeline": (lambda s: f"/accounts/{s.account.id}/timeline", "agent", ("other_agent",)),
    "ledger": (lambda s: f"/accounts/{s.account.id}/ledger", "supervisor", ("other_supervisor",)),
    "plans of": (lambda s: f"/accounts/{s.account.id}/plans", "agent", ("other_agent",)),
    "promises": (lambda s: f"/accounts/{s.account.id}/promises", "agent", ("other_agent",)),
    "links": (lambda s: f"/accounts/{s.account.id}/payment-links", "agent", ("other_agent",)),
    "payments": (lambda s: f"/accounts/{s.account.id}/payments", "agent", ("other_agent",)),
    "field bundle": (lambda s: f"/field/accounts/{s.account.id}", "agent", ("other_agent",)),
    "debtor": (lambda s: f"/debtors/{s.debtor.id}", "agent", ("other_agent", "other_supervisor")),
    "offer": (lambda s: f"/offers/{s.offer.id}", "agent", ("other_agent", "other_supervisor")),
    "plan": (lambda s: f"/plans/{s.plan.id}", "supervisor", ("other_agent", "other_supervisor")),
    "task": (lambda s: f"/tasks/{s.task.id}", "agent", ("other_agent", "other_supervisor")),
    "upload": (lambda s: f"/uploads/{s.upload.id}", "supervisor", ("other_supervisor", "agent")),
    "user (team)": (lambda s: f"/users/{s.agent.id}", "supervisor", ("other_supervisor",)),
    "bot account": (lambda s: f"/bot/telegram/{OWN_CHAT}/accounts/{s.account.id}", "bot", ()),
}


def _headers(scene: Scene, who: str) -> dict[str, str]:
    return b.headers(getattr(scene, who))


@pytest.mark.parametrize("name", READS)
def test_the_owner_reads_it_and_anyone_else_gets_404(
    client: TestClient, scene: Scene, name: str
) -> None:
    path, owner, outsiders = READS[name]
    url = f"{API}{path(scene)}"
    assert client.get(url, headers=_headers(scene, owner)).status_code == 200, owner
    for outsider in outsiders:
        headers = _headers(scene, outsider)
        answer = client.get(url, headers=headers)
        missing = client.get(f"{API}/accounts/{uuid.uuid4()}", headers=headers)
        assert answer.status_code == 404, outsider
        assert answer.json() == missing.json()  # indistinguishable from a missing id
    assert client.get(url).status_code == 401  # no token: refused before anything is read


def test_another_debtors_chat_gets_404(client: TestClient, scene: Scene) -> None:
    headers = b.headers(scene.bot)
    own = client.get(f"{scene.chat(OWN_CHAT)}/accounts/{scene.account.id}", headers=headers)
    assert own.status_code == 200 and own.json()["id"] == str(scene.account.id)
    for path in (f"/accounts/{scene.account.id}", f"/accounts/{uuid.uuid4()}"):
        answer = client.get(f"{scene.chat(OTHER_CHAT)}{path}", headers=headers)
        assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    unbound = client.get(f"{scene.chat('7999')}/accounts/{scene.account.id}", headers=headers)
    assert unbound.status_code == 403 and unbound.json()["code"] == "verification_required"


def _writes(session: Session) -> tuple[int, ...]:
    counts = [func.count(AuditEvent.id), func.count(LedgerEntry.id)]
    audit, entries = (session.execute(select(c)).scalar_one() for c in counts)
    plans_active = session.execute(select(func.count(Plan.id)).where(Plan.status == "active"))
    return audit, entries, plans_active.scalar_one()


# name: (method, path, body, who may, who may not). Writes by outsiders answer 404 and write
# nothing; the owner's write then goes through.
WRITES: dict[str, tuple[str, Callable[[Scene], str], dict, str, str]] = {
    "edit account": (
        "PATCH",
        lambda s: f"/accounts/{s.account.id}",
        {"product": "Préstamo"},
        "supervisor",
        "other_supervisor",
    ),
    "edit debtor": (
        "PATCH",
        lambda s: f"/debtors/{s.debtor.id}",
        {"first_name": "Rosa"},
        "agent",
        "other_agent",
    ),
    "chat link": ("POST", lambda s: f"/debtors/{s.debtor.id}/chat-link", {}, "agent", "teammate"),
    "offers": ("POST", lambda s: f"/accounts/{s.account.id}/offers", {}, "agent", "other_agent"),
    "accept offer": ("POST", lambda s: f"/offers/{s.offer.id}/accept", {}, "agent", "other_agent"),
    "cancel plan": (
        "POST",
        lambda s: f"/plans/{s.plan.id}/cancel",
        {"reason": "por pedido del deudor"},
        "agent",
        "other_agent",
    ),
    "close task": (
        "POST",
        lambda s: f"/tasks/{s.task.id}/close",
        {"status": "done"},
        "agent",
        "other_agent",
    ),
    "reverse entry": (
        "POST",
        lambda s: f"/ledger/{s.entry.id}/reverse",
        {"idempotency_key": "undo"},
        "supervisor",
        "other_supervisor",
    ),
    "edit user": ("PATCH", lambda s: f"/users/{s.agent.id}", {"full_name": "A. B."}, "admin", ""),
    "bot offers": (
        "POST",
        lambda s: f"/bot/telegram/{OWN_CHAT}/accounts/{s.account.id}/offers",
        {},
        "bot",
        "",
    ),
}


@pytest.mark.parametrize("name", WRITES)
def test_a_write_outside_the_scope_is_404_and_writes_nothing(
    client: TestClient, session: Session, scene: Scene, name: str
) -> None:
    method, path, body, owner, outsider = WRITES[name]
    url = f"{API}{path(scene)}"
    if outsider:
        before = _writes(session)
        answer = client.request(method, url, json=body, headers=_headers(scene, outsider))
        assert answer.status_code == 404 and answer.json()["code"] == "not_found"
        assert _writes(session) == before
    answer = client.request(method, url, json=body, headers=_headers(scene, owner))
    assert answer.status_code in (200, 201), answer.text


def test_a_bot_write_through_another_debtors_chat_is_404(
    client: TestClient, session: Session, scene: Scene
) -> None:
    headers = b.headers(scene.bot)
    before = _writes(session)
    for path, body in (
        (f"/accounts/{scene.account.id}/offers", {}),
        (f"/accounts/{scene.account.id}/proposals", {"kind": "plan_by_count", "instalments": 2}),
        (f"/accounts/{scene.account.id}/payment-links", {"purpose": "balance", "message_id": "m"}),
        (
            f"/accounts/{scene.account.id}/promises",
            {"amount": "10.00", "due_date": today().isoformat(), "message_id": "m"},
        ),
        (f"/offers/{scene.offer.id}/accept", {}),
    ):
        answer = client.post(f"{scene.chat(OTHER_CHAT)}{path}", json=body, headers=headers)
        assert answer.status_code == 404 and answer.json()["code"] == "not_found", path
    assert _writes(session) == before
    accepted = client.post(
        f"{scene.chat(OWN_CHAT)}/offers/{scene.offer.id}/accept", headers=headers
    )
    assert accepted.status_code == 201, accepted.text


# Every guarded read, with an id that names nothing: 404 ``not_found`` for a caller who could
# read such an object (creditors, portfolios, batches and statements have no per-row scope).
MISSING = (
    "/accounts/{id}",
    "/accounts/{id}/timeline",
    "/accounts/{id}/ledger",
    "/accounts/{id}/plans",
    "/accounts/{id}/promises",
    "/accounts/{id}/payment-links",
    "/accounts/{id}/payments",
    "/field/accounts/{id}",
    "/debtors/{id}",
    "/offers/{id}",
    "/plans/{id}",
    "/tasks/{id}",
    "/uploads/{id}",
    "/users/{id}",
    "/creditors/{id}",
    "/portfolios/{id}",
    "/portfolios/{id}/negotiation-policy",
    "/portfolios/{id}/import-mapping",
    "/imports/{id}",
    "/imports/{id}/report.csv",
    "/statements/{id}",
)


@pytest.mark.parametrize("path", MISSING)
def test_an_id_that_names_nothing_is_404(client: TestClient, scene: Scene, path: str) -> None:
    url = API + path.format(id=uuid.uuid4())
    answer = client.get(url, headers=b.headers(scene.admin))
    assert answer.status_code == 404 and answer.json()["code"] == "not_found", answer.text


# Reads whose answer is the guarded object itself: the guard's load is the request's only query
# (objects hanging from an account are read joined to it, not one after the other).
ONE_QUERY: dict[str, tuple[Callable[[Scene], str], str]] = {
    "account": (lambda s: f"/accounts/{s.account.id}", "supervisor"),
    "offer": (lambda s: f"/offers/{s.offer.id}", "supervisor"),
    "task": (lambda s: f"/tasks/{s.task.id}", "supervisor"),
    "upload": (lambda s: f"/uploads/{s.upload.id}", "supervisor"),
    "user": (lambda s: f"/users/{s.agent.id}", "supervisor"),
}


@pytest.mark.parametrize("name", ONE_QUERY)
def test_a_guarded_read_costs_one_query(
    client: TestClient, session: Session, scene: Scene, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COBRO_PRINCIPAL_CACHE_SECONDS", "60")  # the caller is not read again
    get_settings.cache_clear()
    path, who = ONE_QUERY[name]
    url, headers = f"{API}{path(scene)}", _headers(scene, who)
    assert client.get(url, headers=headers).status_code == 200  # caches the caller
    selects: list[str] = []

    def count(_conn, _cursor, statement: str, *_args) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    session.expunge_all()  # as in a request's own session: nothing loaded yet
    connection = session.connection()
    event.listen(connection, "before_cursor_execute", count)
    try:
        assert client.get(url, headers=headers).status_code == 200
    finally:
        event.remove(connection, "before_cursor_execute", count)
        get_settings.cache_clear()
    assert len(selects) == 1, selects
