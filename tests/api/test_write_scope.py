"""Writes that name an existing object check the caller's scope on it: a new account only for a
debtor the caller may see (another's answers exactly as a missing one), and identifiers
(documents, references) held outside the caller's scope are refused with one generic answer
that tells nothing of who holds them."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from backend.app import create_app
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.debtors.models import Debtor, DebtorCreator
from shared.schemas.enums import Role
from tests import builders as b
from tests.api.conftest import World
from tests.api.test_crud import account_body, debtor_body, rejected
from tests.live import serve

API = "/api/v1"


def test_a_new_account_for_another_teams_debtor_is_404_as_if_missing(
    client: Any, session: Session, world: World
) -> None:
    other = b.headers(world.other_supervisor)
    body = account_body(world, assigned_agent_id=str(world.agent_c.id))
    hidden = rejected(client, session, "POST", "/accounts", other, 404, "not_found", body)
    missing = rejected(
        client,
        session,
        "POST",
        "/accounts",
        other,
        404,
        "not_found",
        {**body, "debtor_id": str(uuid.uuid4())},
    )
    assert hidden == missing
    # The follow-up read finds nothing either.
    assert client.get(f"{API}/debtors/{world.debtor_a.id}", headers=other).status_code == 404


def test_a_supervisor_opens_accounts_for_the_debtors_they_create(
    client: Any, session: Session, world: World
) -> None:
    mine, theirs = b.headers(world.supervisor), b.headers(world.other_supervisor)
    created = client.post(f"{API}/debtors", json=debtor_body(world), headers=mine)
    assert created.status_code == 201, created.text
    debtor_id = created.json()["id"]
    # Until it has an account, the creator (and admins) alone see it.
    assert client.get(f"{API}/debtors/{debtor_id}", headers=mine).status_code == 200
    assert client.get(f"{API}/debtors/{debtor_id}", headers=theirs).status_code == 404
    listed = client.get(f"{API}/debtors", headers=mine).json()["items"]
    assert debtor_id in {d["id"] for d in listed}
    body = account_body(world, debtor_id=debtor_id, assigned_agent_id=str(world.agent_c.id))
    rejected(client, session, "POST", "/accounts", theirs, 404, "not_found", body)
    body = account_body(world, debtor_id=debtor_id, assigned_agent_id=str(world.agent_a.id))
    opened = client.post(f"{API}/accounts", json=body, headers=mine)
    assert opened.status_code == 201, opened.text
    # From now on the debtor is seen through the account: by the agent too.
    agent = b.headers(world.agent_a)
    assert client.get(f"{API}/debtors/{debtor_id}", headers=agent).status_code == 200


def test_a_reference_held_outside_scope_is_not_available(
    client: Any, session: Session, world: World
) -> None:
    """Team A's ``A-1`` and the unassigned ``U-1`` answer the same generic 409 to the other
    team; a reference the caller sees keeps its precise answer."""
    mine = client.post(
        f"{API}/debtors", json=debtor_body(world), headers=b.headers(world.other_supervisor)
    ).json()["id"]
    other = b.headers(world.other_supervisor)
    answers = [
        rejected(
            client,
            session,
            "POST",
            "/accounts",
            other,
            409,
            "not_available",
            account_body(world, debtor_id=mine, external_ref=ref, assigned_agent_id=None),
        )
        for ref in ("A-1", "U-1")
    ]
    assert answers[0] == answers[1]
    assert "A-1" not in str(answers[0]) and "details" not in answers[0]
    seen = rejected(
        client,
        session,
        "POST",
        "/accounts",
        b.headers(world.supervisor),
        409,
        "conflict",
        account_body(world, external_ref="B-1"),
    )
    assert "B-1" in seen["message"]


def test_a_document_held_outside_scope_is_not_available(
    client: Any, session: Session, world: World
) -> None:
    """Documents of team A's debtor and of an unassigned account's debtor answer the other
    supervisor alike, without the debtor's id; the holder's team and admins learn which
    debtor it is."""
    other = b.headers(world.other_supervisor)
    pooled = session.get(Debtor, world.unassigned.debtor_id)
    assert pooled is not None
    answers = [
        rejected(
            client,
            session,
            "POST",
            "/debtors",
            other,
            409,
            "not_available",
            debtor_body(world, id_number=number, first_name="Otra"),
        )
        for number in (world.debtor_a.id_number, pooled.id_number)
    ]
    assert answers[0] == answers[1] and "details" not in answers[0]
    for who in (world.supervisor, world.admin):
        seen = rejected(
            client,
            session,
            "POST",
            "/debtors",
            b.headers(who),
            409,
            "conflict",
            debtor_body(world, id_number="41234567"),
        )
        assert seen["details"] == {"debtor_id": str(world.debtor_a.id)}
    # Nobody's document, and the same one in another portfolio, are created.
    fresh = client.post(f"{API}/debtors", json=debtor_body(world), headers=other)
    assert fresh.status_code == 201
    elsewhere = debtor_body(world, id_number="41234567", portfolio_id=str(b.portfolio(session).id))
    assert client.post(f"{API}/debtors", json=elsewhere, headers=other).status_code == 201


def test_the_creator_of_an_accountless_debtor_gets_the_conflict(
    client: Any, session: Session, world: World
) -> None:
    mine = b.headers(world.supervisor)
    first = client.post(f"{API}/debtors", json=debtor_body(world), headers=mine).json()
    again = rejected(client, session, "POST", "/debtors", mine, 409, "conflict", debtor_body(world))
    assert again["details"] == {"debtor_id": first["id"]}
    rejected(
        client,
        session,
        "POST",
        "/debtors",
        b.headers(world.other_supervisor),
        409,
        "not_available",
        debtor_body(world),
    )


def test_concurrent_creates_of_one_document_make_one_debtor(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two supervisors of different teams post the same document at once, several times: one
    debtor, the winner's; every other answer is a 409 (``conflict`` for the winner's own
    repeats, ``not_available`` for the other team), never a 5xx."""
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    get_settings.cache_clear()
    with session_scope(committed_engine) as session:
        portfolio = b.portfolio(session)
        bosses = [b.user(session, Role.supervisor) for _ in range(2)]
        headers = [b.headers(boss) for boss in bosses]
        portfolio_id, boss_ids = str(portfolio.id), [boss.id for boss in bosses]
    body = {
        "portfolio_id": portfolio_id,
        "id_type": "DNI",
        "id_number": "45678912",
        "first_name": "Carmen",
    }
    answers: list[tuple[int, str, int]] = []
    lock = threading.Lock()
    with serve(create_app()) as base, httpx.Client(base_url=base, timeout=60) as http:
        start = threading.Barrier(8)

        def post(who: int) -> None:
            start.wait()
            answer = http.post(f"{API}/debtors", json=body, headers=headers[who])
            with lock:
                answers.append((answer.status_code, answer.json().get("code", ""), who))

        threads = [threading.Thread(target=post, args=(i % 2,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    with session_scope(committed_engine) as session:
        [debtor] = session.execute(select(Debtor)).scalars().all()
        assert session.execute(select(func.count()).select_from(Debtor)).scalar_one() == 1
        creator = session.get(DebtorCreator, debtor.id)
        assert creator is not None
    winner = boss_ids.index(creator.created_by_id)
    assert [a for a in answers if a[0] == 201] == [(201, "", winner)]
    for status, code, who in answers:
        if status != 201:
            assert (status, code) == (409, "conflict" if who == winner else "not_available")
