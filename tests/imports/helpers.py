"""Small import files and database counts for the import tests."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.creditors.models import Portfolio
from backend.debtors.models import Debtor, DebtorAddress, DebtorPhone
from backend.imports import service
from backend.imports.models import ImportBatch
from backend.ledger.models import LedgerEntry
from backend.users.models import User
from tests import builders

HEADER = [
    "id_type",
    "id_number",
    "first_name",
    "last_name",
    "company_name",
    "phones",
    "email",
    "address",
    "district",
    "city",
    "external_ref",
    "product",
    "principal",
    "interest",
    "fees",
    "paid",
    "currency",
    "origination_date",
    "due_date",
    "agent_email",
]


def row(**values: Any) -> dict[str, Any]:
    """A valid row for a PEN/PE portfolio; keyword arguments override columns."""
    base = {
        "id_type": "DNI",
        "id_number": "45871236",
        "first_name": "Rosa",
        "last_name": "Quispe",
        "company_name": "",
        "phones": "987654321",
        "email": "rosa@example.pe",
        "address": "Av. Arequipa 1234",
        "district": "Lince",
        "city": "Lima",
        "external_ref": "TC-1",
        "product": "Tarjeta",
        "principal": "1000.00",
        "interest": "100.00",
        "fees": "10.00",
        "paid": "50.00",
        "currency": "PEN",
        "origination_date": "2023-01-10",
        "due_date": "2024-06-15",
        "agent_email": "",
    }
    base.update(values)
    return base


def csv_bytes(
    rows: list[dict[str, Any]],
    header: list[str] | None = None,
    delimiter: str = ",",
    bom: bool = False,
) -> bytes:
    names = header or HEADER
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(names)
    for values in rows:
        writer.writerow([values.get(name, "") for name in names])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def run(
    session: Session,
    portfolio: Portfolio,
    data: bytes,
    filename: str = "cartera.csv",
    user: User | None = None,
    lang: str = "en",
) -> service.ImportResult:
    actor = Actor("user", user.id) if user else Actor.system()
    return service.import_file(
        session, actor, user, portfolio.id, io.BytesIO(data), filename, lang=lang
    )


def counts(session: Session) -> dict[str, int]:
    tables = (Debtor, DebtorPhone, DebtorAddress, Account, LedgerEntry, AuditEvent, ImportBatch)
    return {
        model.__tablename__: session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in tables
    }


def data_counts(session: Session) -> dict[str, int]:
    """Rows of the imported data only: a rejected file still leaves its batch and audit event."""
    found = counts(session)
    del found["import_batches"], found["audit_events"]
    return found


def account(session: Session, portfolio: Portfolio, ref: str) -> Account:
    query = select(Account).where(Account.portfolio_id == portfolio.id, Account.external_ref == ref)
    found = session.execute(query).scalars().one()
    session.refresh(found)
    return found


def entries(session: Session, account_id: uuid.UUID) -> list[LedgerEntry]:
    query = select(LedgerEntry).where(LedgerEntry.account_id == account_id)
    return list(session.execute(query.order_by(LedgerEntry.created_at, LedgerEntry.id)).scalars())


def assert_balances_are_ledger_sums(session: Session, portfolio: Portfolio) -> None:
    sums = (
        select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_minor).label("total"))
        .group_by(LedgerEntry.account_id)
        .subquery()
    )
    query = (
        select(Account.external_ref, Account.balance_minor, func.coalesce(sums.c.total, 0))
        .outerjoin(sums, sums.c.account_id == Account.id)
        .where(Account.portfolio_id == portfolio.id)
    )
    rows = session.execute(query).all()
    assert rows, "no accounts"
    mismatched = [(ref, cached, total) for ref, cached, total in rows if cached != total]
    assert mismatched == []


def audit_actions(session: Session, action: str) -> list[AuditEvent]:
    query = (
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.at, AuditEvent.id)
    )
    return list(session.execute(query).scalars())


def committed_portfolio(engine: Engine) -> Portfolio:
    with Session(engine, expire_on_commit=False) as session:
        portfolio = builders.portfolio(session)
        session.commit()
    return portfolio
