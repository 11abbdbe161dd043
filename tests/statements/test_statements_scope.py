"""A statement books at upload only to accounts in the uploader's scope: another team's
supervisor cannot move a team's balances with a file (a fake statement would be a discount);
such a line waits, ambiguous, for someone who sees the account to confirm it."""

from __future__ import annotations

from sqlmodel import Session

from backend.users.models import User
from shared.schemas.enums import Role
from tests import builders as b
from tests.statements.helpers import Desk, csv_bytes, decide, lines_by_no, report, upload


def test_another_teams_upload_books_nothing_to_the_team(client, session: Session) -> None:
    desk = Desk(session)
    theirs = desk.account("PE-7001", principal=90_000)
    outsider: User = b.user(session, Role.supervisor)
    data = csv_bytes([("20/01/2025", "900,00", "", "Abono cuenta PE-7001")])
    answer = upload(client, outsider, desk.portfolio, data)
    assert answer.status_code == 201, answer.text
    [line] = report(client, outsider, answer.json()["id"])["lines"]["items"]
    assert line["status"] == "ambiguous" and line["payment_id"] is None
    [candidate] = line["candidates"]
    assert not candidate["visible"] and candidate["debtor_name"] is None
    session.refresh(theirs)
    assert theirs.balance_minor == 90_000
    refused = decide(client, outsider, line, "confirm", theirs.id)
    assert refused.status_code == 404
    # The team's supervisor sees the candidate and books it.
    [mine] = lines_by_no(report(client, desk.supervisor, answer.json()["id"])).values()
    assert mine["candidates"][0]["visible"]
    assert decide(client, desk.supervisor, mine, "confirm", theirs.id).status_code == 200
    session.refresh(theirs)
    assert theirs.balance_minor == 0


def test_the_teams_own_and_admins_uploads_still_book(client, session: Session) -> None:
    desk = Desk(session)
    for who, ref in ((desk.supervisor, "PE-7101"), (desk.admin, "PE-7102")):
        account = desk.account(ref, principal=50_000)
        data = csv_bytes([("20/01/2025", "100,00", "", f"Abono cuenta {ref}")])
        answer = upload(client, who, desk.portfolio, data)
        assert answer.json()["totals"]["matched"]["count"] == 1
        session.refresh(account)
        assert account.balance_minor == 40_000
