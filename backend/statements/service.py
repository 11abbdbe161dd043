"""Bank statements: upload, match and book; supervisors confirm or reject the rest.

Upload, all or nothing (services never commit):
1. The file is hashed; the same content already uploaded for the portfolio answers with that
   statement (``replayed``) and changes nothing.
2. It is parsed whole (``parser``): any problem answers 422 ``statement_invalid`` listing them.
3. The portfolio row is locked (uploads into one portfolio run one at a time on PostgreSQL), the
   statement row is stored, and the portfolio's open accounts and links are indexed in memory.
4. Lines go in file order: debits and zero amounts are ``ignored``; a line already booked by an
   earlier statement (same fingerprint) is ``matched`` to that payment; otherwise the
   ``matching`` rules run: one candidate is ``matched`` (and booked with the lines around it),
   several are ``ambiguous``, none ``unmatched``. Only an account in the uploader's scope is
   booked at upload (a file cannot move another team's balances): a single candidate outside
   it leaves the line ``ambiguous``, for someone who sees that account to confirm. Lines are
   then written in bulk, with one ``statement.uploaded`` audit event (each payment has its own
   events).

Booking goes through ``payments.service`` (``book_payments`` for the matched lines of a chunk,
``record_payment`` for a confirmation) with ``external_id = statement:<portfolio id>:<line
fingerprint>``: the same bank line is booked once, whichever files carry it and however often it
is confirmed. A link candidate pays the link (its instalment or promise too) and marks it paid;
an account pays the next unpaid instalment of its active plan when the amount equals what that
instalment still owes, else its balance; the plan's allocation rules do the rest. The lines of
a chunk are resolved in file order, each seeing the instalments as the lines before it left
them (``_Targets``).

Decisions lock the line row first, so two concurrent confirmations of one line serialise: the
second finds the line confirmed and answers with the same payment. A booked line cannot be
rejected (money is corrected with a ledger reversal); a rejected line can still be confirmed.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.accounts.scope import account_visibility, visible_account
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.clock import utcnow
from backend.core.db import session_scope
from backend.core.errors import Conflict, NotFound, ValidationFailed
from backend.core.ids import uuid7
from backend.creditors.models import Portfolio
from backend.creditors.service import get_portfolio
from backend.imports.progress import EVERY, NoProgress, Progress
from backend.payments import service as payments
from backend.payments.models import Payment, PaymentLink
from backend.payments.service import IncomingPayment
from backend.plans import repository as plans_repository
from backend.plans import service as plans
from backend.statements import parser, repository
from backend.statements.matching import Candidate, Matcher
from backend.statements.models import BankStatement, StatementLine
from backend.statements.parser import ParsedLine
from backend.users.models import User
from shared.schemas.enums import InstalmentStatus, LinkStatus, PaymentMethod, Role
from shared.schemas.statements import (
    MatchReason,
    StatementCandidate,
    StatementLineRead,
    StatementLineStatus,
    StatementRead,
    StatusTotal,
)

Status = StatementLineStatus
BOOKED = (Status.matched, Status.confirmed)


@dataclass(frozen=True, slots=True)
class UploadResult:
    statement: BankStatement
    replayed: bool


@dataclass(frozen=True, slots=True)
class Target:
    account_id: uuid.UUID
    link_id: uuid.UUID | None = None
    instalment_id: uuid.UUID | None = None
    promise_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Booking:
    """What one line books: its statement, where it sits in it and the money."""

    statement: BankStatement
    line_no: int
    value_date: date
    amount_minor: int
    fingerprint: str

    @property
    def external_id(self) -> str:
        return external_id(self.statement.portfolio_id, self.fingerprint)


def external_id(portfolio_id: uuid.UUID, fingerprint: str) -> str:
    return f"statement:{portfolio_id}:{fingerprint}"


def upload(
    session: Session,
    actor: Actor,
    portfolio_id: uuid.UUID,
    data: bytes,
    filename: str,
    *,
    lang: str = "es",
    progress: Progress | None = None,
) -> UploadResult:
    """Store, match and book a statement file in one transaction (see the module docstring).
    ``progress`` hears of the lines done every few thousand. Long files go through
    ``upload_in_chunks`` in a background job instead."""
    stored = _store(session, actor, portfolio_id, data, filename, lang)
    if stored.replayed:
        return UploadResult(stored.statement, replayed=True)
    matching = _Matching(session, actor, stored.portfolio, stored.statement)
    rows = matching.run(stored.lines, progress or NoProgress())
    repository.insert_lines(session, rows)
    _conclude(session, actor, stored.statement)
    return UploadResult(stored.statement, replayed=False)


def earlier_upload(session: Session, portfolio_id: uuid.UUID, data: bytes) -> BankStatement | None:
    """The statement already made of this exact file in the portfolio, if any."""
    portfolio = get_portfolio(session, portfolio_id)
    return repository.by_hash(session, portfolio.id, hashlib.sha256(data).hexdigest())


CHUNK_LINES = 1000


def upload_in_chunks(
    actor: Actor,
    portfolio_id: uuid.UUID,
    data: bytes,
    filename: str,
    *,
    lang: str = "es",
    progress: Progress | None = None,
    chunk_lines: int = CHUNK_LINES,
) -> uuid.UUID:
    """The background job's upload: the file is checked and the statement stored in a first
    transaction, then lines are matched and booked ``chunk_lines`` at a time, each chunk its
    own transaction, so no lock is held for minutes. Run again after a crash, it carries on
    where the last committed chunk ended (booking is idempotent by line fingerprint)."""
    progress = progress or NoProgress()
    with session_scope() as session:
        stored = _store(session, actor, portfolio_id, data, filename, lang)
        statement_id, portfolio = stored.statement.id, stored.portfolio
        # A replay is a job resuming after a crash, or a file someone uploaded before.
        lines = stored.lines or parser.parse(data, portfolio.currency, lang)
        done = repository.line_numbers(session, statement_id)
        matching = _Matching(session, actor, portfolio, stored.statement)
    pending = [line for line in lines if line.line_no not in done]
    progress.update("booking", len(lines) - len(pending), len(lines))
    for start in range(0, len(pending), chunk_lines):
        with session_scope() as session:
            statement = session.get(BankStatement, statement_id)
            assert statement is not None
            matching.rebind(session, statement)
            rows = matching.run(pending[start : start + chunk_lines], NoProgress())
            repository.insert_lines(session, rows)
        progress.update("booking", len(lines) - len(pending) + start + len(rows), len(lines))
    with session_scope() as session:
        statement = session.get(BankStatement, statement_id)
        assert statement is not None
        if statement.line_count != len(lines):
            _conclude(session, actor, statement)
    return statement_id


@dataclass(frozen=True, slots=True)
class _Stored:
    statement: BankStatement
    portfolio: Portfolio
    lines: list[ParsedLine]
    replayed: bool


def _store(
    session: Session, actor: Actor, portfolio_id: uuid.UUID, data: bytes, filename: str, lang: str
) -> _Stored:
    """Parse the whole file (422 ``statement_invalid`` before anything is written) and store
    the statement row once per file content and portfolio (``replayed``, without its lines,
    if it was there)."""
    portfolio = get_portfolio(session, portfolio_id)
    digest = hashlib.sha256(data).hexdigest()
    if (earlier := repository.by_hash(session, portfolio.id, digest)) is not None:
        return _Stored(earlier, portfolio, [], replayed=True)
    lines = parser.parse(data, portfolio.currency, lang)
    repository.lock_portfolio(session, portfolio.id)
    if (earlier := repository.by_hash(session, portfolio.id, digest)) is not None:
        return _Stored(earlier, portfolio, lines, replayed=True)  # uploaded meanwhile
    statement = BankStatement(
        portfolio_id=portfolio.id,
        filename=filename[-255:],
        sha256=digest,
        currency=portfolio.currency,
        uploaded_by_id=actor.id if actor.kind == "user" else None,
    )
    try:
        with session.begin_nested():
            session.add(statement)
            session.flush()
    except IntegrityError:  # the same file, uploaded concurrently, committed first
        winner = repository.by_hash(session, portfolio.id, digest)
        if winner is None:
            raise
        return _Stored(winner, portfolio, lines, replayed=True)
    return _Stored(statement, portfolio, lines, replayed=False)


def _conclude(session: Session, actor: Actor, statement: BankStatement) -> None:
    """Counts from the stored lines, and one ``statement.uploaded`` audit event."""
    counts = repository.status_counts(session, statement.id)
    statement.line_count = sum(counts.values())
    statement.matched_count = counts.get(Status.matched, 0)
    statement.ambiguous_count = counts.get(Status.ambiguous, 0)
    statement.unmatched_count = counts.get(Status.unmatched, 0)
    statement.ignored_count = counts.get(Status.ignored, 0)
    session.add(statement)
    session.flush()
    audit.record(
        session,
        actor,
        "statement.uploaded",
        "bank_statement",
        statement.id,
        after=audit.snapshot(statement),
    )


class _Matching:
    """One upload's lines, in file order, against the portfolio indexed once."""

    def __init__(
        self, session: Session, actor: Actor, portfolio: Portfolio, statement: BankStatement
    ) -> None:
        self.session, self.actor, self.statement = session, actor, statement
        self.matcher = Matcher(
            repository.open_accounts(session, portfolio.id),
            repository.open_links(session, portfolio.id),
        )
        self.with_plans = repository.accounts_with_plans(session, portfolio.id)
        self.bookable = _bookable(session, actor, portfolio.id)

    def rebind(self, session: Session, statement: BankStatement) -> None:
        """Carry on in another transaction (a background upload's next chunk)."""
        self.session, self.statement = session, statement

    def run(self, lines: list[ParsedLine], progress: Progress) -> list[dict[str, Any]]:
        prints = parser.fingerprints(lines)
        booked = repository.payments_by_external_id(
            self.session, [external_id(self.statement.portfolio_id, f) for f in prints]
        )
        rows: list[dict[str, Any]] = []
        pending: list[tuple[dict[str, Any], Booking, Candidate]] = []
        progress.update("matching", 0, len(lines))
        for line, fingerprint in zip(lines, prints, strict=True):
            booking = Booking(
                self.statement, line.line_no, line.value_date, line.amount_minor, fingerprint
            )
            row = _row(self.statement.id, line, fingerprint)
            if line.amount_minor <= 0:
                row["status"] = Status.ignored
            elif (payment := booked.get(booking.external_id)) is not None:
                self._already_booked(row, payment)
            else:
                self._match(row, line, booking, pending)
            rows.append(row)
            if len(rows) % EVERY == 0 or len(rows) == len(lines):
                progress.update("matching", len(rows), len(lines))
        self._book(pending)
        return rows

    def _book(self, pending: list[tuple[dict[str, Any], Booking, Candidate]]) -> None:
        """The matched lines booked together (``payments.book_payments``), in file order, each
        to what it pays (``_Targets``); the links they pay marked paid."""
        targets = _Targets(
            self.session, [(c.account.id, c.link_id) for _, _, c in pending], self.with_plans
        )
        resolved: list[Target] = []
        for row, booking, chosen in pending:
            target = targets.resolve(chosen.account.id, chosen.link_id, booking.amount_minor)
            row.update(link_id=target.link_id, instalment_id=target.instalment_id)
            resolved.append(target)
        booked = payments.book_payments(
            self.session,
            self.actor,
            [
                (target.account_id, _incoming(booking, target))
                for (_, booking, _), target in zip(pending, resolved, strict=True)
            ],
        )
        for (row, _, _), target, (payment, _) in zip(
            pending, resolved, booked.results, strict=True
        ):
            if target.link_id:
                booked.link_paid(
                    self.actor, target.link_id, target.account_id, LinkStatus.open, payment.id
                )
            row["payment_id"] = payment.id
        booked.write(self.session)

    def _already_booked(self, row: dict[str, Any], payment: Payment) -> None:
        info = self.matcher.accounts.get(payment.account_id) or repository.account_info(
            self.session, payment.account_id
        )
        row["candidates"] = [Candidate(MatchReason.already_booked, info, payment.link_id).as_json()]
        row.update(
            status=Status.matched,
            account_id=payment.account_id,
            link_id=payment.link_id,
            instalment_id=payment.instalment_id,
            payment_id=payment.id,
        )

    def _match(
        self,
        row: dict[str, Any],
        line: ParsedLine,
        booking: Booking,
        pending: list[tuple[dict[str, Any], Booking, Candidate]],
    ) -> None:
        """Match the line; a single candidate is booked with the chunk's others. A link is
        paid once: later lines no longer find it (one found paid meanwhile, by another
        upload or a provider, is left to the account when booking)."""
        candidates = self.matcher.match(line.reference, line.description, line.amount_minor)
        row["candidates"] = [c.as_json() for c in candidates]
        if len(candidates) != 1:
            row["status"] = Status.ambiguous if candidates else Status.unmatched
            return
        (chosen,) = candidates
        if self.bookable is not None and chosen.account.id not in self.bookable:
            row["status"] = Status.ambiguous  # outside the uploader's scope: confirmed by another
            return
        if chosen.link_id:
            self.matcher.link_paid(chosen.link_id)
        row.update(status=Status.matched, account_id=chosen.account.id)
        pending.append((row, booking, chosen))


