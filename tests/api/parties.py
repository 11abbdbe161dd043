"""Two parties for the IDOR walk (``test_idor.py``): everything one of them owns, built with
the builders and services, and who else is around.

The victim is agent ``a1`` of team A (supervisor ``sup_a``): a debtor with five accounts (one
with an open offer, a callback task, a payment link and its opening charge; one with an
active plan; one with a proposal waiting for the supervisor's approval; one closed by an
upheld dispute after a payment, with its certificate and the notice the debtor is yet to be
shown; one with an open dispute and its evidence file), a1's shift, an upload, an import
batch and a policy change of ``sup_a``, and the chat bound to the debtor. The others are
``a2`` (a1's teammate), team B (``sup_b``, agent ``b1``, whose debtor's chat is bound too),
the bot, an admin, and another creditor's users (``cred_b`` with the write grant, and
their admin ``cred_b_admin``). The portfolio, its templates and strategy, and a bank statement with
an unmatched line are shared (the agency's, seen by every staff member); the creditor's
webhook endpoint and a dead delivery of it, and an API key acting as ``a1``, are the admins'
alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.audit.service import Actor
from backend.auth import keys
from backend.auth.models import ApiKey
from backend.conversations.models import Conversation
from backend.core.clock import utcnow
from backend.creditors.models import Creditor, Portfolio
from backend.debtors.models import Debtor
from backend.demo.reminders import add_reminders
from backend.disputes import service as disputes
from backend.disputes.models import DebtorNotice, Dispute
from backend.disputes.service import Opening
from backend.documents import service as documents
from backend.documents.models import Certificate
from backend.experiments.models import Experiment
from backend.field import photos, shifts
from backend.field.models import AgentShift, StopEvent, Visit, VisitPhoto
from backend.imports.models import ImportBatch
from backend.integrations import service as integrations
from backend.integrations.models import WebhookDelivery, WebhookEndpoint
from backend.ledger.models import LedgerEntry
from backend.payments import service as payments
from backend.payments.models import Payment, PaymentLink
from backend.payments.service import IncomingPayment, LinkRequest
from backend.plans import service as plans
from backend.plans.models import Offer, Plan
from backend.policies.models import PolicyChange
from backend.promises.models import Promise
from backend.segments.models import SegmentRule
from backend.statements.models import BankStatement, StatementLine
from backend.tasks import service as tasks
from backend.tasks.models import Task
from backend.uploads import evidence as vouchers
from backend.uploads.models import PaymentEvidence, Upload
from backend.users.models import User
from shared.schemas.auth import ApiKeyCreate
from shared.schemas.disputes import DisputeResolve
from shared.schemas.enums import (
    ActionChannel,
    DisputeReason,
    LinkPurpose,
    PaymentMethod,
    Role,
    TaskKind,
)
from shared.schemas.field import ShiftUpdate, VisitOutcome
from shared.schemas.integrations import WebhookEndpointCreate
from shared.schemas.negotiation import ProposalRequest
from shared.schemas.statements import StatementLineStatus
from tests import builders as b
from tests.plans.helpers import lima, today

VICTIM_NAME = ("Zoila", "Vargas")
VICTIM_DOCUMENT = "47110815"
VICTIM_PHONE = "+51987650042"
CHAT_A, CHAT_B = "8001", "8002"
PHOTO = b"\xff\xd8\xff\xe0 a photo of the door"


@dataclass
class Scene:
    admin: User
    sup_a: User
    a1: User
    a2: User
    sup_b: User
    b1: User
    bot: User
    cred_b: User  # another creditor's user, granted writes
    cred_b_admin: User  # that creditor's admin
    portfolio: Portfolio
    debtor: Debtor
    account: Account  # a1's: open offer, callback task, payment link
    planned: Account  # a1's: active plan
    asked: Account  # a1's: a proposal waiting for sup_a
    paid: Account  # a1's: a payment, then closed by an upheld dispute; its certificate
    disputed: Account  # a1's: an open dispute naming an evidence file
    entry: LedgerEntry
    offer: Offer
    plan: Plan
    task: Task
    approval: Task
    link: PaymentLink
    payment: Payment
    closed: Dispute  # upheld: it closed ``paid``
    notice: DebtorNotice  # how ``closed`` ended, not shown yet
    certificate: Certificate
    dispute: Dispute  # open, on ``disputed``
    evidence: Upload
    voucher: PaymentEvidence  # a payment voucher the debtor sent in chat, on a1's account
    visit: Visit  # a1's, on ``account``
    photo: VisitPhoto  # taken at ``visit``
    upload: Upload
    batch: ImportBatch
    change: PolicyChange
    statement: BankStatement
    line: StatementLine
    template: tuple[str, str]  # name, language
    strategy: str
    endpoint: WebhookEndpoint  # the creditor's
    delivery: WebhookDelivery  # dead
    api_key: ApiKey  # acting as a1
    segment_rule: SegmentRule  # the portfolio's
    experiment: Experiment  # on the portfolio's reminder strategy
    secrets: dict[str, str] = field(default_factory=dict)  # what no other party may read

    def user(self, name: str) -> User:
        return getattr(self, name)


def _bind(session: Session, chat: str, debtor: Debtor) -> None:
    session.add(
        Conversation(
            channel="telegram",
            user_id=chat,
            debtor_ids=[str(debtor.id)],
            bound_until=utcnow() + timedelta(hours=1),
            bound_via="chat_link",
        )
    )


def build(session: Session) -> Scene:
    system = Actor.system()
    admin = b.user(session, Role.admin)
    sup_a, sup_b = b.user(session, Role.supervisor), b.user(session, Role.supervisor)
    a1 = b.user(session, Role.agent, supervisor=sup_a)
    a2 = b.user(session, Role.agent, supervisor=sup_a)
    b1 = b.user(session, Role.agent, supervisor=sup_b)
    portfolio = lima(session)
    add_reminders(session, system, portfolio)
    first, last = VICTIM_NAME
    debtor = b.debtor(
        session,
        portfolio,
        phone=VICTIM_PHONE,
        id_number=VICTIM_DOCUMENT,
        first_name=first,
        last_name=last,
        birth_date=date(1980, 5, 6),
        opt_outs=["sms"],
    )
    account = b.account(
        session, portfolio, agent=a1, owner=debtor, principal=120_000, external_ref="VIC-1"
    )
    planned = b.account(
        session, portfolio, agent=a1, owner=debtor, principal=90_000, external_ref="VIC-2"
    )
    asked = b.account(
        session, portfolio, agent=a1, owner=debtor, principal=90_000, external_ref="VIC-3"
    )
    theirs = b.account(session, portfolio, agent=b1, principal=80_000, external_ref="OTH-1")
    entry = session.scalars(select(LedgerEntry).where(LedgerEntry.account_id == account.id)).one()
    offer = plans.generate_offers(session, system, account.id, ActionChannel.agent)[0]
    plan_offer = plans.generate_offers(session, system, planned.id, ActionChannel.agent)[0]
    plan = plans.accept(session, system, plan_offer.id, ActionChannel.agent)
    task = tasks.open_task(session, system, account, TaskKind.callback_request, today(), {})
    proposal = ProposalRequest(kind="plan_by_count", instalments=12, insist=True)
    approval = plans.propose(session, system, asked.id, proposal).task
    assert approval is not None
    link, _ = payments.create_link(
        session, system, account.id, LinkRequest(LinkPurpose.balance, "agent")
    )
    paid, payment = _closed_after_a_payment(session, portfolio, a1, debtor)
    closed = session.scalars(select(Dispute).where(Dispute.account_id == paid.id)).one()
    disputes.resolve(
        session, system, sup_a, closed, DisputeResolve(outcome="upheld", note="Ya pagó")
    )
    notice = session.scalars(select(DebtorNotice).where(DebtorNotice.account_id == paid.id)).one()
    certificate, _ = documents.issue_certificate(session, system, paid.id)
    disputed = b.account(
        session, portfolio, agent=a1, owner=debtor, principal=70_000, external_ref="VIC-5"
    )
    evidence = disputes.store_evidence(
        session,
        system,
        a1,
        disputed,
        filename="voucher.pdf",
        content_type="application/pdf",
        data=b"%PDF-1.4 voucher",
    )
    voucher, _ = vouchers.record(
        session,
        system,
        disputed,
        today(),
        client_key="scene:voucher",
        channel="whatsapp",
        filename="voucher.jpg",
        content_type="image/jpeg",
        content=b"\xff\xd8 voucher",
        caption="voucher de pago",
    )
    visit = Visit(
        client_id="scene:visit",
        agent_id=a1.id,
        account_id=account.id,
        checked_in_at=utcnow(),
        outcome=VisitOutcome.not_home,
    )
    session.add(visit)
    session.flush()
    photo, _ = photos.store(
        session, Actor("user", a1.id), a1, photos.PhotoUpload("scene:photo", visit.client_id, PHOTO)
    )
    opening = Opening(
        DisputeReason.already_paid, "Ya pagué", ActionChannel.agent, evidence=[evidence.id]
    )
    dispute, _ = disputes.open_dispute(session, system, disputed.id, opening)
    shifts.update(session, system, a1.id, ShiftUpdate(start_time=time(8), end_time=time(17)))
    made = integrations.create_endpoint(
        session,
        system,
        session.get(Creditor, portfolio.creditor_id),
        WebhookEndpointCreate(url="https://hooks.example.com/cobro", events=["payment.received"]),  # type: ignore[list-item]
    )
    endpoint = session.get(WebhookEndpoint, made.id)
    assert endpoint is not None
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id,
        audit_event_id=session.scalars(select(AuditEvent.id).limit(1)).one(),
        event_type="payment.received",
        status="dead",
        attempts=8,
        next_attempt_at=utcnow(),
    )
    made_key = keys.create(session, system, ApiKeyCreate(name="ERP", user_id=a1.id))
    api_key = session.get(ApiKey, made_key.id)
    assert api_key is not None
    upload = Upload(
        kind="import",
        portfolio_id=portfolio.id,
        created_by_id=sup_a.id,
        filename="cartera.csv",
        sha256="1" * 64,
        size_bytes=1,
    )
    batch = ImportBatch(
        portfolio_id=portfolio.id,
        filename="cartera-a.csv",
        sha256="2" * 64,
        status="rejected",
        rows=1,
        summary={"rows": 1, "errors": 1, "warnings": 0},
        report={
            "errors": [[2, "first_name", "debtor_conflict", {"value": first, "other": last}]],
            "warnings": [],
            "error_total": 1,
            "warning_total": 0,
        },
        created_by_id=sup_a.id,
    )
    change = PolicyChange(
        portfolio_id=portfolio.id,
        proposed={**portfolio.negotiation_policy, "settlement_max_discount_bps": 9900},
        base=portfolio.negotiation_policy,
        exceeded=[{"ceiling": "max_settlement_discount_bps", "limit": 2000, "value": 9900}],
        requested_by_id=sup_a.id,
    )
    statement = BankStatement(
        portfolio_id=portfolio.id, filename="extracto.csv", sha256="3" * 64, currency="PEN"
    )
    session.add_all([upload, batch, change, statement, delivery])
    session.flush()
    line = StatementLine(
        statement_id=statement.id,
        line_no=2,
        value_date=today(),
        amount_minor=1_000,
        reference="",
        description="Abono",
        fingerprint="f" * 64,
        status=StatementLineStatus.unmatched,
    )
    session.add(line)
    other_creditor = b.creditor(session)
    b.account(session, b.portfolio(session, creditor=other_creditor), principal=60_000)
    _bind(session, CHAT_A, debtor)
    _bind(session, CHAT_B, session.get(Debtor, theirs.debtor_id))
    segment_rule = SegmentRule(
        portfolio_id=portfolio.id, segment="grandes", position=1, conditions={}
    )
    session.add(segment_rule)
    experiment = Experiment(
        portfolio_id=portfolio.id,
        strategy="cobranza",
        step="mora30",
        variants=[{"key": "a", "template": "saldo"}, {"key": "b", "template": "recordatorio"}],
    )
    session.add(experiment)
    session.flush()
    scene = Scene(
        admin=admin,
        sup_a=sup_a,
        a1=a1,
        a2=a2,
        sup_b=sup_b,
        b1=b1,
        bot=b.user(session, Role.bot),
        cred_b=b.user(session, Role.creditor, creditor_id=other_creditor.id, can_write=True),
        cred_b_admin=b.user(session, Role.creditor_admin, creditor_id=other_creditor.id),
        portfolio=portfolio,
        debtor=debtor,
        account=account,
        planned=planned,
        asked=asked,
        paid=paid,
        disputed=disputed,
        entry=entry,
        offer=offer,
        plan=plan,
        task=task,
        approval=approval,
        link=link,
        payment=payment,
        closed=closed,
        notice=notice,
        certificate=certificate,
        dispute=dispute,
        evidence=evidence,
        voucher=voucher,
        visit=visit,
        photo=photo,
        upload=upload,
        batch=batch,
        change=change,
        statement=statement,
        line=line,
        template=("recordatorio", "es"),
        strategy="cobranza",
        endpoint=endpoint,
        delivery=delivery,
        api_key=api_key,
        segment_rule=segment_rule,
        experiment=experiment,
    )
    scene.secrets = {
        "debtor name": first,
        "debtor surname": last,
        "document": VICTIM_DOCUMENT,
        "phone": VICTIM_PHONE[3:],
        "agent a1": str(a1.id),
        "debtor": str(debtor.id),
        "link token": link.token,
        "certificate code": certificate.code,
        "webhook secret": integrations.secret_of(endpoint),
        "webhook endpoint": str(endpoint.id),
        "webhook delivery": str(delivery.id),
        "api key": made_key.key,
        "api key id": str(api_key.id),
        **{
            name: str(getattr(scene, name).id)
            for name in (
                "account",
                "planned",
                "asked",
                "paid",
                "disputed",
                "entry",
                "offer",
                "plan",
                "task",
                "approval",
                "link",
                "payment",
                "closed",
                "notice",
                "certificate",
                "dispute",
                "evidence",
                "upload",
                "batch",
                "change",
            )
        },
    }
    return scene


def _closed_after_a_payment(
    session: Session, portfolio: Portfolio, agent: User, debtor: Debtor
) -> tuple[Account, Payment]:
    """An account the debtor paid part of, then disputed as paid already (the dispute open)."""
    account = b.account(
        session, portfolio, agent=agent, owner=debtor, principal=50_000, external_ref="VIC-4"
    )
    payment, _ = payments.record_payment(
        session,
        Actor.system(),
        account.id,
        IncomingPayment(
            amount_minor=20_000,
            currency="PEN",
            paid_on=today(),
            method=PaymentMethod.transfer,
            external_id="bank-vic-4",
        ),
    )
    opening = Opening(DisputeReason.already_paid, "Pagué el resto", ActionChannel.agent)
    disputes.open_dispute(session, Actor.system(), account.id, opening)
    return account, payment


def victim_state(session: Session, scene: Scene) -> dict[str, Any]:
    """What an attack could change of the victim's: their accounts (balance, agent, status),
    the debtor (names, opt-outs), and how many entries, payments, offers, plans, promises,
    tasks, links, disputes, certificates and notices hang from the accounts; the notice's
    showing; a1's shift; the policy change's status; the bindings; the webhook endpoint and
    its delivery; the API key; a1's skips and moves of stops."""
    session.expire_all()
    ids = [a.id for a in (scene.account, scene.planned, scene.asked, scene.paid, scene.disputed)]
    accounts = session.execute(
        select(Account.id, Account.balance_minor, Account.assigned_agent_id, Account.status)
        .where(Account.id.in_(ids))  # type: ignore[attr-defined]
        .order_by(Account.id)
    ).all()
    debtor = session.get(Debtor, scene.debtor.id)
    assert debtor is not None
    counts = {
        model.__name__: session.execute(
            select(func.count()).select_from(model).where(model.account_id.in_(ids))  # type: ignore[attr-defined]
        ).scalar_one()
        for model in (
            LedgerEntry,
            Payment,
            Offer,
            Plan,
            Promise,
            Task,
            PaymentLink,
            Dispute,
            Certificate,
            DebtorNotice,
            VisitPhoto,
        )
    }
    statuses = {
        model.__name__: sorted(
            str(s)
            for s in session.execute(
                select(model.status).where(model.account_id.in_(ids))  # type: ignore[attr-defined]
            ).scalars()
        )
        for model in (Offer, Plan, Task, PaymentLink, Dispute)
    }
    change = session.get(PolicyChange, scene.change.id)
    notice = session.get(DebtorNotice, scene.notice.id)
    shift = session.scalars(select(AgentShift).where(AgentShift.agent_id == scene.a1.id)).one()
    endpoint = session.get(WebhookEndpoint, scene.endpoint.id)
    delivery = session.get(WebhookDelivery, scene.delivery.id)
    api_key = session.get(ApiKey, scene.api_key.id)
    assert notice is not None and endpoint is not None and delivery is not None
    assert api_key is not None
    bound = session.execute(
        select(Conversation.debtor_ids).where(Conversation.user_id == CHAT_A)
    ).scalar_one()
    return {
        "accounts": [tuple(map(str, row)) for row in accounts],
        "debtor": (debtor.first_name, debtor.last_name, list(debtor.opt_outs)),
        "counts": counts,
        "statuses": statuses,
        "change": change.status if change else None,
        "bound": bound,
        "notice shown": notice.shown_at,
        "shift": (shift.start_time, shift.end_time, shift.mode, shift.visit_minutes),
        "endpoint": (endpoint.url, endpoint.active, endpoint.secret_version, endpoint.events),
        "delivery": (delivery.status, delivery.attempts),
        "api key revoked": api_key.revoked_at,
        "stop events": session.execute(
            select(func.count()).select_from(StopEvent).where(StopEvent.agent_id == scene.a1.id)
        ).scalar_one(),
    }
