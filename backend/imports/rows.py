"""Row validation: each row becomes one account and its debtor, or errors in the report.

Rules checked here (those needing the database are in ``plan``):
- every row has as many fields as the header (an unquoted decimal comma in a ``,`` file shows
  up here); required values present; each cell parses (see ``fields``); an invalid phone or
  e-mail is only a warning: the row imports without it;
- ``principal`` is more than zero; ``origination_date`` is not after ``due_date``; a birth date
  is in the past;
- an address needs its line when district, city, region or coordinates are given; latitude and
  longitude come together;
- ``agent_email`` names an active agent (for a supervisor, one of their team);
- across rows: an ``external_ref`` appears once; rows of the same debtor (same document) do not
  contradict each other in names, birth date or language (compared ignoring case and accents);
  their phones, e-mails and addresses are pooled.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from backend.imports import fields
from backend.imports.columns import Header
from backend.imports.digests import DigestMap
from backend.imports.errors import FieldError, Report
from backend.imports.reader import Cell
from backend.imports.records import (
    COMPONENTS,
    AccountIn,
    AddressIn,
    DebtorIn,
    DebtorKey,
    debtor_text,
    folded,
    indexed_debtor_text,
)

_INVALID: Any = object()  # a cell that failed; distinct from None (blank)
_UNKNOWN: Any = object()  # not in the memo
IDENTITY_FIELDS = ("first_name", "last_name", "company_name", "birth_date", "language")


MEMO_SIZE = 4096  # values remembered per column (then forgotten all at once)


@dataclass(frozen=True, slots=True, eq=False)
class RowContext:
    header: Header
    currency: str
    country: str
    today: date
    agents: dict[str, uuid.UUID]  # e-mail -> id of the agents this import may assign
    # Per column, what recent cells parsed to (a value or its FieldError): files repeat
    # products, dates, cities, agents, and a debtor's cells on each of its rows.
    memo: dict[str, dict[Any, Any]] = field(default_factory=dict)


@dataclass(slots=True)
class FileRows:
    """The validated content of one chunk of a file: debtors merged by document, accounts by
    row."""

    debtors: dict[DebtorKey, DebtorIn] = field(default_factory=dict)
    accounts: list[AccountIn] = field(default_factory=list)


# Bits of a debtor's ``Seen`` state: the identity fields the file gave, then two flags.
GIVEN = {name: 1 << bit for bit, name in enumerate(IDENTITY_FIELDS)}
CREATED = 1 << len(IDENTITY_FIELDS)  # created by this import
COUNTED = CREATED << 1  # counted as updated by this import
_FLAGS = 8  # bits below the first row


@dataclass(slots=True)
class Seen:
    """What the import knows of keys beyond the current chunk, compactly (the memory of a
    streamed file is this, not its rows; ``DigestMap`` keeps at most 64 bytes a key):

    - what earlier chunks held: each reference's row, and per debtor one int packing its first
      row and the flags above (the values themselves are then in the database, written by
      those chunks);
    - the references and debtors the portfolio had before the import (``existing_*``), so a
      chunk queries the database only for keys that can be there (none, for a new portfolio).
    """

    refs: DigestMap = field(default_factory=DigestMap)
    debtors: DigestMap = field(default_factory=DigestMap)
    existing_refs: DigestMap = field(default_factory=DigestMap)
    existing_debtors: DigestMap = field(default_factory=DigestMap)

    def debtor(self, key: DebtorKey) -> int | None:
        return self.debtors.get(debtor_text(key))

    def remember(self, debtor: DebtorIn, flags: int) -> None:
        given = 0
        for name, bit in GIVEN.items():
            if getattr(debtor, name) is not None:
                given |= bit
        earlier = debtor.earlier or (debtor.row << _FLAGS)
        self.debtors[debtor_text(debtor.key)] = earlier | given | flags

    def stored_account(self, ref: str) -> bool:
        """Whether an account with this reference may be in the database: one the portfolio
        had (those of earlier chunks are duplicates, refused before)."""
        return self.existing_refs.get(ref) is not None

    def stored_debtor(self, key: DebtorKey) -> bool:
        """Whether this debtor may be in the database: the portfolio had it, or an earlier
        chunk wrote it."""
        if self.debtors.get(debtor_text(key)) is not None:
            return True
        return self.existing_debtors.get(indexed_debtor_text(key)) is not None


def first_row(state: int) -> int:
    return state >> _FLAGS


class _Row:
    """One row's cells, parsed column by column with every problem reported."""

    def __init__(self, number: int, cells: list[Cell], ctx: RowContext, report: Report) -> None:
        self.number = number
        self.cells = cells
        self.ctx = ctx
        self.report = report
        self.failed = False

    def parse(
        self,
        name: str,
        parser: Callable[..., Any],
        *args: Any,
        need: bool = False,
        per_row: bool = False,
    ) -> Any:
        """``parser(cell, *args)``, remembered by cell: ``args`` are the file's, the same on
        every row, unless ``per_row`` (then they are part of what is remembered)."""
        header = self.ctx.header
        position = header.positions.get(name)
        cell = header.implied.get(name, "") if position is None else self.cells[position]
        key = (cell, *args) if per_row else cell
        memo = self.ctx.memo.get(name)
        if memo is None:
            memo = self.ctx.memo[name] = {}
        value = memo.get(key, _UNKNOWN)
        if value is _UNKNOWN:
            try:
                value = parser(cell, *args)
            except FieldError as exc:
                value = exc.with_traceback(None)  # no frames kept alive (nor cycles made)
                value.__context__ = None
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            memo[key] = value
        if isinstance(value, FieldError):
            self.fail(name, value)
            return _INVALID
        if need and value is None:
            self.fail(name, FieldError("required"))
            return _INVALID
        return value

    def fail(self, name: str, error: FieldError) -> None:
        self.failed = True
        self.report.add_field(self.number, self.ctx.header.label(name), error)

    def contacts(self, name: str, found: Any, code: str, **params: Any) -> list[str]:
        """The valid contacts of a parsed cell; each invalid one is a warning (the row
        imports without it)."""
        if found is _INVALID:
            return []
        for value in found.invalid:
            self.report.warn(self.number, self.ctx.header.label(name), code, value=value, **params)
        return list(found.valid)  # the row's own list: the memo keeps ``found``