def _bookable(session: Session, actor: Actor, portfolio_id: uuid.UUID) -> set[uuid.UUID] | None:
    """The open accounts of the portfolio an upload may book to: those the uploading user may
    see (None: every one, for admins and the system)."""
    user = session.get(User, actor.id) if actor.kind == "user" else None
    if user is None or user.role == Role.admin:
        return None
    return repository.open_account_ids(session, portfolio_id, account_visibility(user))


class _Targets:
    """What each matched line of a chunk pays (``resolve_target``'s rules) for the whole chunk
    at once: the links named still open, and the active plans' instalments of accounts known
    to have one, read with one query each; each line's money is then allocated to the copies
    of the instalments (``plans.apply_received``, the plan's own rule) before the next line
    is resolved, as booking them one by one would find them."""

    def __init__(
        self,
        session: Session,
        chosen: list[tuple[uuid.UUID, uuid.UUID | None]],
        with_plans: set[uuid.UUID],
    ) -> None:
        self.links = repository.open_links_paying(session, {link for _, link in chosen if link})
        planned = {account for account, _ in chosen if account in with_plans}
        self.plans = repository.active_instalments(session, planned) if planned else {}

    def resolve(self, account_id: uuid.UUID, link_id: uuid.UUID | None, amount: int) -> Target:
        if link_id is not None and link_id in self.links:
            instalment_id, promise_id = self.links.pop(link_id)  # paid once
            target = Target(account_id, link_id, instalment_id, promise_id)
        else:
            rows = self.plans.get(account_id, [])
            unpaid = next((r for r in rows if r.status != InstalmentStatus.paid), None)
            owed = unpaid.amount_minor - unpaid.paid_minor if unpaid else None
            target = Target(account_id, instalment_id=unpaid.id if owed == amount else None)
        if (rows := self.plans.get(account_id)) is not None:
            plans.apply_received(rows, plans.Received(amount, target.instalment_id))
            for row in rows:
                if row.paid_minor >= row.amount_minor:
                    row.status = InstalmentStatus.paid
            if all(row.status == InstalmentStatus.paid for row in rows):
                del self.plans[account_id]  # completed: no active plan any more
        return target


