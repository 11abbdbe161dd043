"""Documents debtors ask for, as PDFs in Spanish or English: a plan's schedule, a payment's
receipt, and once nothing is owed the paid-in-full certificate ("constancia de no adeudo"),
whose code anyone can check at ``/certificates/{code}``.

Money and dates are written as the portfolio's country writes them (``shared.i18n.formats``).
A certificate is issued on request, once per account and closing (``Certificate``): for an
account paid in full, or closed because a dispute was upheld (nothing was owed). It stays
valid while the account is closed as it was and nothing raised its balance since; a reversed
payment or a new charge revokes it for good.
"""

from __future__ import annotations

import io
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import segno
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.clock import today_in
from backend.core.config import get_settings
from backend.core.errors import DomainError, NotFound
from backend.creditors.models import Creditor, Portfolio
from backend.debtors.models import Debtor
from backend.documents import pdf, repository
from backend.documents.models import Certificate
from backend.ledger import repository as ledger_repository
from backend.payments.models import Payment
from backend.plans import repository as plans_repository
from backend.plans.models import Plan
from backend.users.models import User
from shared.i18n import formats, t
from shared.schemas.disputes import CertificateRead
from shared.schemas.enums import AccountStatus, CertificateBasis, InstalmentStatus

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed by hand
CODE_LENGTH = 12  # 60 bits: not guessable at a public URL
CLOSED_AS = {
    CertificateBasis.paid: AccountStatus.paid,
    CertificateBasis.dispute_upheld: AccountStatus.written_off,
}


class NoPlan(DomainError):
    status = 404
    code = "no_plan"


class NotPaidInFull(DomainError):
    """A certificate says nothing is owed: only for a paid account (or one closed because its
    dispute was upheld)."""

    status = 409
    code = "account_not_paid"


class CertificateNotIssued(DomainError):
    status = 404
    code = "certificate_not_issued"


@dataclass(frozen=True, slots=True)
class Context:
    """Who and what a document is about."""

    account: Account
    debtor: Debtor
    portfolio: Portfolio
    creditor: Creditor

    @property
    def country(self) -> str:
        return self.portfolio.country

    def money(self, minor: int, lang: str) -> str:
        return formats.money(minor, self.account.currency, lang, self.country)

    def day(self, value: date, lang: str) -> str:
        return formats.day(value, lang, self.country)

    def day_of(self, moment: datetime, lang: str) -> str:
        """The day ``moment`` fell on in the portfolio's time zone, written as ``day``."""
        return self.day(moment.astimezone(ZoneInfo(self.portfolio.timezone)).date(), lang)


def context(session: Session, account: Account) -> Context:
    debtor = session.get(Debtor, account.debtor_id)
    portfolio = session.get(Portfolio, account.portfolio_id)
    creditor = session.get(Creditor, portfolio.creditor_id) if portfolio else None
    assert debtor is not None and portfolio is not None and creditor is not None  # foreign keys
    return Context(account, debtor, portfolio, creditor)


def _subtitle(ctx: Context, lang: str) -> str:
    return t(
        "doc.subtitle",
        lang,
        creditor=ctx.creditor.name,
        product=ctx.account.product,
        reference=ctx.account.external_ref,
    )


def _generated(ctx: Context, lang: str) -> str:
    today = today_in(ctx.portfolio.timezone)
    return t("doc.generated", lang, agency=get_settings().agency_name, day=ctx.day(today, lang))


# --- the plan's schedule -----------------------------------------------------------------------


def schedule_plan(session: Session, account: Account) -> Plan:
    plan = repository.schedule_plan(session, account.id)
    if plan is None:
        raise NoPlan()
    return plan


