"""Planning: compare a chunk of the file with the portfolio and decide every row to insert or
update.

Pure computation (no database): the result is plain dicts for bulk statements. A debtor that
earlier chunks of the same file wrote is an existing debtor here, except that the identity
fields those rows gave may not be contradicted (``debtor_conflict``), and that it is neither
counted nor audited as updated when the file created it. Rules:

Debtors (matched by document type and number):
- new ones need a name: ``company_name`` (then they are companies) or a first or last name;
- on existing ones a non-blank identity field (names, birth date, language) replaces the stored
  value; blanks never erase. Phones, e-mails and addresses only accumulate: new ones are
  appended, nothing gathered in the field is removed. The kind is decided at creation.

Scope: the importing user updates only what they may see (``backend.accounts.scope``: a
supervisor their team's accounts, and the debtors seen through them). A row naming an existing
account they may not see, or an existing debtor they may not see (to update it or to open it
a new account), is an error ``reference_not_available`` on its reference, the same whatever
stands behind it: nothing of that account or debtor is read into the plan or the report.

Accounts (matched by ``external_ref``):
- an existing account keeps its debtor; a row giving it another debtor is an error (checked
  before the row's debtor is looked at, so the answer never depends on that debtor);
- product and due date follow the file; origination date and agent follow it when given;
- the financial columns are cumulative figures. Booked through the ledger rules with per-batch
  idempotency keys ``import:<component>:<batch>``: a new account books each non-zero figure
  (principal as ``charge`` dated at origination, or due date; interest, fees and paid as
  ``interest``, ``fee`` and ``payment`` dated on the import day). On re-import only the
  difference from what imports booked before is posted: increases as entries of their kind,
  decreases of charged components as ``discount`` entries; a lower ``paid`` is an error (a
  payment is corrected by reversing it). Reversals of imported entries count against their
  component, and an account created through the API counts its ``origination:principal``.
  Blank interest, fees or paid keep the figures booked so far (zero for a new account);
- ``paid`` may not exceed ``principal + interest + fees``.
- the balance moves by exactly the sum of the posted entries.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

from backend.audit.service import Actor
from backend.core.ids import uuid7_stream
from backend.debtors import factors
from backend.debtors.models import document_index, phone_index
from backend.imports.columns import Header
from backend.imports.errors import Report
from backend.imports.records import (
    COMPONENTS,
    AccountIn,
    AddressIn,
    DebtorIn,
    DebtorKey,
    ExistingAccount,
    ExistingDebtor,
    folded,
)
from backend.imports.rows import COUNTED, CREATED, GIVEN, FileRows, first_row
from shared.money import to_decimal
from shared.schemas.enums import AccountStatus, DebtorKind, EntryKind, Language

_BOOKED_AS = {
    "principal": EntryKind.charge,
    "interest": EntryKind.interest,
    "fees": EntryKind.fee,
    "paid": EntryKind.payment,
}

Row = dict[str, Any]


@dataclass(frozen=True)
class PlanContext:
    batch_id: uuid.UUID
    portfolio_id: uuid.UUID
    currency: str
    country: str
    today: date
    now: datetime
    actor: Actor
    header: Header
    ids: Iterator[uuid.UUID] = field(default_factory=uuid7_stream, compare=False, repr=False)

    @cached_property
    def source(self) -> str:
        return f"import:{self.batch_id.hex}"

    @cached_property
    def entry_base(self) -> dict[tuple[str, bool], Row]:
        """The columns every ledger entry of this import shares, per component and direction
        (``True``: the figure went up)."""
        created_by = self.actor.id if self.actor.kind == "user" else None
        bases: dict[tuple[str, bool], Row] = {}
        for component in COMPONENTS:
            for up in (True, False):
                if component == "paid":
                    kind = EntryKind.payment
                else:
                    kind = _BOOKED_AS[component] if up else EntryKind.discount
                what = component if up else f"{component} decrease"
                bases[component, up] = {
                    "kind": kind,
                    "currency": self.currency,
                    "source": self.source,
                    "idempotency_key": f"import:{component}:{self.batch_id.hex}",
                    "reverses_entry_id": None,
                    "description": f"Import: {what}",
                    "created_by_id": created_by,
                    "created_at": self.now,
                }
        return bases


@dataclass(slots=True)
class Existing:
    debtors: dict[DebtorKey, ExistingDebtor]
    accounts: dict[str, ExistingAccount]
    figures: dict[uuid.UUID, dict[str, int]]  # cumulative imported figures per account


@dataclass(slots=True)
class Plan:
    debtors: list[Row] = field(default_factory=list)
    phones: list[Row] = field(default_factory=list)
    addresses: list[Row] = field(default_factory=list)
    debtor_updates: list[Row] = field(default_factory=list)
    accounts: list[Row] = field(default_factory=list)
    account_updates: list[Row] = field(default_factory=list)
    entries: list[Row] = field(default_factory=list)
    audit: list[Row] = field(default_factory=list)
    moved: list[uuid.UUID] = field(default_factory=list)  # existing accounts whose balance moves
    # Existing debtors whose verification factors (phones, birth date) change: their chats
    # must verify again (``backend.debtors.factors``).
    factors_changed: list[uuid.UUID] = field(default_factory=list)
    accounts_unchanged: int = 0
    debtors_updated: int = 0  # debtors that existed before the import, counted once per file
    flags: dict[DebtorKey, int] = field(default_factory=dict)  # ``Seen`` flags gained

    def counts(self) -> dict[str, int]:
        return {
            "debtors_created": len(self.debtors),
            "debtors_updated": self.debtors_updated,
            "accounts_created": len(self.accounts),
            "accounts_updated": len(self.account_updates),
            "unchanged": self.accounts_unchanged,
            "ledger_entries": len(self.entries),
        }


def make_plan(content: FileRows, existing: Existing, ctx: PlanContext, report: Report) -> Plan:
    plan = Plan()
    accounts = _usable_accounts(content.accounts, existing, ctx, report)
    wanted = {account.debtor_key for account in accounts}
    debtor_ids = _plan_debtors(plan, content, wanted, existing, ctx, report)
    for account in accounts:
        debtor_id = debtor_ids.get(account.debtor_key)
        if debtor_id is None:
            known = existing.debtors.get(account.debtor_key)
            if known is not None and not known.visible:
                _not_available(account, ctx, report)
            continue  # otherwise its debtor was rejected (already reported)
        current = existing.accounts.get(account.external_ref)
        if current is None:
            _new_account(plan, account, debtor_id, ctx, report)
        else:
            figures = existing.figures.get(current.id, {})
            _update_account(plan, account, current, figures, ctx, report)
    return plan


def _not_available(account: AccountIn, ctx: PlanContext, report: Report) -> None:
    report.add(account.row, ctx.header.label("external_ref"), "reference_not_available")


def _usable_accounts(
    accounts: list[AccountIn], existing: Existing, ctx: PlanContext, report: Report
) -> list[AccountIn]:
    """The rows whose reference is new or names an account the user may see with the same
    debtor; the others are reported."""
    usable = []
    for account in accounts:
        current = existing.accounts.get(account.external_ref)
        if current is not None and not current.visible:
            _not_available(account, ctx, report)
        elif current is not None and current.debtor_key != account.debtor_key:
            report.add(account.row, ctx.header.label("external_ref"), "account_debtor_changed")
        else:
            usable.append(account)
    return usable


def audit_row(
    ctx: PlanContext,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    account_id: uuid.UUID | None = None,
) -> Row:
    return {
        "id": next(ctx.ids),
        "at": ctx.now,
        "actor_id": ctx.actor.id,
        "actor_kind": ctx.actor.kind,
        "action": action,
        "entity_type": entity_type,
        "entity_id": str(entity_id),
        "account_id": account_id,
        "before": before,
        "after": after,
    }


def search_text(display_name: str) -> str:
    """The same rule as ``backend.debtors.service.search_text``: the folded name."""
    return folded(display_name)[:600]


def _display_name(first: str | None, last: str | None, company: str | None) -> str:
    if company:
        return company
    return f"{first} {last}" if first and last else first or last or ""


# --- debtors ---------------------------------------------------------------------------------


def _plan_debtors(
    plan: Plan,
    content: FileRows,
    wanted: set[DebtorKey],
    existing: Existing,
    ctx: PlanContext,
    report: Report,
) -> dict[DebtorKey, uuid.UUID]:
    """The debtors of the usable rows (``wanted``), created or updated; those the user may
    not see are left out (their rows are reported by the caller)."""
    ids: dict[DebtorKey, uuid.UUID] = {}
    for key, debtor in content.debtors.items():
        if key not in wanted:
            continue
        current = existing.debtors.get(key)
        if current is not None:
            if current.visible and _update_debtor(plan, debtor, current, ctx, report):
                ids[key] = current.id
        elif name := _display_name(debtor.first_name, debtor.last_name, debtor.company_name):
            ids[key] = _new_debtor(plan, debtor, name, ctx)
            plan.flags[key] = CREATED
        else:
            report.add(debtor.row, ctx.header.label("first_name"), "name_required")
    return ids


def _new_debtor(plan: Plan, debtor: DebtorIn, name: str, ctx: PlanContext) -> uuid.UUID:
    debtor_id = next(ctx.ids)
    plan.debtors.append(
        {
            "id": debtor_id,
            "portfolio_id": ctx.portfolio_id,
            "kind": DebtorKind.company if debtor.company_name else DebtorKind.person,
            "id_type": debtor.id_type,
            "id_number": debtor.id_number,
            "id_number_index": document_index(debtor.id_number),
            "first_name": debtor.first_name,
            "last_name": debtor.last_name,
            "company_name": debtor.company_name,
            "birth_date": debtor.birth_date,
            "emails": debtor.emails,
            "preferred_language": debtor.language or Language.es,
            "preferred_channel": None,
            "opt_outs": [],
            "search_text": search_text(name),
            "created_at": ctx.now,
            "updated_at": ctx.now,
            "erased_at": None,
        }
    )
    _add_contacts(plan, debtor_id, debtor.phones, debtor.addresses, 0, 0, ctx)
    return debtor_id


def _add_contacts(
    plan: Plan,
    debtor_id: uuid.UUID,
    phones: list[str],
    addresses: list[AddressIn],
    phone_start: int,
    address_start: int,
    ctx: PlanContext,
) -> None:
    for position, e164 in enumerate(phones, start=phone_start):
        plan.phones.append(
            {
                "id": next(ctx.ids),
                "debtor_id": debtor_id,
                "e164": e164,
                "e164_index": phone_index(e164),
                "kind": "mobile",
                "position": position,
            }
        )
    for position, address in enumerate(addresses, start=address_start):
        plan.addresses.append(
            {
                "id": next(ctx.ids),
                "debtor_id": debtor_id,
                "line1": address.line1,
                "district": address.district,
                "city": address.city,
                "region": address.region,
                "country": ctx.country,
                "postal_code": None,
                "latitude": address.latitude,
                "longitude": address.longitude,
                "position": position,
            }
        )


def _debtor_view(values: dict[str, Any], phones: list[str], addresses: int) -> dict[str, Any]:
    view = {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
    view["preferred_language"] = str(values["preferred_language"])
    view["phones"] = phones
    view["addresses"] = addresses
    return view


def _earlier_conflicts(
    debtor: DebtorIn, current: ExistingDebtor, ctx: PlanContext, report: Report
) -> bool:
    """Rows of earlier chunks wrote this debtor: the identity fields they gave are the stored
    ones, and a later row may not contradict them (case and accents aside)."""
    earlier = debtor.earlier or 0
    clashes = [
        name
        for name, bit in GIVEN.items()
        if earlier & bit
        and getattr(debtor, name) is not None
        and folded(str(getattr(debtor, name))) != folded(str(getattr(current, name)))
    ]
    for name in clashes:
        report.add(
            debtor.row,
            ctx.header.label(name),
            "debtor_conflict",
            first_row=first_row(earlier),
            value=str(getattr(debtor, name)),
            other=str(getattr(current, name)),
        )
    return bool(clashes)


def _update_debtor(
    plan: Plan, debtor: DebtorIn, current: ExistingDebtor, ctx: PlanContext, report: Report
) -> bool:
    """False when the row contradicts earlier rows of the file (reported)."""
    if _earlier_conflicts(debtor, current, ctx, report):
        return False
    earlier = debtor.earlier or 0
    for name, bit in GIVEN.items():
        if earlier & bit:  # keep the file's first spelling
            setattr(debtor, name, None)
    before = {
        "first_name": current.first_name,
        "last_name": current.last_name,
        "company_name": current.company_name,
        "birth_date": current.birth_date,
        "preferred_language": current.language,
        "emails": current.emails,
    }
    after = {
        "first_name": debtor.first_name or current.first_name,
        "last_name": debtor.last_name or current.last_name,
        "company_name": debtor.company_name or current.company_name,
        "birth_date": debtor.birth_date or current.birth_date,
        "preferred_language": debtor.language or current.language,
        "emails": current.emails + [e for e in debtor.emails if e not in current.emails],
    }
    new_phones = [p for p in debtor.phones if p not in current.phones]
    new_addresses = [a for a in debtor.addresses if a.key not in current.address_keys]
    if after == before and not new_phones and not new_addresses:
        return True
    phones = current.phones + new_phones
    name = _display_name(after["first_name"], after["last_name"], after["company_name"])
    plan.debtor_updates.append(
        {
            "id": current.id,
            **after,
            "search_text": search_text(name),
            "updated_at": ctx.now,
        }
    )
    _add_contacts(
        plan,
        current.id,
        new_phones,
        new_addresses,
        len(current.phones),
        current.address_count,
        ctx,
    )
    if earlier & CREATED:  # created by this import: its creation is the audit event
        return True
    if not earlier & COUNTED:
        plan.debtors_updated += 1
        plan.flags[debtor.key] = COUNTED
    old = _debtor_view(before, current.phones, current.address_count)
    new = _debtor_view(after, phones, current.address_count + len(new_addresses))
    changed = {k for k in new if new[k] != old[k]}
    if factors.changed(old, new):
        plan.factors_changed.append(current.id)
    plan.audit.append(
        audit_row(
            ctx,
            "debtor.updated",
            "debtor",
            current.id,
            before={k: old[k] for k in changed},  # masked by the audit trail
            after={**{k: new[k] for k in changed}, "import_batch_id": str(ctx.batch_id)},
        )
    )
    return True


# --- accounts --------------------------------------------------------------------------------


def _entry(
    ctx: PlanContext, account_id: uuid.UUID, component: str, delta: int, effective: date
) -> Row:
    """One ledger row for a change of a cumulative figure (``delta`` is never zero): a
    ``payment`` of ``-delta`` for ``paid``, else an entry of the component's kind for an
    increase and a ``discount`` for a decrease."""
    return {
        "id": next(ctx.ids),
        "account_id": account_id,
        "amount_minor": -delta if component == "paid" else delta,
        "effective_date": effective,
        **ctx.entry_base[component, delta > 0],
    }


def _overpaid(figures: dict[str, int]) -> bool:
    return figures["paid"] > figures["principal"] + figures["interest"] + figures["fees"]


def _new_account(
    plan: Plan, account: AccountIn, debtor_id: uuid.UUID, ctx: PlanContext, report: Report
) -> None:
    principal, interest = account.principal, account.interest or 0
    fees, paid = account.fees or 0, account.paid or 0
    if paid > principal + interest + fees:
        report.add(account.row, ctx.header.label("paid"), "overpaid")
        return
    account_id = next(ctx.ids)
    booked = (
        ("principal", principal, account.origination_date or account.due_date),
        ("interest", interest, ctx.today),
        ("fees", fees, ctx.today),
        ("paid", paid, ctx.today),
    )
    plan.entries.extend(
        _entry(ctx, account_id, component, figure, effective)
        for component, figure, effective in booked
        if figure
    )
    balance = principal + interest + fees - paid
    plan.accounts.append(
        {
            "id": account_id,
            "portfolio_id": ctx.portfolio_id,
            "debtor_id": debtor_id,
            "external_ref": account.external_ref,
            "product": account.product,
            "principal_minor": principal,
            "currency": ctx.currency,
            "origination_date": account.origination_date,
            "due_date": account.due_date,
            "status": AccountStatus.active if balance > 0 else AccountStatus.paid,
            "assigned_agent_id": account.agent_id,
            "balance_minor": balance,
            "created_at": ctx.now,
            "updated_at": ctx.now,
        }
    )


def _update_account(
    plan: Plan,
    account: AccountIn,
    current: ExistingAccount,
    booked: dict[str, int],
    ctx: PlanContext,
    report: Report,
) -> None:
    before_figures = {c: booked.get(c, 0) for c in COMPONENTS}
    figures = {
        c: before_figures[c] if getattr(account, c) is None else getattr(account, c)
        for c in COMPONENTS
    }
    if figures["paid"] < before_figures["paid"]:
        report.add(
            account.row,
            ctx.header.label("paid"),
            "paid_decreased",
            before=str(to_decimal(before_figures["paid"], ctx.currency)),
            value=str(to_decimal(figures["paid"], ctx.currency)),
        )
        return
    if _overpaid(figures):
        report.add(account.row, ctx.header.label("paid"), "overpaid")
        return
    entries = [
        _entry(ctx, current.id, c, figures[c] - before_figures[c], ctx.today)
        for c in COMPONENTS
        if figures[c] != before_figures[c]
    ]
    delta = sum(e["amount_minor"] for e in entries)
    fields_before = {
        "product": current.product,
        "principal_minor": current.principal_minor,
        "origination_date": current.origination_date,
        "due_date": current.due_date,
        "assigned_agent_id": current.assigned_agent_id,
    }
    fields_after = {
        "product": account.product,
        "principal_minor": account.principal,
        "origination_date": account.origination_date or current.origination_date,
        "due_date": account.due_date,
        "assigned_agent_id": account.agent_id or current.assigned_agent_id,
    }
    if not entries and fields_after == fields_before:
        plan.accounts_unchanged += 1
        return
    plan.account_updates.append(
        {"id": current.id, **fields_after, "balance_minor": delta, "updated_at": ctx.now}
    )
    plan.entries.extend(entries)
    if delta:
        plan.moved.append(current.id)
    old = _account_view(fields_before, before_figures, current.balance_minor)
    new = _account_view(fields_after, figures, current.balance_minor + delta)
    changed = {k for k in new if new[k] != old[k]}
    plan.audit.append(
        audit_row(
            ctx,
            "account.updated",
            "account",
            current.id,
            before={k: old[k] for k in changed},
            after={**{k: new[k] for k in changed}, "import_batch_id": str(ctx.batch_id)},
            account_id=current.id,
        )
    )


def _account_view(values: dict[str, Any], figures: dict[str, int], balance: int) -> dict[str, Any]:
    view: dict[str, Any] = {
        k: v.isoformat() if isinstance(v, date) else str(v) if isinstance(v, uuid.UUID) else v
        for k, v in values.items()
    }
    view.update({f"{c}_minor": figures[c] for c in COMPONENTS if c != "principal"})
    view["balance_minor"] = balance
    return view


def settled_status(balance: int, status: AccountStatus) -> AccountStatus:
    """The rule of ``backend.ledger.service._settle_status``: a zero balance closes an active
    or in-plan account as paid; a positive balance reopens a paid one."""
    if balance <= 0 and status in (AccountStatus.active, AccountStatus.in_plan):
        return AccountStatus.paid
    if balance > 0 and status == AccountStatus.paid:
        return AccountStatus.active
    return status