def _row(statement_id: uuid.UUID, line: ParsedLine, fingerprint: str) -> dict[str, Any]:
    return {
        "id": uuid7(),
        "statement_id": statement_id,
        "line_no": line.line_no,
        "value_date": line.value_date,
        "amount_minor": line.amount_minor,
        "reference": line.reference,
        "description": line.description,
        "fingerprint": fingerprint,
        "candidates": [],
        "account_id": None,
        "link_id": None,
        "instalment_id": None,
        "payment_id": None,
        "decided_by_id": None,
        "decided_at": None,
    }


def resolve_target(
    session: Session,
    account_id: uuid.UUID,
    link_id: uuid.UUID | None,
    amount_minor: int,
    *,
    plan: bool = True,
) -> Target:
    """What the money pays: a still open link as a whole; else the next unpaid instalment of
    the account's active plan when the amount is exactly what it still owes; else the balance.
    ``plan=False`` says the account has no active plan (known in bulk at upload)."""
    if link_id:
        link = session.get(PaymentLink, link_id)
        if link is not None and link.status == LinkStatus.open:
            return Target(account_id, link.id, link.instalment_id, link.promise_id)
    active = plans_repository.active_plan(session, account_id) if plan else None
    if active is None:
        return Target(account_id)
    unpaid = next(
        (
            row
            for row in plans_repository.instalments(session, active.id)
            if row.status != InstalmentStatus.paid
        ),
        None,
    )
    if unpaid is not None and unpaid.amount_minor - unpaid.paid_minor == amount_minor:
        return Target(account_id, instalment_id=unpaid.id)
    return Target(account_id)


