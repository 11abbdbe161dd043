"""The FastAPI application: routers by domain under /api/v1, one error handler, the probes and
metrics (``backend.ops``), and the request middleware that logs and times every request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import APIRouter, FastAPI

from backend.accounts.endpoints import router as accounts_router
from backend.analytics.endpoints import router as analytics_router
from backend.analytics.pages import pages as analytics_pages
from backend.audit.endpoints import router as audit_router
from backend.auth.endpoints import router as auth_router
from backend.contact.endpoints import log as contact_log_router
from backend.contact.endpoints import router as contact_router
from backend.conversations.endpoints import router as conversations_router
from backend.conversations.requests_endpoints import router as bot_requests_router
from backend.core import handlers, heap
from backend.core.bodylimit import BodyLimit, Limit
from backend.core.config import get_settings
from backend.core.headers import SecurityHeaders, page_policy
from backend.core.routing import PrefilteredRouter
from backend.creditors.endpoints import router as creditors_router
from backend.debtors.endpoints import router as debtors_router
from backend.disputes.endpoints import router as disputes_router
from backend.disputes.service import evidence_body_bytes
from backend.documents.endpoints import public as certificate_pages
from backend.documents.endpoints import router as documents_router
from backend.experiments.endpoints import router as experiments_router
from backend.field.endpoints import SYNC_BODY_BYTES
from backend.field.endpoints import router as field_router
from backend.field.photos import BODY_BYTES as PHOTO_BODY_BYTES
from backend.imports.endpoints import router as imports_router
from backend.imports.mapping_endpoints import router as import_mapping_router
from backend.imports.upload import upload_body_bytes
from backend.integrations.endpoints import router as integrations_router
from backend.ledger.endpoints import router as ledger_router
from backend.ops.endpoints import router as ops_router
from backend.outbound.endpoints import accounts as outbound_accounts_router
from backend.outbound.endpoints import outbox as outbox_router
from backend.outbound.endpoints import router as outbound_router
from backend.outbound.public_endpoints import public as outbound_pages
from backend.payments.endpoints import public as payment_pages
from backend.payments.endpoints import router as payments_router
from backend.plans.endpoints import router as plans_router
from backend.policies.endpoints import router as policies_router
from backend.privacy import reads
from backend.privacy.endpoints import router as privacy_router
from backend.promises.endpoints import router as promises_router
from backend.scoring.endpoints import router as scoring_router
from backend.segments.endpoints import router as segments_router
from backend.statements.endpoints import router as statements_router
from backend.tasks.endpoints import router as tasks_router
from backend.uploads.endpoints import router as uploads_router
from backend.users.endpoints import router as users_router
from shared.observability.requests import observe
from shared.schemas.common import ErrorBody

ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody} for status in (400, 401, 403, 404, 409, 413, 422)
}


def api_router() -> APIRouter:
    api = PrefilteredRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
    for router in (
        auth_router,
        users_router,
        creditors_router,
        debtors_router,
        accounts_router,
        ledger_router,
        imports_router,
        import_mapping_router,
        policies_router,
        segments_router,
        scoring_router,
        experiments_router,
        contact_router,
        contact_log_router,
        outbound_router,
        outbound_accounts_router,
        outbox_router,
        integrations_router,
        plans_router,
        promises_router,
        tasks_router,
        disputes_router,
        documents_router,
        payments_router,
        statements_router,
        uploads_router,
        conversations_router,
        bot_requests_router,
        field_router,
        audit_router,
        privacy_router,
        analytics_router,
    ):
        api.include_router(router)
    return api


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    # Request threads and database connections are sized together (backend.core.db).
    to_thread.current_default_thread_limiter().total_tokens = get_settings().worker_threads
    heap.settle()
    reads.LOG.start()  # writes the reads of personal data this process notes
    try:
        yield
    finally:
        reads.LOG.stop()


# The routes that take more than COBRO_MAX_BODY_BYTES (tests/core/test_body_limit.py checks
# that each one exists).
LARGE_BODIES: dict[tuple[str, str], Limit] = {
    ("POST", "/api/v1/imports"): upload_body_bytes,
    ("POST", "/api/v1/statements"): upload_body_bytes,
    ("POST", "/api/v1/field/sync"): lambda: SYNC_BODY_BYTES,
    ("POST", "/api/v1/field/photos"): lambda: PHOTO_BODY_BYTES,
    ("POST", "/api/v1/accounts/{account_id}/evidence"): evidence_body_bytes,
    ("POST", "/api/v1/bot/{channel}/{user_id}/accounts/{account_id}/evidence"): evidence_body_bytes,
    ("POST", "/api/v1/bot/{channel}/{user_id}/evidence"): evidence_body_bytes,  # vouchers
    # The portal's dispute form carries the same evidence (bots/portal, mounted by main.py).
    ("POST", "/portal/accounts/{account_id}/dispute"): evidence_body_bytes,
}

# The docs pages load Swagger UI and ReDoc from their CDN and start them with inline scripts.
DOCS_POLICY = (
    "default-src 'none'; script-src https://cdn.jsdelivr.net 'unsafe-inline'; "
    "style-src https://cdn.jsdelivr.net https://fonts.googleapis.com 'unsafe-inline'; "
    "font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
    "https://cdn.redoc.ly; connect-src 'self'; worker-src blob:; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def create_app() -> FastAPI:
    # Production serves no API docs unless COBRO_API_DOCS=true.
    docs = get_settings().docs_enabled
    app = FastAPI(
        lifespan=lifespan,
        title="Cobro API",
        version="0.1.0",
        description="Debt collections: portfolios, debtors, accounts, ledger, negotiation.",
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    handlers.install(app)
    # Outermost last: the body limit answers before anything else runs, and its refusals get
    # the security headers too.
    app.add_middleware(BodyLimit, larger=LARGE_BODIES)
    app.add_middleware(SecurityHeaders)
    if docs:
        page_policy(app, "/docs", DOCS_POLICY)
        page_policy(app, "/redoc", DOCS_POLICY)
    app.include_router(api_router())
    app.include_router(payment_pages)
    app.include_router(outbound_pages)
    app.include_router(certificate_pages)
    app.include_router(analytics_pages)
    app.include_router(ops_router)
    observe(app)  # every request logged and timed once, whatever answers it
    return app
