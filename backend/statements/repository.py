"""Every query of the statements domain: the portfolio's matching data in one query per kind,
bulk line inserts, report pages and the locked line a decision works on."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, func, insert, select
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.core.pagination import keyset
from backend.core.sums import exact_sum, joined
from backend.creditors.models import Portfolio
from backend.debtors.models import Debtor
from backend.payments.models import Payment, PaymentLink
from backend.plans.models import Plan, PlanInstalment
from backend.statements.matching import AccountInfo, LinkInfo
from backend.statements.models import BankStatement, StatementLine
from shared.schemas.enums import AccountStatus, LinkStatus, PlanStatus
from shared.schemas.statements import StatementLineStatus

OPEN = (AccountStatus.active, AccountStatus.in_plan, AccountStatus.disputed)
CHUNK = 5000
_IN_CHUNK = 900  # values per IN (...) list


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def lock_portfolio(session: Session, portfolio_id: uuid.UUID) -> None:
    """Uploads into one portfolio run one after the other on PostgreSQL (a no-op on SQLite,
    which lets one writer at a time anyway)."""
    session.execute(select(Portfolio.id).where(Portfolio.id == portfolio_id).with_for_update())


def by_hash(session: Session, portfolio_id: uuid.UUID, sha256: str) -> BankStatement | None:
    query = select(BankStatement).where(
        BankStatement.portfolio_id == portfolio_id, BankStatement.sha256 == sha256
    )
    return session.execute(query).scalars().first()


def statements_page(
    session: Session, portfolio_id: uuid.UUID | None, before: uuid.UUID | None, limit: int
) -> list[BankStatement]:
    """Newest first; ``before`` is the last id of the previous page."""
    query = select(BankStatement)
    if portfolio_id:
        query = query.where(BankStatement.portfolio_id == portfolio_id)
    return keyset(session, query, BankStatement.id, before, limit, newest_first=True)


def _account_infos(session: Session, *where: ColumnElement[bool]) -> list[AccountInfo]:
    query = (
        select(
            Account.id,
            Account.external_ref,
            Account.debtor_id,
            Account.balance_minor,
            Debtor.first_name,
            Debtor.last_name,
            Debtor.company_name,
            Debtor.id_number,
        )
        .join(Debtor, Debtor.id == Account.debtor_id)
        .where(*where)
        .order_by(col(Account.id))
    )
    return [
        AccountInfo(
            id=account_id,
            external_ref=ref,
            debtor_id=debtor_id,
            debtor_name=company or " ".join(p for p in (first, last) if p),
            id_number=id_number,
            balance_minor=balance,
        )
        for account_id, ref, debtor_id, balance, first, last, company, id_number in session.execute(
            query
        )
    ]


def open_accounts(session: Session, portfolio_id: uuid.UUID) -> list[AccountInfo]:
    return _account_infos(
        session, Account.portfolio_id == portfolio_id, col(Account.status).in_(OPEN)
    )


def open_account_ids(
    session: Session, portfolio_id: uuid.UUID, visible: ColumnElement[bool]
) -> set[uuid.UUID]:
    query = select(Account.id).where(
        Account.portfolio_id == portfolio_id, col(Account.status).in_(OPEN), visible
    )
    return set(session.execute(query).scalars())


def account_info(session: Session, account_id: uuid.UUID) -> AccountInfo:
    (info,) = _account_infos(session, Account.id == account_id)
    return info


def open_links(session: Session, portfolio_id: uuid.UUID) -> list[LinkInfo]:
    query = (
        select(
            PaymentLink.id,
            PaymentLink.account_id,
            PaymentLink.amount_minor,
            PaymentLink.token,
            PaymentLink.provider_reference,
        )
        .join(Account, Account.id == PaymentLink.account_id)
        .where(Account.portfolio_id == portfolio_id, PaymentLink.status == LinkStatus.open)
        .order_by(col(PaymentLink.id))
    )
    return [LinkInfo(*row) for row in session.execute(query)]


def accounts_with_plans(session: Session, portfolio_id: uuid.UUID) -> set[uuid.UUID]:
    query = (
        select(Plan.account_id)
        .join(Account, Account.id == Plan.account_id)
        .where(Account.portfolio_id == portfolio_id, Plan.status == PlanStatus.active)
    )
    return set(session.execute(query).scalars())


def open_links_paying(
    session: Session, link_ids: set[uuid.UUID]
) -> dict[uuid.UUID, tuple[uuid.UUID | None, uuid.UUID | None]]:
    """Of these links, the ones still open, with what they pay: (instalment, promise)."""
    found: dict[uuid.UUID, tuple[uuid.UUID | None, uuid.UUID | None]] = {}
    for chunk in _chunks(sorted(link_ids), _IN_CHUNK):
        query = select(PaymentLink.id, PaymentLink.instalment_id, PaymentLink.promise_id).where(
            col(PaymentLink.id).in_(chunk), PaymentLink.status == LinkStatus.open
        )
        found.update(
            {link: (instalment, promise) for link, instalment, promise in session.execute(query)}
        )
    return found


def active_instalments(
    session: Session, account_ids: set[uuid.UUID]
) -> dict[uuid.UUID, list[PlanInstalment]]:
    """The instalments of these accounts' active plans, in number order, as copies outside
    the session (changing them changes nothing stored)."""
    found: dict[uuid.UUID, list[PlanInstalment]] = {}
    columns = PlanInstalment.__table__.columns  # type: ignore[attr-defined]
    for chunk in _chunks(sorted(account_ids), _IN_CHUNK):
        query = (
            select(Plan.account_id, *columns)
            .join(Plan, Plan.id == PlanInstalment.plan_id)
            .where(col(Plan.account_id).in_(chunk), Plan.status == PlanStatus.active)
            .order_by(col(Plan.account_id), col(PlanInstalment.number))
        )
        for account_id, *values in session.execute(query):
            row = PlanInstalment(**dict(zip(columns.keys(), values, strict=True)))
            found.setdefault(account_id, []).append(row)
    return found


def payments_by_external_id(session: Session, external_ids: list[str]) -> dict[str, Payment]:
    found: dict[str, Payment] = {}
    for chunk in _chunks(external_ids, _IN_CHUNK):
        query = select(Payment).where(col(Payment.external_id).in_(chunk))
        found.update({p.external_id: p for p in session.execute(query).scalars() if p.external_id})
    return found


def insert_lines(session: Session, rows: list[dict[str, Any]]) -> None:
    table: Table = StatementLine.__table__  # type: ignore[attr-defined]
    for chunk in _chunks(rows, CHUNK):
        session.execute(insert(table), list(chunk))


def totals(session: Session, statement_id: uuid.UUID) -> dict[StatementLineStatus, tuple[int, int]]:
    query = (
        select(
            StatementLine.status,
            func.count(),
            *exact_sum(StatementLine.amount_minor),
        )
        .where(StatementLine.statement_id == statement_id)
        .group_by(StatementLine.status)
    )
    return {
        status: (int(count), joined(high, low))
        for status, count, high, low in session.execute(query)
    }


def lines_page(
    session: Session,
    statement_id: uuid.UUID,
    status: StatementLineStatus | None,
    after_line: int | None,
    limit: int,
) -> list[StatementLine]:
    query = select(StatementLine).where(StatementLine.statement_id == statement_id)
    if status:
        query = query.where(StatementLine.status == status)
    return keyset(session, query, StatementLine.line_no, after_line, limit)


def lock_line(
    session: Session, statement_id: uuid.UUID, line_id: uuid.UUID
) -> StatementLine | None:
    """The line, locked until commit and read fresh: a concurrent decision on it has finished
    (and is seen) before this one goes on."""
    query = (
        select(StatementLine)
        .where(StatementLine.id == line_id, StatementLine.statement_id == statement_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(query).scalars().first()


def visible_accounts(
    session: Session, account_ids: set[uuid.UUID], visible: ColumnElement[bool]
) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for chunk in _chunks(sorted(account_ids), _IN_CHUNK):
        query = select(Account.id).where(col(Account.id).in_(chunk), visible)
        found.update(session.execute(query).scalars())
    return found


def line_numbers(session: Session, statement_id: uuid.UUID) -> set[int]:
    """Lines of a statement already stored (a resumed background upload skips them)."""
    query = select(StatementLine.line_no).where(StatementLine.statement_id == statement_id)
    return set(session.execute(query).scalars())


def status_counts(session: Session, statement_id: uuid.UUID) -> dict[StatementLineStatus, int]:
    query = (
        select(StatementLine.status, func.count())
        .where(StatementLine.statement_id == statement_id)
        .group_by(StatementLine.status)
    )
    return {StatementLineStatus(status): count for status, count in session.execute(query)}