def schedule_pdf(session: Session, plan: Plan, lang: str) -> bytes:
    account = session.get(Account, plan.account_id)
    assert account is not None  # foreign key
    ctx = context(session, account)
    rows = plans_repository.instalments(session, plan.id)
    paid = sum(r.paid_minor for r in rows)
    facts = [
        (t("doc.debtor", lang), ctx.debtor.display_name),
        (t("doc.plan.kind", lang), t(f"doc.plan.kind.{plan.kind.value}", lang)),
        (t("doc.plan.status", lang), t(f"doc.plan.status.{plan.status.value}", lang)),
        (t("doc.plan.agreed_on", lang), ctx.day_of(plan.created_at, lang)),
        (t("doc.plan.total", lang), ctx.money(plan.total_minor, lang)),
    ]
    if plan.discount_minor:
        facts.append((t("doc.plan.discount", lang), ctx.money(plan.discount_minor, lang)))
    facts.append((t("doc.plan.paid", lang), ctx.money(paid, lang)))
    table = pdf.Table(
        header=tuple(
            t(f"doc.schedule.{c}", lang) for c in ("number", "due", "amount", "paid", "status")
        ),
        rows=[
            (
                t("doc.schedule.down_payment", lang) if r.number == 0 else str(r.number),
                ctx.day(r.due_date, lang),
                ctx.money(r.amount_minor, lang),
                ctx.money(r.paid_minor, lang),
                t(f"doc.instalment.{r.status.value}", lang),
            )
            for r in rows
        ],
        widths=(0.14, 0.2, 0.24, 0.22, 0.2),
        align=("L", "L", "R", "R", "L"),
    )
    paragraphs = []
    regular = [r for r in rows if r.number > 0]
    if len(regular) > 1 and regular[-1].amount_minor != regular[0].amount_minor:
        paragraphs.append(
            t(
                "doc.schedule.last_differs",
                lang,
                count=len(regular) - 1,
                amount=ctx.money(regular[0].amount_minor, lang),
                last=ctx.money(regular[-1].amount_minor, lang),
            )
        )
    if any(r.status != InstalmentStatus.paid for r in rows):
        paragraphs.append(t("doc.schedule.how_to_pay", lang))
    return pdf.render(
        pdf.Document(
            lang=lang,
            title=t("doc.schedule.title", lang),
            subtitle=_subtitle(ctx, lang),
            facts=facts,
            table=table,
            paragraphs=paragraphs,
            footer=[_generated(ctx, lang)],
            author=get_settings().agency_name,
        )
    )


# --- receipts ----------------------------------------------------------------------------------


def receipt_url(payment: Payment) -> str | None:
    if not payment.verification_code:
        return None
    return f"{get_settings().public_url.rstrip('/')}/receipts/{payment.verification_code}"


class NoReceiptCode(DomainError):
    """An online payment's receipt is its paid payment page: it has no verification code."""

    status = 404
    code = "no_receipt_code"


def receipt_qr(payment: Payment) -> bytes:
    """A PNG QR code of the receipt's public verification URL, for the debtor to scan off the
    agent's screen (error correction M: a phone screen's glare and a scratched display)."""
    url = receipt_url(payment)
    if url is None:
        raise NoReceiptCode()
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=8, border=4)
    return out.getvalue()


def receipt_pdf(session: Session, payment: Payment, lang: str) -> bytes:
    account = session.get(Account, payment.account_id)
    assert account is not None  # foreign key
    ctx = context(session, account)
    facts = [
        (t("receipt.date", lang), ctx.day(payment.paid_on, lang)),
        (t("receipt.method", lang), t(f"receipt.method.{payment.method.value}", lang)),
        (t("receipt.debtor", lang), ctx.debtor.display_name),
        (t("receipt.reference", lang), account.external_ref),
        (t("pay.creditor", lang), ctx.creditor.name),
    ]
    if payment.receipt_number:
        facts.append((t("receipt.number", lang), payment.receipt_number))
    if payment.agent_id and (agent := session.get(User, payment.agent_id)):
        facts.append((t("receipt.agent", lang), agent.full_name))
    footer = [_generated(ctx, lang)]
    if url := receipt_url(payment):
        facts.append((t("receipt.code", lang), payment.verification_code or ""))
        footer.insert(0, t("doc.receipt.verify", lang, url=url))
    return pdf.render(
        pdf.Document(
            lang=lang,
            title=t("receipt.title", lang),
            subtitle=_subtitle(ctx, lang),
            highlight=ctx.money(payment.amount_minor, lang),
            facts=facts,
            footer=footer,
            author=get_settings().agency_name,
        )
    )


# --- paid-in-full certificates -----------------------------------------------------------------


def issue_certificate(
    session: Session, actor: Actor, account_id: uuid.UUID
) -> tuple[Certificate, bool]:
    """The account's certificate for how it is closed now: the one issued already (False) or
    a new one (True). 409 ``account_not_paid`` while something is owed."""
    account = ledger_repository.lock_account(session, account_id)
    if account is None:
        raise NotFound()
    basis, closed_on = _closing(session, account)
    debits = repository.debits(session, account.id)
    existing = repository.certificate_for(session, account.id, debits)
    if existing is not None:
        return existing, False
    certificate = Certificate(
        account_id=account.id,
        code=_code(),
        basis=basis,
        closed_on=closed_on,
        debits_minor=debits,
        issued_by_id=actor.id if actor.kind == "user" else None,
    )
    session.add(certificate)
    session.flush()
    audit.record(
        session,
        actor,
        "certificate.issued",
        "certificate",
        certificate.id,
        after=audit.snapshot(certificate, exclude=frozenset({"code"})),
        account_id=account.id,
    )
    return certificate, True


