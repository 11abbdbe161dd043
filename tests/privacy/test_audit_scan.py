"""No audit event holds raw personal data: every event the main flows write (an import of a
file with personal data and its re-import, a debtor created and edited through the API, chat
verification and a callback request, a field visit) is scanned for every value given."""

from __future__ import annotations

import json
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from backend.audit.models import AuditEvent
from backend.debtors.models import Debtor, document_index
from backend.users.models import User
from shared.schemas.enums import Role
from tests import builders as b
from tests.field import helpers as field
from tests.imports.helpers import HEADER, csv_bytes, row, run
from tests.plans.helpers import lima

API = "/api/v1"

# What the flows give, in every spelling they give it.
IMPORTED = row(
    id_number="45871236",
    first_name="Maribel",
    last_name="Cusihuaman",
    phones="987654321",
    email="maribel.cusi@example.pe",
    address="Av. Arequipa 1234",
    birth_date="1979-11-02",
)
REIMPORTED = row(
    id_number="45871236",
    first_name="Maribel",
    last_name="Cusihuaman",
    phones="912345678",
    email="mcusi@correo.pe",
    address="Jr. Ica 455",
    birth_date="1979-11-03",
)
CREATED = {
    "id_type": "DNI",
    "id_number": "70123456",
    "first_name": "Teodora",
    "last_name": "Ccori",
    "birth_date": "1990-07-21",
    "phones": ["944 555 666"],
    "emails": ["teodora.ccori@example.pe"],
    "addresses": [{"line1": "Calle Los Olivos 77", "city": "Lima", "country": "PE"}],
}
EDITED = {
    "phones": ["955 111 222"],
    "emails": ["tccori@correo.pe"],
    "birth_date": "1990-07-22",
    "last_name": "Ccorimanya",
    "addresses": [{"line1": "Pasaje Santa Rosa 12", "city": "Lima", "country": "PE"}],
}
CHAT_NUMBER = "51966777888"  # a WhatsApp chat's id is the person's number
VISITED = (-12.0374219, -77.0300123)

RAW = [
    "45871236",
    "987654321",
    "maribel.cusi@example.pe",
    "Av. Arequipa",
    "1979-11-02",
    "912345678",
    "mcusi@correo.pe",
    "Jr. Ica",
    "1979-11-03",
    "Maribel",
    "Cusihuaman",
    "70123456",
    "944555666",
    "teodora.ccori@example.pe",
    "Calle Los Olivos",
    "1990-07-21",
    "955111222",
    "tccori@correo.pe",
    "1990-07-22",
    "Pasaje Santa Rosa",
    "Teodora",
    "Ccorimanya",
    "45678912",  # the chat's debtor
    "987650001",
    "1985-03-15",
    CHAT_NUMBER[2:],
    str(VISITED[0]),
    str(VISITED[1]),
    "Vecina",
]


def test_no_event_of_the_main_flows_holds_raw_personal_data(
    client: TestClient, session: Session
) -> None:
    portfolio = lima(session)
    supervisor, agent = field.team(session)
    _import(session, portfolio, supervisor, agent)
    _api(client, portfolio.id, b.user(session, Role.admin))
    _chat(client, session, portfolio, agent)
    _visit(client, session, portfolio, agent)

    events = session.execute(select(AuditEvent)).scalars().all()
    actions = {e.action for e in events}
    assert {
        "debtor.created",
        "debtor.updated",
        "import.completed",
        "conversation.verified",
        "conversation.verification_failed",
        "task.created",
        "visit.recorded",
    } <= actions
    stored = [json.dumps([e.before, e.after], ensure_ascii=False) for e in events]
    leaks = sorted({raw for raw in RAW for text in stored if raw in text})
    assert leaks == []
    # and the masked values are there, so the scan looked at the right events
    assert any("****3456" in text for text in stored)
    assert any("+51*********" in text for text in stored)


def _import(session: Session, portfolio, supervisor: User, agent: User) -> None:
    """Imported for the supervisor's agent, so that the re-import is theirs to change."""
    header = [*HEADER, "birth_date"]
    rows = [{**r, "agent_email": agent.email} for r in (IMPORTED, REIMPORTED)]
    run(session, portfolio, csv_bytes(rows[:1], header=header), user=supervisor)
    run(session, portfolio, csv_bytes(rows[1:], header=header), "again.csv", supervisor)
    assert session.execute(
        select(Debtor).where(Debtor.id_number_index == document_index("45871236"))
    ).scalar_one()


def _api(client: TestClient, portfolio_id, admin: User) -> None:
    h = b.headers(admin)
    created = client.post(
        f"{API}/debtors", json={**CREATED, "portfolio_id": str(portfolio_id)}, headers=h
    )
    assert created.status_code == 201, created.text
    debtor_id = created.json()["id"]
    edited = client.patch(f"{API}/debtors/{debtor_id}", json=EDITED, headers=h)
    assert edited.status_code == 200, edited.text


def _chat(client: TestClient, session: Session, portfolio, agent: User) -> None:
    bot = b.user(session, Role.bot)
    debtor = b.debtor(
        session, portfolio, phone="+51987650001", id_number="45678912", birth_date=date(1985, 3, 15)
    )
    b.account(session, portfolio, agent=agent, owner=debtor)
    h = b.headers(bot)
    url = f"{API}/bot/whatsapp/{CHAT_NUMBER}"
    wrong = {"id_number": "45678912", "phone_last4": "9999"}
    assert client.post(f"{url}/identify", headers=h, json=wrong).json()["status"] == "failed"
    right = {"id_number": "45678912", "phone_last4": "0001"}
    assert client.post(f"{url}/identify", headers=h, json=right).json()["status"] == "verified"
    handoff = client.post(f"{url}/handoff", headers=h, json={"message_id": "m-1"})
    assert handoff.status_code == 201, handoff.text


def _visit(client: TestClient, session: Session, portfolio, agent: User) -> None:
    account = field.located_account(session, portfolio, agent, field.north(50, VISITED))
    body = field.sync(client, agent, [field.visit(account, VISITED, note="Vecina dice que sí")])
    assert field.statuses(body) == [("applied", None)]