def _incoming(booking: Booking, target: Target) -> IncomingPayment:
    return IncomingPayment(
        amount_minor=booking.amount_minor,
        currency=booking.statement.currency,
        paid_on=booking.value_date,
        method=PaymentMethod.bank_statement,
        external_id=booking.external_id,
        link_id=target.link_id,
        instalment_id=target.instalment_id,
        promise_id=target.promise_id,
        details={"statement_id": str(booking.statement.id), "line_no": booking.line_no},
    )


def book(session: Session, actor: Actor, booking: Booking, target: Target) -> Payment:
    """Record the line's money once (a replay returns the first payment) and close its link."""
    payment, _ = payments.record_payment(
        session, actor, target.account_id, _incoming(booking, target)
    )
    if target.link_id:
        _close_link(session, actor, target.link_id, payment)
    return payment


def _close_link(session: Session, actor: Actor, link_id: uuid.UUID, payment: Payment) -> None:
    link = session.get(PaymentLink, link_id)
    if link is None or link.status == LinkStatus.paid:
        return
    before = link.status.value
    link.status, link.paid_at = LinkStatus.paid, utcnow()
    session.add(link)
    session.flush()
    audit.record(
        session,
        actor,
        "payment_link.paid",
        "payment_link",
        link.id,
        before={"status": before},
        after={"status": "paid", "payment_id": str(payment.id)},
        account_id=link.account_id,
    )