def validate_row(
    number: int, cells: list[Cell], ctx: RowContext, report: Report
) -> tuple[DebtorIn, AccountIn] | None:
    if len(cells) != ctx.header.width:
        report.add(number, "*", "field_count", expected=ctx.header.width, found=len(cells))
        return None
    row = _Row(number, cells, ctx, report)
    debtor = _debtor(row)
    account = _account(row, debtor.key if debtor else None)
    if row.failed or debtor is None or account is None:
        return None
    return debtor, account


def _debtor(row: _Row) -> DebtorIn | None:
    ctx = row.ctx
    kind = row.parse("id_type", fields.id_type, need=True)
    number = (
        row.parse("id_number", fields.national_id, kind, need=True, per_row=True)
        if kind is not _INVALID
        else _INVALID
    )
    debtor = DebtorIn(
        row=row.number,
        id_type=kind,
        id_number=number,
        first_name=row.parse("first_name", fields.text, 100),
        last_name=row.parse("last_name", fields.text, 100),
        company_name=row.parse("company_name", fields.text, 200),
        birth_date=row.parse("birth_date", fields.a_date),
        language=row.parse("language", fields.language),
        phones=row.contacts(
            "phones",
            row.parse("phones", fields.phones, ctx.country),
            "invalid_phone",
            country=ctx.country,
        ),
        emails=row.contacts("email", row.parse("email", fields.emails), "invalid_email"),
    )
    if debtor.birth_date not in (None, _INVALID) and debtor.birth_date >= ctx.today:
        row.fail("birth_date", FieldError("birth_date_future", value=str(debtor.birth_date)))
    address = _address(row)
    if address is not None and address is not _INVALID:
        debtor.addresses = [address]
    return None if row.failed else debtor


