"""Every query of the import: batches, the portfolio's current state for one chunk of the file
(the debtors and accounts its rows name), and the set-based statements that write a plan
(``bulk`` inserts, executemany updates, no ORM objects)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, String, Table, any_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from backend.accounts.models import Account
from backend.audit import service as audit
from backend.audit.models import AuditEvent
from backend.core.pagination import keyset
from backend.creditors.models import Portfolio
from backend.debtors.models import Debtor, DebtorAddress, DebtorPhone, document_index
from backend.imports import bulk
from backend.imports.digests import DigestMap
from backend.imports.models import ImportBatch
from backend.imports.records import (
    COMPONENTS,
    DebtorKey,
    ExistingAccount,
    ExistingDebtor,
    address_key,
    stored_debtor_text,
)
from backend.ledger.models import LedgerEntry
from backend.users.models import User
from shared.schemas.enums import AccountStatus, DebtorKind, Language, Role

CHUNK = 5000
SQLITE_CACHE_KIB = 65536  # the page cache of an import's SQLite connection (64 MiB at most)
_STREAM = 10_000  # rows fetched at a time when streaming keys


def _table(model: Any) -> Table:
    return model.__table__


@contextmanager
def larger_cache(session: Session) -> Iterator[None]:
    """On SQLite, a page cache of ``SQLITE_CACHE_KIB`` for the import's connection, then its
    own again (the connection goes back to the pool). The default 2 MB holds a sliver of
    the indexes an import inserts into at scattered places (an account's agent, status and
    due date), so their pages were written out to the WAL and read back over and over
    within the transaction; with this cache the import takes about 7% less CPU (measured
    with ``benchmarks/import_stream.py``). A no-op on PostgreSQL (the server's buffers)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def lock_portfolio(session: Session, portfolio_id: uuid.UUID) -> None:
    """Hold the portfolio row until commit, so imports into one portfolio run one after the
    other on PostgreSQL and each plans against the state the previous one left (a no-op on
    SQLite, which lets one writer at a time anyway). ``FOR NO KEY UPDATE``: it still excludes
    another import's, but not the key-share lock PostgreSQL takes to check a foreign key, so
    while an import runs, rows naming the portfolio (an audit event, a payment) can still be
    written; ``FOR UPDATE`` made them wait for the whole import, and deadlock with it."""
    session.execute(
        select(Portfolio.id).where(Portfolio.id == portfolio_id).with_for_update(key_share=True)
    )


def batch_by_hash(session: Session, portfolio_id: uuid.UUID, sha256: str) -> ImportBatch | None:
    """The completed batch of this content (rejected ones do not count)."""
    query = select(ImportBatch).where(
        ImportBatch.portfolio_id == portfolio_id,
        ImportBatch.sha256 == sha256,
        ImportBatch.status == "completed",
    )
    return session.execute(query).scalars().first()


def batches_page(
    session: Session,
    *,
    before: uuid.UUID | None,
    limit: int,
    portfolio_id: uuid.UUID | None,
    created_by: uuid.UUID | None,
) -> list[ImportBatch]:
    """Newest first; ``before`` is the last id of the previous page; ``created_by`` keeps
    one user's batches."""
    query = select(ImportBatch)
    if portfolio_id:
        query = query.where(ImportBatch.portfolio_id == portfolio_id)
    if created_by is not None:
        query = query.where(ImportBatch.created_by_id == created_by)
    return keyset(session, query, ImportBatch.id, before, limit, newest_first=True)


def agents(session: Session, supervisor_id: uuid.UUID | None) -> dict[str, uuid.UUID]:
    """E-mail -> id of the active agents (of one supervisor's team when given)."""
    query = select(User.email, User.id).where(User.role == Role.agent, col(User.is_active))
    if supervisor_id is not None:
        query = query.where(User.supervisor_id == supervisor_id)
    return {email.lower(): user_id for email, user_id in session.execute(query)}


def portfolio_keys(session: Session, portfolio_id: uuid.UUID) -> tuple[DigestMap, DigestMap]:
    """The references of the portfolio's accounts and the keys of its debtors, streamed into
    compact sets (two queries, whatever the portfolio's size)."""
    refs, debtors = DigestMap(), DigestMap()
    accounts = select(Account.external_ref).where(Account.portfolio_id == portfolio_id)
    for ref in session.execute(accounts.execution_options(yield_per=_STREAM)).scalars():
        refs[ref] = 1
    people = select(Debtor.id_type, Debtor.id_number_index).where(
        Debtor.portfolio_id == portfolio_id
    )
    for id_type, index in session.execute(people.execution_options(yield_per=_STREAM)):
        debtors[stored_debtor_text(id_type, index)] = 1
    return refs, debtors


def among(session: Session, column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """``column IN values`` as one parameter, whatever the number of values: an array on
    PostgreSQL (``= ANY``), a JSON list read by ``json_each`` on SQLite (UUIDs as the hex text
    SQLite stores). One short statement per chunk of the file, not one per row nor a
    statement of thousands of placeholders."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    given = [v.hex if isinstance(v, uuid.UUID) else v for v in values]
    listed = func.json_each(bindparam(None, json.dumps(given), type_=String)).table_valued("value")
    return column.in_(select(listed.c.value))


def debtors_of(
    session: Session,
    portfolio_id: uuid.UUID,
    keys: Collection[DebtorKey],
    visible: ColumnElement[bool],
) -> dict[DebtorKey, ExistingDebtor]:
    """The portfolio's debtors with these documents, each with whether the importing user may
    see it (``visible``, over ``Debtor``), and for those they may see their phones and address
    keys: one query, then one for the phones and one for the addresses."""
    found: dict[DebtorKey, ExistingDebtor] = {}
    by_id: dict[uuid.UUID, ExistingDebtor] = {}
    if not keys:
        return found
    numbers = {document_index(number): number for _, number in keys}  # documents are sealed
    query = select(
        Debtor.id,
        Debtor.id_type,
        Debtor.id_number_index,
        Debtor.kind,
        Debtor.first_name,
        Debtor.last_name,
        Debtor.company_name,
        Debtor.birth_date,
        Debtor.preferred_language,
        Debtor.emails,
        visible.label("visible"),
    ).where(  # the columns of the unique key, so its index serves the query
        Debtor.portfolio_id == portfolio_id,
        among(session, col(Debtor.id_type), {id_type.value for id_type, _ in keys}),
        among(session, col(Debtor.id_number_index), numbers),
    )
    # What was read stays so until the import commits: an erasure (or an edit) waits for it,
    # and the import never writes personal data back onto a debtor erased since it read them.
    query = query.with_for_update(read=True, of=Debtor)
    for row in session.execute(query):
        key = (row.id_type, numbers[row.id_number_index])
        if key not in keys:
            continue
        if not row.visible:  # nothing of it is kept: the import may not touch it
            found[key] = _out_of_scope(row.id)
            continue
        debtor = ExistingDebtor(
            id=row.id,
            kind=row.kind,
            first_name=row.first_name,
            last_name=row.last_name,
            company_name=row.company_name,
            birth_date=row.birth_date,
            language=row.preferred_language,
            emails=list(row.emails or []),
        )
        found[key] = debtor
        by_id[row.id] = debtor
    if not by_id:
        return found
    phones = (
        select(DebtorPhone.debtor_id, DebtorPhone.e164)
        .where(among(session, col(DebtorPhone.debtor_id), by_id))
        .order_by(DebtorPhone.debtor_id, DebtorPhone.position)
    )
    for debtor_id, e164 in session.execute(phones):
        by_id[debtor_id].phones.append(e164)
    addresses = select(
        DebtorAddress.debtor_id, DebtorAddress.line1, DebtorAddress.district, DebtorAddress.city
    ).where(among(session, col(DebtorAddress.debtor_id), by_id))
    for debtor_id, line1, district, city in session.execute(addresses):
        by_id[debtor_id].address_keys.add(address_key(line1, district, city))
        by_id[debtor_id].address_count += 1
    return found


def _out_of_scope(debtor_id: uuid.UUID) -> ExistingDebtor:
    """What a chunk knows of a debtor the importing user may not see: that it is not theirs."""
    return ExistingDebtor(
        id=debtor_id,
        kind=DebtorKind.person,
        first_name=None,
        last_name=None,
        company_name=None,
        birth_date=None,
        language=Language.es,
        emails=[],
        visible=False,
    )


def accounts_of(
    session: Session,
    portfolio_id: uuid.UUID,
    refs: Collection[str],
    visible: ColumnElement[bool],
) -> dict[str, ExistingAccount]:
    """The portfolio's accounts with these references, their debtors' documents, and whether
    the importing user may see each (``visible``, over ``Account``): one query."""
    found: dict[str, ExistingAccount] = {}
    if not refs:
        return found
    query = (
        select(
            Account.id,
            Account.external_ref,
            Account.debtor_id,
            Account.product,
            Account.principal_minor,
            Account.origination_date,
            Account.due_date,
            Account.assigned_agent_id,
            Account.status,
            Account.balance_minor,
            Debtor.id_type,
            Debtor.id_number,
            visible.label("visible"),
        )
        .join(Debtor, Debtor.id == Account.debtor_id)
        .where(
            Account.portfolio_id == portfolio_id, among(session, col(Account.external_ref), refs)
        )
        .with_for_update(read=True, of=Debtor)  # as in ``debtors_of``
    )
    for row in session.execute(query):
        found[row.external_ref] = ExistingAccount(
            id=row.id,
            debtor_id=row.debtor_id,
            product=row.product,
            principal_minor=row.principal_minor,
            origination_date=row.origination_date,
            due_date=row.due_date,
            assigned_agent_id=row.assigned_agent_id,
            status=row.status,
            balance_minor=row.balance_minor,
            debtor_key=(row.id_type, row.id_number),
            visible=bool(row.visible),
        )
    return found


def imported_figures(
    session: Session, account_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, dict[str, int]]:
    """Per account, the cumulative figures booked by imports so far (``paid`` positive), in
    one query.

    An entry counts for the component named in its key (``import:<component>:<batch>``, and
    ``origination:principal`` from the API); a reversal counts for the entry it reverses.
    """
    figures: dict[uuid.UUID, dict[str, int]] = {}
    if not account_ids:
        return figures
    entry = aliased(LedgerEntry)
    original = aliased(LedgerEntry)
    key = func.coalesce(original.idempotency_key, entry.idempotency_key)
    query = (
        select(entry.account_id, key, entry.amount_minor)
        .outerjoin(original, original.id == entry.reverses_entry_id)
        .where(
            among(session, col(entry.account_id), account_ids),
            or_(key.like("import:%"), key == "origination:principal"),
        )
    )
    for account_id, idempotency_key, amount in session.execute(query):
        component = idempotency_key.split(":")[1]
        if component not in COMPONENTS:
            continue
        sums = figures.setdefault(account_id, {})
        sums[component] = sums.get(component, 0) + (-amount if component == "paid" else amount)
    return figures


def chunks(rows: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def insert_rows(session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Set-based inserts (every dict carries every column; Python-side defaults do not run)."""
    for chunk in chunks(rows):
        bulk.insert(session, _table(model), chunk)


def update_debtors(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    for chunk in chunks(rows):
        bulk.update(session, _table(Debtor), chunk)


def update_accounts(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Field updates plus an atomic increment of the cached balance (``balance_minor`` is the
    change), so ledger posts running at the same time are never lost."""
    for chunk in chunks(rows):
        bulk.update(session, _table(Account), chunk, increment=("balance_minor",))


def balances(
    session: Session, ids: Collection[uuid.UUID]
) -> list[tuple[uuid.UUID, int, AccountStatus]]:
    if not ids:
        return []
    query = select(Account.id, Account.balance_minor, Account.status).where(
        among(session, col(Account.id), ids)
    )
    return [(row.id, row.balance_minor, row.status) for row in session.execute(query)]


def set_statuses(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    for chunk in chunks(rows):
        bulk.update(session, _table(Account), chunk)


def insert_audit(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    insert_rows(session, AuditEvent, audit.masked_rows(rows))
