"""Uploading statements through the API: matching, booking, the report, decisions, replays."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.core.config import get_settings
from backend.ledger.models import LedgerEntry
from backend.payments import service as payments
from backend.payments.models import Payment, PaymentLink
from backend.payments.service import LinkRequest
from backend.statements.models import BankStatement, StatementLine
from shared.schemas.enums import EntryKind, LinkPurpose, Role
from tests import builders as b
from tests.statements.helpers import Desk, csv_bytes, decide, lines_by_no, report, upload


def payments_of(session: Session, account: Account) -> list[Payment]:
    return list(session.exec(select(Payment).where(Payment.account_id == account.id)).all())


def count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_matches_a_link_an_instalment_and_an_account(client, session: Session) -> None:
    desk = Desk(session)
    linked = desk.account("PE-1001", principal=70_000)
    link = desk.link(linked)
    planned = desk.account("PE-1002", principal=60_000)
    first, second, *_ = desk.plan(planned)
    plain = desk.account("PE-1003", principal=90_000)
    data = csv_bytes(
        [
            ("20/01/2025", "700,00", f"Transf {link.token[:10]}", "web"),
            ("20/01/2025", f"{first.amount_minor / 100:.2f}".replace(".", ","), "pe 1002", ""),
            ("21/01/2025", "55,50", "", "Abono cuenta PE-1003"),
        ]
    )
    response = upload(client, desk.supervisor, desk.portfolio, data)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["line_count"] == 3 and not body["replayed"]
    assert body["totals"]["matched"] == {
        "count": 3,
        "amount_minor": 70_000 + first.amount_minor + 5_550,
    }
    lines = lines_by_no(report(client, desk.supervisor, body["id"]))

    assert lines[2]["status"] == "matched" and lines[2]["link_id"] == str(link.id)
    assert lines[2]["candidates"][0]["reason"] == "payment_link"
    session.refresh(link)
    session.refresh(linked)
    assert link.status == "paid" and linked.balance_minor == 0 and linked.status == "paid"
    (payment,) = payments_of(session, linked)
    assert payment.method == "bank_statement" and payment.link_id == link.id
    assert payment.paid_on == date(2025, 1, 20)
    assert payment.external_id.startswith(f"statement:{desk.portfolio.id}:")

    assert lines[3]["instalment_id"] == str(first.id)
    session.refresh(first)
    session.refresh(second)
    assert first.status == "paid" and second.status == "pending"
    assert payments_of(session, planned)[0].instalment_id == first.id

    assert lines[4]["candidates"][0]["reason"] == "external_ref"
    assert lines[4]["instalment_id"] is None and lines[4]["account_id"] == str(plain.id)
    session.refresh(plain)
    assert plain.balance_minor == 90_000 - 5_550


def test_an_amount_other_than_the_next_instalment_pays_the_balance(client, session) -> None:
    desk = Desk(session)
    planned = desk.account("PE-2001", principal=60_000)
    first, *_ = desk.plan(planned)
    data = csv_bytes([("2025-01-20", f"{(first.amount_minor + 100) / 100:.2f}", "PE-2001", "")])
    body = upload(client, desk.admin, desk.portfolio, data).json()
    (line,) = report(client, desk.admin, body["id"])["lines"]["items"]
    assert line["status"] == "matched" and line["instalment_id"] is None
    (payment,) = payments_of(session, planned)
    assert payment.instalment_id is None
    session.refresh(first)
    assert first.status == "paid"  # the plan's own rules: the oldest instalment first


def test_ambiguous_unmatched_and_ignored_lines_book_nothing(client, session) -> None:
    desk = Desk(session)
    short, long = desk.account("AB-1002"), desk.account("AB-10020")
    debtor = b.debtor(session, desk.portfolio, id_number="44556677")
    one, two = desk.account("CX-1", owner=debtor), desk.account("CX-2", owner=debtor)
    data = csv_bytes(
        [
            ("2025-01-20", "100,00", "AB10020", ""),
            ("2025-01-20", "100,00", "DNI 44556677", "Pago"),
            ("2025-01-20", "100,00", "?", "Sin referencia"),
            ("2025-01-20", "-100,00", "AB-1002", "Comisión"),
            ("2025-01-20", "0,00", "AB-1002", ""),
        ]
    )
    body = upload(client, desk.supervisor, desk.portfolio, data).json()
    assert {k: v["count"] for k, v in body["totals"].items() if v["count"]} == {
        "ambiguous": 2,
        "unmatched": 1,
        "ignored": 2,
    }
    assert body["totals"]["ignored"]["amount_minor"] == -10_000
    lines = lines_by_no(report(client, desk.supervisor, body["id"]))
    by_ref = [(c["account_id"], c["reason"]) for c in lines[2]["candidates"]]
    assert by_ref == [(str(short.id), "external_ref"), (str(long.id), "external_ref")]
    by_id = lines[3]["candidates"]
    assert {c["account_id"] for c in by_id} == {str(one.id), str(two.id)}
    assert by_id[0]["debtor_name"] == "Rosa Quispe" and by_id[0]["balance_minor"] == 100_000
    assert lines[4]["candidates"] == [] and lines[4]["status"] == "unmatched"
    assert [lines[n]["status"] for n in (5, 6)] == ["ignored", "ignored"]
    assert count(session, Payment) == 0
    ambiguous = report(client, desk.supervisor, body["id"], status="ambiguous")["lines"]["items"]
    assert [line["line_no"] for line in ambiguous] == [2, 3]


def test_the_same_file_twice_and_an_overlapping_file_book_nothing_twice(client, session) -> None:
    desk = Desk(session)
    account = desk.account("PE-3001", principal=50_000)
    line = ("2025-01-20", "100,00", "PE-3001", "Pago")
    same = ("2025-01-20", "100,00", "PE-3001", "Pago")  # a second, identical payment that day
    first = upload(client, desk.supervisor, desk.portfolio, csv_bytes([line, same]))
    assert first.status_code == 201
    again = upload(client, desk.admin, desk.portfolio, csv_bytes([line, same]), name="otro.csv")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again.json()["replayed"] is True
    session.refresh(account)
    assert account.balance_minor == 30_000 and len(payments_of(session, account)) == 2

    # another export of the bank: commas, a decimal point, the same first line
    overlap = csv_bytes(
        [("20/01/2025", "100.00", "PE-3001", "Pago"), ("2025-01-21", "50", "PE-3001", "")],
        sep=",",
    )
    later = upload(client, desk.supervisor, desk.portfolio, overlap)
    assert later.status_code == 201
    lines = lines_by_no(report(client, desk.supervisor, later.json()["id"]))
    earlier = lines_by_no(report(client, desk.supervisor, first.json()["id"]))
    assert lines[2]["candidates"][0]["reason"] == "already_booked"
    assert lines[2]["payment_id"] == earlier[2]["payment_id"]
    session.refresh(account)
    assert account.balance_minor == 25_000 and len(payments_of(session, account)) == 3
    assert count(session, BankStatement) == 2


def test_confirm_books_once_and_a_second_confirm_answers_the_same_payment(client, session) -> None:
    desk = Desk(session)
    short, long = desk.account("AB-1002"), desk.account("AB-10020")
    other = desk.account("QQ-7777")
    body = upload(
        client, desk.supervisor, desk.portfolio, csv_bytes([("2025-01-20", "250", "AB10020", "")])
    ).json()
    (line,) = report(client, desk.supervisor, body["id"])["lines"]["items"]

    not_candidate = decide(client, desk.supervisor, line, "confirm", other.id)
    assert not_candidate.status_code == 422
    assert not_candidate.json()["code"] == "validation_error"
    assert not_candidate.json()["message"] == "The account is not one of this line's candidates."

    confirmed = decide(client, desk.supervisor, line, "confirm", long.id)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["decided_by_id"] == str(desk.supervisor.id)
    again = decide(client, desk.admin, line, "confirm", long.id)
    assert again.status_code == 200
    assert again.json()["payment_id"] == confirmed.json()["payment_id"]
    elsewhere = decide(client, desk.admin, line, "confirm", short.id)
    assert elsewhere.status_code == 409 and elsewhere.json()["code"] == "conflict"
    assert decide(client, desk.admin, line, "reject").status_code == 409

    session.refresh(long)
    assert long.balance_minor == 100_000 - 25_000 and len(payments_of(session, long)) == 1
    assert payments_of(session, short) == []
    entries = session.exec(
        select(LedgerEntry).where(
            LedgerEntry.account_id == long.id, LedgerEntry.kind == EntryKind.payment
        )
    ).all()
    assert len(entries) == 1
    events = session.exec(select(AuditEvent).where(AuditEvent.entity_id == line["id"])).all()
    assert [e.action for e in events] == ["statement_line.confirmed"]
    assert events[0].before == {"status": "ambiguous"}
    totals = report(client, desk.admin, body["id"])["statement"]["totals"]
    assert totals["confirmed"] == {"count": 1, "amount_minor": 25_000}
    assert totals["ambiguous"]["count"] == 0


def test_unmatched_line_goes_to_any_account_in_scope(client, session) -> None:
    desk = Desk(session)
    mine = desk.account("PE-4001")
    outsider = b.account(session, desk.portfolio, external_ref="PE-4002")  # unassigned
    foreign = b.account(session, external_ref="PE-4003")  # another portfolio
    body = upload(
        client, desk.supervisor, desk.portfolio, csv_bytes([("2025-01-20", "10", "???", "")])
    ).json()
    (line,) = report(client, desk.supervisor, body["id"])["lines"]["items"]
    assert decide(client, desk.supervisor, line, "confirm", outsider.id).status_code == 404
    assert decide(client, desk.admin, line, "confirm", foreign.id).status_code == 404
    assert decide(client, desk.supervisor, line, "confirm", uuid.uuid4()).status_code == 404
    confirmed = decide(client, desk.supervisor, line, "confirm", mine.id)
    assert confirmed.status_code == 200 and confirmed.json()["account_id"] == str(mine.id)
    session.refresh(mine)
    assert mine.balance_minor == 100_000 - 1_000


def test_reject_then_confirm_later(client, session) -> None:
    desk = Desk(session)
    account = desk.account("PE-5001")
    data = csv_bytes([("2025-01-20", "10", "nada", ""), ("2025-01-20", "-5", "PE-5001", "")])
    body = upload(client, desk.supervisor, desk.portfolio, data).json()
    lines = lines_by_no(report(client, desk.supervisor, body["id"]))
    rejected = decide(client, desk.supervisor, lines[2], "reject")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert decide(client, desk.supervisor, lines[2], "reject").status_code == 200
    debit = decide(client, desk.supervisor, lines[3], "reject")
    assert debit.status_code == 409 and "debit" in debit.json()["message"]
    assert decide(client, desk.supervisor, lines[3], "confirm", account.id).status_code == 409
    assert count(session, Payment) == 0
    events = session.exec(select(AuditEvent).where(AuditEvent.entity_id == lines[2]["id"])).all()
    assert [e.action for e in events] == ["statement_line.rejected"]
    confirmed = decide(client, desk.supervisor, lines[2], "confirm", account.id)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"


def test_a_bad_file_writes_nothing(client, session) -> None:
    desk = Desk(session)
    desk.account("PE-6001")
    data = csv_bytes([("2025-01-20", "10,00", "PE-6001", ""), ("2025-13-01", "x", "PE-6001", "")])
    before = count(session, AuditEvent)
    response = upload(client, desk.supervisor, desk.portfolio, data)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "statement_invalid"
    assert body["message"].startswith("The statement has 2 error(s); nothing was recorded.")
    assert [(e["row"], e["column"], e["code"]) for e in body["details"]["errors"]] == [
        (3, "Fecha", "invalid_date"),
        (3, "Monto", "invalid_amount"),
    ]
    spanish = client.post(
        f"/api/v1/statements?portfolio_id={desk.portfolio.id}",
        headers=b.headers(desk.supervisor, "es"),
        files={"file": ("e.csv", data, "text/csv")},
    ).json()
    assert spanish["details"]["errors"][1]["reason"] == "«x» no es un monto."
    assert count(session, BankStatement) == count(session, StatementLine) == 0
    assert count(session, Payment) == 0 and count(session, AuditEvent) == before


def test_agents_are_refused_and_oversized_files_are_413(client, session, monkeypatch) -> None:
    desk = Desk(session)
    data = csv_bytes([("2025-01-20", "10", "x", "")])
    assert upload(client, desk.agent, desk.portfolio, data).status_code == 403
    body = upload(client, desk.admin, desk.portfolio, data).json()
    (line,) = report(client, desk.admin, body["id"])["lines"]["items"]
    headers = b.headers(desk.agent)
    assert client.get(f"/api/v1/statements/{body['id']}", headers=headers).status_code == 403
    assert client.get("/api/v1/statements", headers=headers).status_code == 403
    assert decide(client, desk.agent, line, "reject").status_code == 403
    monkeypatch.setattr(get_settings(), "max_upload_bytes", 100)
    big = csv_bytes([("2025-01-20", "10", "x" * 50, "")] * 10)
    too_large = upload(client, desk.admin, desk.portfolio, big)
    assert too_large.status_code == 413 and too_large.json()["code"] == "payload_too_large"


def test_unknown_portfolio_is_404_and_list_is_newest_first(client, session) -> None:
    desk = Desk(session)
    data = csv_bytes([("2025-01-20", "10", "x", "")])
    missing = client.post(
        f"/api/v1/statements?portfolio_id={uuid.uuid4()}",
        headers=b.headers(desk.admin),
        files={"file": ("e.csv", data, "text/csv")},
    )
    assert missing.status_code == 404
    first = upload(client, desk.admin, desk.portfolio, data).json()
    second = upload(client, desk.admin, desk.portfolio, data + b"2025-01-21;5;y;\r\n").json()
    listed = client.get(
        f"/api/v1/statements?portfolio_id={desk.portfolio.id}&limit=1",
        headers=b.headers(desk.supervisor),
    ).json()
    assert [s["id"] for s in listed["items"]] == [second["id"]] and listed["next_cursor"]
    rest = client.get(
        f"/api/v1/statements?portfolio_id={desk.portfolio.id}&cursor={listed['next_cursor']}",
        headers=b.headers(desk.supervisor),
    ).json()
    assert [s["id"] for s in rest["items"]] == [first["id"]]


def test_report_pages_by_line_and_hides_candidates_outside_the_scope(client, session) -> None:
    desk = Desk(session)
    mine = desk.account("AB-1002")
    theirs = b.account(
        session, desk.portfolio, agent=b.user(session, Role.agent), external_ref="AB-10020"
    )
    rows = [("2025-01-20", "10", "AB10020", "")] + [("2025-01-20", "1", "?", "")] * 4
    body = upload(client, desk.supervisor, desk.portfolio, csv_bytes(rows)).json()
    page = report(client, desk.supervisor, body["id"], limit=2)
    assert [line["line_no"] for line in page["lines"]["items"]] == [2, 3]
    rest = report(client, desk.supervisor, body["id"], cursor=page["lines"]["next_cursor"])
    assert [line["line_no"] for line in rest["lines"]["items"]] == [4, 5, 6]
    assert rest["lines"]["next_cursor"] is None
    seen = {c["account_id"]: c for c in page["lines"]["items"][0]["candidates"]}
    assert seen[str(mine.id)]["visible"] and seen[str(mine.id)]["debtor_name"] == "Rosa Quispe"
    hidden = seen[str(theirs.id)]
    assert not hidden["visible"] and hidden["debtor_name"] is None
    assert hidden["balance_minor"] is None and hidden["external_ref"] == "AB-10020"
    admin_view = report(client, desk.admin, body["id"], limit=1)["lines"]["items"][0]
    assert all(c["visible"] for c in admin_view["candidates"])
    bad_cursor = client.get(
        f"/api/v1/statements/{body['id']}?cursor=abc", headers=b.headers(desk.admin)
    )
    assert bad_cursor.status_code == 422


def test_upload_is_audited(client, session) -> None:
    desk = Desk(session)
    desk.account("PE-7001")
    body = upload(
        client, desk.supervisor, desk.portfolio, csv_bytes([("2025-01-20", "10", "PE-7001", "")])
    ).json()
    (event,) = session.exec(select(AuditEvent).where(AuditEvent.entity_id == body["id"])).all()
    assert event.action == "statement.uploaded" and event.actor_id == desk.supervisor.id
    assert event.after["matched_count"] == 1 and event.after["sha256"] == body["sha256"]
    received = session.exec(select(AuditEvent).where(AuditEvent.action == "payment.received"))
    assert len(received.all()) == 1


def test_second_line_for_a_paid_link_falls_back_to_the_account(client, session) -> None:
    desk = Desk(session)
    account = desk.account("PE-8001", principal=70_000)
    link = desk.link(account)
    link.amount_minor = 30_000  # a partial link, so two lines can match it
    session.add(link)
    session.flush()
    rows = [
        ("2025-01-20", "300,00", f"{link.id}", ""),
        ("2025-01-21", "300,00", f"{link.id} PE-8001", ""),
    ]
    body = upload(client, desk.admin, desk.portfolio, csv_bytes(rows)).json()
    lines = lines_by_no(report(client, desk.admin, body["id"]))
    assert lines[2]["link_id"] == str(link.id)
    assert lines[3]["link_id"] is None and lines[3]["candidates"][0]["reason"] == "external_ref"
    assert session.get(PaymentLink, link.id).status == "paid"
    assert len(payments_of(session, account)) == 2


def _money(minor: int) -> str:
    return f"{minor / 100:.2f}".replace(".", ",")


def test_lines_for_one_plan_pay_its_instalments_in_file_order(client, session) -> None:
    """Each line finds the instalments as the lines before it left them: a link for the
    first instalment, then the second's amount, then the second's amount again."""
    desk = Desk(session)
    planned = desk.account("PE-4001", principal=60_000)
    first, second, third, *_ = desk.plan(planned)
    link, _ = payments.create_link(
        session, Actor.system(), planned.id, LinkRequest(LinkPurpose.instalment, "bot")
    )
    data = csv_bytes(
        [
            ("20/01/2025", _money(first.amount_minor), f"Transf {link.token[:10]}", ""),
            ("21/01/2025", _money(second.amount_minor), "pe 4001", ""),
            ("22/01/2025", _money(second.amount_minor), "pe 4001 again", ""),
        ]
    )
    body = upload(client, desk.supervisor, desk.portfolio, data).json()
    lines = lines_by_no(report(client, desk.supervisor, body["id"]))

    assert [lines[n]["status"] for n in (2, 3, 4)] == ["matched"] * 3
    assert lines[2]["link_id"] == str(link.id) and lines[2]["instalment_id"] == str(first.id)
    assert lines[3]["instalment_id"] == str(second.id)
    same = third.amount_minor == second.amount_minor
    assert lines[4]["instalment_id"] == (str(third.id) if same else None)
    for row in (first, second):
        session.refresh(row)
        assert row.status == "paid"
    session.refresh(link)
    assert link.status == "paid"