def get_statement(session: Session, statement_id: uuid.UUID) -> BankStatement:
    statement = session.get(BankStatement, statement_id)
    if statement is None:
        raise NotFound()
    return statement


def _locked_line(session: Session, statement_id: uuid.UUID, line_id: uuid.UUID) -> StatementLine:
    line = repository.lock_line(session, statement_id, line_id)
    if line is None:
        raise NotFound()
    if line.status == Status.ignored:
        raise Conflict("error.statement_line_debit")
    return line


def confirm(
    session: Session,
    actor: Actor,
    user: User,
    statement_id: uuid.UUID,
    line_id: uuid.UUID,
    account_id: uuid.UUID,
) -> tuple[StatementLine, bool]:
    """Book an ambiguous, unmatched or rejected line to ``account_id``: one of its candidates,
    or any account of the portfolio in the caller's scope when it has none. Returns the line
    and whether it was booked now; confirming a booked line again with the same account is a
    replay (nothing is booked), with another account a 409."""
    line = _locked_line(session, statement_id, line_id)
    if line.status in BOOKED:
        if line.account_id == account_id:
            return line, False
        raise Conflict("error.statement_line_booked", state=line.status.value)
    statement = get_statement(session, statement_id)
    account = visible_account(session, user, account_id)
    if account.portfolio_id != statement.portfolio_id:
        raise NotFound()
    chosen = next((c for c in line.candidates if c["account_id"] == str(account.id)), None)
    if line.candidates and chosen is None:
        raise ValidationFailed("error.statement_not_a_candidate")
    link_id = uuid.UUID(chosen["link_id"]) if chosen and chosen.get("link_id") else None
    target = resolve_target(session, account.id, link_id, line.amount_minor)
    booking = Booking(statement, line.line_no, line.value_date, line.amount_minor, line.fingerprint)
    payment = book(session, actor, booking, target)
    before = line.status
    line.status = Status.confirmed
    line.account_id, line.link_id, line.instalment_id = (
        account.id,
        target.link_id,
        target.instalment_id,
    )
    line.payment_id = payment.id
    _decided(session, actor, line, before, account_id=account.id)
    return line, True


