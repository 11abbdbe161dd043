"""Documents for staff (a plan's schedule, a payment's receipt, the paid-in-full certificate,
as PDFs) and the public page that checks a certificate by its code. The bots' side is
``backend/conversations/requests_endpoints.py``. See docs/disputes.md."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response
from fastapi.responses import HTMLResponse

from backend.accounts.guards import VisibleAccount
from backend.auth.deps import CurrentUser, Lang, SessionDep, actor_of
from backend.core.routing import DomainRouter
from backend.documents import pages, service
from backend.documents.guards import CertificateByCode, VisiblePayment
from backend.plans.guards import VisiblePlan
from shared.i18n import normalize_language
from shared.schemas.common import ErrorBody
from shared.schemas.disputes import CertificateRead
from shared.schemas.enums import Language

router = DomainRouter(tags=["documents"])
public = DomainRouter(
    tags=["public pages"], responses={status: {"model": ErrorBody} for status in (404, 422)}
)
PDF = {200: {"content": {"application/pdf": {}}, "description": "a PDF"}}
LangQuery = Annotated[Language | None, Query(description="default: Accept-Language")]


def language(asked: Language | None, accepted: str) -> str:
    return asked.value if asked else accepted


def pdf_response(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@router.get("/plans/{plan_id}/schedule.pdf", response_class=Response, responses=PDF)
def schedule(
    session: SessionDep, plan: VisiblePlan, accept: Lang, lang: LangQuery = None
) -> Response:
    """The plan's instalments with what was paid of each, for the debtor."""
    content = service.schedule_pdf(session, plan, language(lang, accept))
    return pdf_response(content, f"schedule-{plan.created_at.date().isoformat()}.pdf")


@router.get("/payments/{payment_id}/receipt.pdf", response_class=Response, responses=PDF)
def receipt(
    session: SessionDep, payment: VisiblePayment, accept: Lang, lang: LangQuery = None
) -> Response:
    """The payment's receipt (with its verification code and URL, for payments that have one)."""
    content = service.receipt_pdf(session, payment, language(lang, accept))
    return pdf_response(content, f"receipt-{payment.paid_on.isoformat()}.pdf")


@router.get(
    "/payments/{payment_id}/receipt-qr.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "a QR code"}},
)
def receipt_qr(payment: VisiblePayment) -> Response:
    """A QR code of the receipt's verification URL (``/receipts/{code}``), for the debtor to
    scan; 404 ``no_receipt_code`` for an online payment (its receipt is its payment page)."""
    return Response(service.receipt_qr(payment), media_type="image/png")


@router.post(
    "/accounts/{account_id}/certificate",
    response_model=CertificateRead,
    status_code=201,
    responses={
        200: {"model": CertificateRead, "description": "Issued already for this closing"},
        409: {"model": ErrorBody, "description": "account_not_paid"},
    },
)
def issue_certificate(
    session: SessionDep, user: CurrentUser, account: VisibleAccount, response: Response
) -> CertificateRead:
    """The paid-in-full certificate of a paid account (or of one closed because its dispute
    was upheld): issued once per closing; asked again, the same one."""
    certificate, created = service.issue_certificate(session, actor_of(user), account.id)
    if not created:
        response.status_code = 200
    return service.certificate_read(session, certificate)


@router.get("/accounts/{account_id}/certificate", response_model=CertificateRead)
def get_certificate(session: SessionDep, account: VisibleAccount) -> CertificateRead:
    """The account's latest certificate, and whether it is still valid."""
    return service.certificate_read(session, service.latest_certificate(session, account))


@router.get("/accounts/{account_id}/certificate.pdf", response_class=Response, responses=PDF)
def certificate_pdf(
    session: SessionDep, account: VisibleAccount, accept: Lang, lang: LangQuery = None
) -> Response:
    certificate = service.latest_certificate(session, account)
    content = service.certificate_pdf(session, certificate, language(lang, accept))
    return pdf_response(content, f"certificate-{certificate.code}.pdf")


@public.get("/certificates/{code}", response_class=HTMLResponse)
def verify_certificate(
    request: Request,
    session: SessionDep,
    certificate: CertificateByCode,
    lang: Annotated[str | None, Query(max_length=5)] = None,
) -> HTMLResponse:
    """Anyone checks a certificate by its code: valid or revoked, and only what that needs."""
    language = normalize_language(lang or request.headers.get("accept-language"))
    view = service.verification(session, certificate)
    return HTMLResponse(pages.verification_page(view, language))
