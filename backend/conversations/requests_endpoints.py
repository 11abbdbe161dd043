"""The bot API for what debtors ask for beyond paying: disputes ("no reconozco esta deuda",
"ya pagué", "me robaron la identidad") with their evidence files, the notices that tell them
how a dispute ended, and their documents as PDFs (the plan's schedule, receipts, the
paid-in-full certificate). Role ``bot`` only, for a verified chat (``ChatAccount``), as the
rest of ``/bot/{channel}/{user_id}``. See docs/disputes.md."""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Query, Response, UploadFile

from backend.auth.deps import SessionDep
from backend.conversations.endpoints import BOT, Bot
from backend.conversations.guards import ChatAccount, ChatDep
from backend.conversations.service import ACTION_CHANNELS, bot_actor, bound_debtors, message_key
from backend.core.routing import DomainRouter
from backend.disputes import repository as disputes_repository
from backend.disputes import service as disputes
from backend.disputes.endpoints import evidence_read
from backend.disputes.guards import ChatNotice
from backend.disputes.models import DebtorNotice, Dispute
from backend.disputes.service import Opening
from backend.documents import repository as documents_repository
from backend.documents import service as documents
from backend.documents.endpoints import PDF, pdf_response
from backend.documents.guards import ChatPayment
from shared.schemas.common import ErrorBody
from shared.schemas.disputes import (
    BotDispute,
    BotDisputeCreate,
    BotPayment,
    CertificateRead,
    EvidenceRead,
    NoticeRead,
)
from shared.schemas.enums import Language

router = DomainRouter(tags=["bot"])
Reader = Annotated[Language, Query(description="the language of the answer's texts")]
RECENT_PAYMENTS = 20


def _bot_dispute(session: SessionDep, dispute: Dispute, language: Language) -> BotDispute:
    return BotDispute(
        id=dispute.id,
        account_id=dispute.account_id,
        reason=dispute.reason,
        status=dispute.status,
        respond_by=dispute.respond_by,
        created_at=dispute.created_at,
        resolved_at=dispute.resolved_at,
        message=disputes.status_message(session, dispute, language.value),
    )


def _notice(notice: DebtorNotice, language: Language) -> NoticeRead:
    return NoticeRead(
        id=notice.id,
        account_id=notice.account_id,
        dispute_id=notice.dispute_id,
        created_at=notice.created_at,
        message=disputes.notice_message(notice, language.value),
    )


@router.post(
    f"{BOT}/accounts/{{account_id}}/disputes",
    response_model=BotDispute,
    status_code=201,
    responses={
        200: {"model": BotDispute, "description": "Already open, or a replay of the message"},
        409: {"model": ErrorBody, "description": "account_not_disputable"},
    },
)
def open_dispute(
    session: SessionDep,
    bot: Bot,
    chat: ChatDep,
    bound: ChatAccount,
    body: BotDisputeCreate,
    response: Response,
) -> BotDispute:
    """The debtor disputes the account: contact stops on every channel and a supervisor
    reviews it. ``message`` tells the debtor what happens next and by when (the opening
    message for a new dispute and for the same ``message_id`` again, which answers the same
    dispute; where it stands when another message finds one already open)."""
    key = message_key("dispute", chat, body.message_id)
    dispute, created = disputes.open_dispute(
        session,
        bot_actor(bot),
        bound.account.id,
        Opening(
            reason=body.reason,
            statement=body.statement,
            channel=ACTION_CHANNELS[chat.channel],
            evidence=body.evidence,
            client_key=key,
        ),
    )
    answer = _bot_dispute(session, dispute, body.language)
    if created or dispute.client_key == key:  # a redelivered message gets the same words
        answer.message = disputes.opened_message(session, dispute, body.language.value)
    if not created:
        response.status_code = 200
    return answer


@router.get(f"{BOT}/accounts/{{account_id}}/disputes", response_model=list[BotDispute])
def account_disputes(
    session: SessionDep, _: Bot, bound: ChatAccount, language: Reader = Language.es
) -> list[BotDispute]:
    """The account's disputes, newest first, each with where it stands in words."""
    rows = disputes_repository.of_account(session, bound.account.id)
    return [_bot_dispute(session, d, language) for d in rows]