def reject(
    session: Session, actor: Actor, statement_id: uuid.UUID, line_id: uuid.UUID
) -> StatementLine:
    """Mark an ambiguous or unmatched line as not a debtor's payment (again: a no-op)."""
    line = _locked_line(session, statement_id, line_id)
    if line.status == Status.rejected:
        return line
    if line.status in BOOKED:
        raise Conflict("error.statement_line_booked", state=line.status.value)
    before = line.status
    line.status = Status.rejected
    _decided(session, actor, line, before, account_id=None)
    return line


def _decided(
    session: Session,
    actor: Actor,
    line: StatementLine,
    before: StatementLineStatus,
    *,
    account_id: uuid.UUID | None,
) -> None:
    line.decided_by_id = actor.id if actor.kind == "user" else None
    line.decided_at = utcnow()
    session.add(line)
    session.flush()
    audit.record(
        session,
        actor,
        f"statement_line.{line.status.value}",
        "statement_line",
        line.id,
        before={"status": before.value},
        after={
            "status": line.status.value,
            "statement_id": str(line.statement_id),
            "line_no": line.line_no,
            "payment_id": str(line.payment_id) if line.payment_id else None,
        },
        account_id=account_id,
    )


def to_read(session: Session, statement: BankStatement, *, replayed: bool = False) -> StatementRead:
    found = repository.totals(session, statement.id)
    totals = {
        status: StatusTotal(count=count, amount_minor=amount)
        for status in Status
        for count, amount in [found.get(status, (0, 0))]
    }
    return StatementRead.model_validate(
        {**statement.model_dump(), "totals": totals, "replayed": replayed}
    )


def line_reads(
    session: Session, user: User, statement: BankStatement, lines: list[StatementLine]
) -> list[StatementLineRead]:
    """Lines as the caller may see them: candidates outside their scope keep only their id and
    reference (no debtor name, no balance)."""
    ids = {uuid.UUID(c["account_id"]) for line in lines for c in line.candidates}
    visible = (
        ids
        if user.role == Role.admin
        else repository.visible_accounts(session, ids, account_visibility(user))
    )
    return [
        StatementLineRead.model_validate(
            {
                **line.model_dump(),
                "currency": statement.currency,
                "candidates": [
                    _candidate(c, uuid.UUID(c["account_id"]) in visible) for c in line.candidates
                ],
            }
        )
        for line in lines
    ]


def _candidate(stored: dict[str, Any], visible: bool) -> StatementCandidate:
    if visible:
        return StatementCandidate.model_validate({**stored, "visible": True})
    return StatementCandidate.model_validate(
        {**stored, "debtor_name": None, "balance_minor": None, "visible": False}
    )