def _closing(session: Session, account: Account) -> tuple[CertificateBasis, date]:
    """Why nothing is owed on the account, and since which day."""
    if account.status == AccountStatus.paid and account.balance_minor <= 0:
        day = repository.last_credit_day(session, account.id)
        return CertificateBasis.paid, day or account.due_date
    if account.status == AccountStatus.written_off:
        dispute = repository.upheld_dispute(session, account.id)
        if dispute is not None and dispute.resolved_at is not None:
            portfolio = session.get(Portfolio, account.portfolio_id)
            assert portfolio is not None  # foreign key
            return CertificateBasis.dispute_upheld, local_day(dispute.resolved_at, portfolio)
    raise NotPaidInFull(status=account.status.value)


def local_day(moment: datetime, portfolio: Portfolio) -> date:
    return moment.astimezone(ZoneInfo(portfolio.timezone)).date()


def _code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def is_valid(session: Session, certificate: Certificate, account: Account) -> bool:
    return account.status == CLOSED_AS[certificate.basis] and certificate.debits_minor == (
        repository.debits(session, account.id)
    )


def latest_certificate(session: Session, account: Account) -> Certificate:
    certificate = repository.latest_certificate(session, account.id)
    if certificate is None:
        raise CertificateNotIssued()
    return certificate


def verify_url(certificate: Certificate) -> str:
    return f"{get_settings().public_url.rstrip('/')}/certificates/{certificate.code}"


def certificate_read(session: Session, certificate: Certificate) -> CertificateRead:
    account = session.get(Account, certificate.account_id)
    assert account is not None  # foreign key
    return CertificateRead(
        id=certificate.id,
        account_id=certificate.account_id,
        code=certificate.code,
        basis=certificate.basis,
        closed_on=certificate.closed_on,
        issued_at=certificate.issued_at,
        valid=is_valid(session, certificate, account),
        verify_url=verify_url(certificate),
    )


def certificate_pdf(session: Session, certificate: Certificate, lang: str) -> bytes:
    account = session.get(Account, certificate.account_id)
    assert account is not None  # foreign key
    ctx = context(session, account)
    valid = is_valid(session, certificate, account)
    agency = get_settings().agency_name
    statement = t(
        f"doc.certificate.statement.{certificate.basis.value}",
        lang,
        agency=agency,
        creditor=ctx.creditor.name,
        debtor=ctx.debtor.display_name,
        id_type=ctx.debtor.id_type.value,
        id_number=ctx.debtor.id_number,
        reference=account.external_ref,
        product=account.product,
        day=ctx.day(certificate.closed_on, lang),
    )
    return pdf.render(
        pdf.Document(
            lang=lang,
            title=t("doc.certificate.title", lang),
            subtitle=_subtitle(ctx, lang),
            highlight=t("doc.certificate.valid" if valid else "doc.certificate.revoked", lang),
            highlight_ok=valid,
            facts=[
                (t("doc.debtor", lang), ctx.debtor.display_name),
                (
                    t(f"doc.certificate.closed_on.{certificate.basis.value}", lang),
                    ctx.day(certificate.closed_on, lang),
                ),
                (t("receipt.code", lang), certificate.code),
            ],
            paragraphs=[statement],
            footer=[
                t("doc.certificate.verify", lang, url=verify_url(certificate)),
                _generated(ctx, lang),
            ],
            author=agency,
        )
    )


@dataclass(frozen=True, slots=True)
class Verification:
    """What the public page shows of a certificate: only what checking it needs."""

    code: str
    valid: bool
    basis: CertificateBasis
    creditor: str
    reference: str  # masked: the last four characters
    initials: str
    closed_on: date
    issued_on: date
    country: str


def verification(session: Session, certificate: Certificate) -> Verification:
    account = session.get(Account, certificate.account_id)
    assert account is not None  # foreign key
    ctx = context(session, account)
    return Verification(
        code=certificate.code,
        valid=is_valid(session, certificate, account),
        basis=certificate.basis,
        creditor=ctx.creditor.name,
        reference="•••• " + account.external_ref[-4:],
        initials=initials(ctx.debtor),
        closed_on=certificate.closed_on,
        issued_on=local_day(certificate.issued_at, ctx.portfolio),
        country=ctx.country,
    )


def initials(debtor: Debtor) -> str:
    """ "R. Q." for Rosa Quispe; a company's first three words' initials."""
    words = (
        debtor.company_name.split()[:3]
        if debtor.company_name
        else [w for w in (debtor.first_name, debtor.last_name) if w]
    )
    return " ".join(f"{w[0].upper()}." for w in words if w)