@router.post(
    f"{BOT}/accounts/{{account_id}}/evidence", response_model=EvidenceRead, status_code=201
)
def upload_evidence(
    session: SessionDep,
    bot: Bot,
    bound: ChatAccount,
    file: Annotated[UploadFile, File(description="JPEG, PNG, WebP or PDF, up to 10 MiB")],
) -> EvidenceRead:
    """A file the debtor sent (a voucher photo, a police report), kept for the account: name
    its id in a dispute's ``evidence``."""
    upload = disputes.store_evidence(
        session,
        bot_actor(bot),
        bot,
        bound.account,
        filename=file.filename or "evidence",
        content_type=file.content_type or "",
        data=file.file.read(disputes.MAX_EVIDENCE_BYTES + 1),
    )
    return evidence_read(upload)


@router.get(f"{BOT}/notices", response_model=list[NoticeRead])
def pending_notices(
    session: SessionDep, _: Bot, chat: ChatDep, language: Reader = Language.es
) -> list[NoticeRead]:
    """What the chat's debtors must be told and were not yet (how a dispute ended): show each,
    then mark it shown."""
    rows = disputes.pending_notices(session, bound_debtors(session, chat))
    return [_notice(n, language) for n in rows]


@router.post(f"{BOT}/notices/{{notice_id}}/shown", response_model=NoticeRead)
def notice_shown(
    session: SessionDep, _: Bot, chat: ChatDep, notice: ChatNotice, language: Reader = Language.es
) -> NoticeRead:
    """The notice reached the debtor in this chat; marking it again changes nothing."""
    return _notice(disputes.mark_shown(session, notice, chat.channel), language)


@router.get(f"{BOT}/accounts/{{account_id}}/schedule.pdf", response_class=Response, responses=PDF)
def schedule(
    session: SessionDep, _: Bot, bound: ChatAccount, language: Reader = Language.es
) -> Response:
    """The schedule of the account's active plan (else its latest); 404 ``no_plan``."""
    plan = documents.schedule_plan(session, bound.account)
    content = documents.schedule_pdf(session, plan, language.value)
    return pdf_response(content, f"cronograma-{bound.account.external_ref[-4:]}.pdf")


@router.get(f"{BOT}/accounts/{{account_id}}/payments", response_model=list[BotPayment])
def payments(session: SessionDep, _: Bot, bound: ChatAccount) -> list[BotPayment]:
    """The account's latest payments, newest first, to pick a receipt from."""
    rows = documents_repository.recent_payments(session, bound.account.id, RECENT_PAYMENTS)
    return [
        BotPayment(
            id=p.id,
            amount_minor=p.amount_minor,
            currency=p.currency,
            paid_on=p.paid_on,
            method=p.method.value,
        )
        for p in rows
    ]


@router.get(f"{BOT}/payments/{{payment_id}}/receipt.pdf", response_class=Response, responses=PDF)
def receipt(
    session: SessionDep, _: Bot, payment: ChatPayment, language: Reader = Language.es
) -> Response:
    """A payment's receipt, of an account of the chat's debtors."""
    content = documents.receipt_pdf(session, payment, language.value)
    return pdf_response(content, f"recibo-{payment.paid_on.isoformat()}.pdf")


@router.post(
    f"{BOT}/accounts/{{account_id}}/certificate",
    response_model=CertificateRead,
    status_code=201,
    responses={
        200: {"model": CertificateRead, "description": "Issued already for this closing"},
        409: {"model": ErrorBody, "description": "account_not_paid"},
    },
)
def issue_certificate(
    session: SessionDep, bot: Bot, bound: ChatAccount, response: Response
) -> CertificateRead:
    """The paid-in-full certificate ("constancia de no adeudo") of a paid account, with the
    code and URL anyone can check it at; then ``GET .../certificate.pdf`` for the PDF."""
    certificate, created = documents.issue_certificate(session, bot_actor(bot), bound.account.id)
    if not created:
        response.status_code = 200
    return documents.certificate_read(session, certificate)


@router.get(
    f"{BOT}/accounts/{{account_id}}/certificate.pdf", response_class=Response, responses=PDF
)
def certificate_pdf(
    session: SessionDep, _: Bot, bound: ChatAccount, language: Reader = Language.es
) -> Response:
    """The account's latest certificate as a PDF (404 ``certificate_not_issued``)."""
    certificate = documents.latest_certificate(session, bound.account)
    content = documents.certificate_pdf(session, certificate, language.value)
    return pdf_response(content, f"constancia-{certificate.code}.pdf")