def _address(row: _Row) -> AddressIn | None:
    line1 = row.parse("address", fields.text, 300)
    district = row.parse("district", fields.text, 120)
    city = row.parse("city", fields.text, 120)
    region = row.parse("region", fields.text, 120)
    latitude = row.parse("latitude", fields.coordinate, 90)
    longitude = row.parse("longitude", fields.coordinate, 180)
    parts = (line1, district, city, region, latitude, longitude)
    if _INVALID in parts:
        return _INVALID
    if (latitude is None) != (longitude is None):
        missing = "latitude" if latitude is None else "longitude"
        row.fail(missing, FieldError("coordinates_incomplete"))
        return _INVALID
    if line1 is None:
        if any(part is not None for part in parts):
            row.fail("address", FieldError("address_required"))
            return _INVALID
        return None
    return AddressIn(line1, district, city, region, latitude, longitude)


def _account(row: _Row, debtor_key: DebtorKey | None) -> AccountIn | None:
    ctx = row.ctx
    external_ref = row.parse("external_ref", fields.text, 64, need=True)
    product = row.parse("product", fields.text, 120, need=True)
    row.parse("currency", fields.currency, ctx.currency, need=True)
    money = {
        name: row.parse(name, fields.amount, ctx.currency, need=name == "principal")
        for name in COMPONENTS
    }
    origination = row.parse("origination_date", fields.a_date)
    due = row.parse("due_date", fields.a_date, need=True)
    agent_id = row.parse("agent_email", _agent, ctx)
    if money["principal"] == 0:
        row.fail("principal", FieldError("amount_not_positive"))
    if _INVALID not in (origination, due) and origination is not None and origination > due:
        row.fail("origination_date", FieldError("date_order", due=str(due)))
    if row.failed or debtor_key is None:
        return None
    return AccountIn(
        row=row.number,
        debtor_key=debtor_key,
        external_ref=external_ref,
        product=product,
        principal=money["principal"],
        interest=money["interest"],
        fees=money["fees"],
        paid=money["paid"],
        origination_date=origination,
        due_date=due,
        agent_id=agent_id,
    )


def _agent(cell: Cell, ctx: RowContext) -> uuid.UUID | None:
    raw = fields.text(cell, 254)
    if raw is None:
        return None
    found = ctx.agents.get(raw.lower())
    if found is None:
        raise FieldError("unknown_agent", value=raw)
    return found


def collect(
    rows: FileRows,
    seen: Seen,
    debtor: DebtorIn,
    account: AccountIn,
    header: Header,
    report: Report,
) -> None:
    """Add one valid row to the chunk's content, reporting clashes with earlier rows (those of
    earlier chunks are checked against the database when the chunk is planned)."""
    first = seen.refs.get(account.external_ref)
    if first is not None:
        report.add(
            account.row, header.label("external_ref"), "duplicate_external_ref", first_row=first
        )
        return
    known = rows.debtors.get(debtor.key)
    if known is None:
        debtor.earlier = seen.debtor(debtor.key)
        rows.debtors[debtor.key] = debtor
    elif not _merge(known, debtor, header, report):
        return
    seen.refs[account.external_ref] = account.row
    rows.accounts.append(account)


def _merge(known: DebtorIn, other: DebtorIn, header: Header, report: Report) -> bool:
    clashes = [
        name
        for name in IDENTITY_FIELDS
        if None not in (getattr(known, name), getattr(other, name))
        and folded(str(getattr(known, name))) != folded(str(getattr(other, name)))
    ]
    for name in clashes:
        report.add(
            other.row,
            header.label(name),
            "debtor_conflict",
            first_row=known.row,
            value=str(getattr(other, name)),
            other=str(getattr(known, name)),
        )
    if clashes:
        return False
    for name in IDENTITY_FIELDS:
        if getattr(known, name) is None:
            setattr(known, name, getattr(other, name))
    known.phones.extend(p for p in other.phones if p not in known.phones)
    known.emails.extend(e for e in other.emails if e not in known.emails)
    keys = {a.key for a in known.addresses}
    known.addresses.extend(a for a in other.addresses if a.key not in keys)
    return True
