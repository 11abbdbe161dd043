"""Two parties for the IDOR walk (``test_idor.py``): everything one of them owns, built with
the builders and services, and who else is around.

The victim is agent ``a1`` of team A (supervisor ``sup_a``): a debtor with three accounts (one
with an open offer, a callback task, a payment link and its opening charge; one with an
active plan; one with a proposal waiting for the supervisor's approval), an upload, an import
batch and a policy change of ``sup_a``, and the chat bound to the debtor. The others are
``a2`` (a1's teammate), team B (``sup_b``, agent ``b1``, whose debtor's chat is bound too),
the bot and an admin. The portfolio, its templates and strategy, and a bank statement with
an unmatched line are shared (the agency's, seen by every staff member).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from backend.accounts.models import Account
from backend.audit.service import Actor
from backend.conversations.models import Conversation
from backend.core.clock import utcnow
from backend.creditors.models import Portfolio
from backend.debtors.models import Debtor
from backend.demo.reminders import add_reminders
from backend.imports.models import ImportBatch
from backend.ledger.models import LedgerEntry
from backend.payments import service as payments
from backend.payments.models import Payment, PaymentLink
from backend.payments.service import LinkRequest
from backend.plans import service as plans
from backend.plans.models import Offer, Plan
from backend.policies.models import PolicyChange
from backend.promises.models import Promise
from backend.statements.models import BankStatement, StatementLine
from backend.tasks import service as tasks
from backend.tasks.models import Task
from backend.uploads.models import Upload
from backend.users.models import User
from shared.schemas.enums import ActionChannel, LinkPurpose, Role, TaskKind
from shared.schemas.negotiation import ProposalRequest
from shared.schemas.statements import StatementLineStatus
from tests import builders as b
from tests.plans.helpers import lima, today

VICTIM_NAME = ("Zoila", "Vargas")
VICTIM_DOCUMENT = "47110815"
VICTIM_PHONE = "+51987650042"
CHAT_A, CHAT_B = "8001", "8002"


@dataclass
class Scene:
    admin: User
    sup_a: User
    a1: User
    a2: User
    sup_b: User
    b1: User
    bot: User
    portfolio: Portfolio
    debtor: Debtor
    account: Account  # a1's: open offer, callback task, payment link
    planned: Account  # a1's: active plan
    asked: Account  # a1's: a proposal waiting for sup_a
    entry: LedgerEntry
    offer: Offer
    plan: Plan
    task: Task
    approval: Task
    link: PaymentLink
    upload: Upload
    batch: ImportBatch
    change: PolicyChange
    statement: BankStatement
    line: StatementLine
    template: tuple[str, str]  # name, language
    strategy: str
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
    session.add_all([upload, batch, change, statement])
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
    _bind(session, CHAT_A, debtor)
    _bind(session, CHAT_B, session.get(Debtor, theirs.debtor_id))
    session.flush()
    scene = Scene(
        admin=admin,
        sup_a=sup_a,
        a1=a1,
        a2=a2,
        sup_b=sup_b,
        b1=b1,
        bot=b.user(session, Role.bot),
        portfolio=portfolio,
        debtor=debtor,
        account=account,
        planned=planned,
        asked=asked,
        entry=entry,
        offer=offer,
        plan=plan,
        task=task,
        approval=approval,
        link=link,
        upload=upload,
        batch=batch,
        change=change,
        statement=statement,
        line=line,
        template=("recordatorio", "es"),
        strategy="cobranza",
    )
    scene.secrets = {
        "debtor name": first,
        "debtor surname": last,
        "document": VICTIM_DOCUMENT,
        "phone": VICTIM_PHONE[3:],
        "agent a1": str(a1.id),
        "debtor": str(debtor.id),
        "link token": link.token,
        **{
            name: str(getattr(scene, name).id)
            for name in (
                "account",
                "planned",
                "asked",
                "entry",
                "offer",
                "plan",
                "task",
                "approval",
                "link",
                "upload",
                "batch",
                "change",
            )
        },
    }
    return scene


def victim_state(session: Session, scene: Scene) -> dict[str, Any]:
    """What an attack could change of the victim's: their accounts (balance, agent, status),
    the debtor (names, opt-outs), and how many entries, payments, offers, plans, promises,
    tasks and links hang from the accounts; the policy change's status; the bindings."""
    session.expire_all()
    ids = [scene.account.id, scene.planned.id, scene.asked.id]
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
        for model in (LedgerEntry, Payment, Offer, Plan, Promise, Task, PaymentLink)
    }
    statuses = {
        model.__name__: sorted(
            str(s)
            for s in session.execute(
                select(model.status).where(model.account_id.in_(ids))  # type: ignore[attr-defined]
            ).scalars()
        )
        for model in (Offer, Plan, Task, PaymentLink)
    }
    change = session.get(PolicyChange, scene.change.id)
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
    }
