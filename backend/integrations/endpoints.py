"""Creditors' webhook endpoints and their delivery log (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from backend.auth.deps import Admin, SessionDep, actor_of
from backend.core.pagination import PageParams, next_cursor, page_params
from backend.core.routing import DomainRouter
from backend.creditors.guards import KnownCreditor
from backend.integrations import repository, service
from backend.integrations.guards import KnownDelivery, KnownEndpoint
from shared.schemas.common import Page
from shared.schemas.integrations import (
    WebhookDeliveryRead,
    WebhookEndpointCreate,
    WebhookEndpointRead,
    WebhookEndpointUpdate,
    WebhookEndpointWithSecret,
)

router = DomainRouter(tags=["integrations"])
Paging = Annotated[PageParams, Depends(page_params)]


@router.post(
    "/creditors/{creditor_id}/webhook-endpoints",
    response_model=WebhookEndpointWithSecret,
    status_code=201,
)
def create_endpoint(
    session: SessionDep, admin: Admin, creditor: KnownCreditor, data: WebhookEndpointCreate
) -> object:
    """Subscribe a URL to events of the creditor's accounts; the answer carries its secret."""
    return service.create_endpoint(session, actor_of(admin), creditor, data)


@router.get("/creditors/{creditor_id}/webhook-endpoints", response_model=Page[WebhookEndpointRead])
def list_endpoints(
    session: SessionDep, _: Admin, creditor: KnownCreditor, paging: Paging
) -> object:
    rows = repository.endpoints_page(session, creditor.id, paging.cursor, paging.limit)
    return Page(items=rows[: paging.limit], next_cursor=next_cursor(rows, paging.limit))


@router.get("/webhook-endpoints/{endpoint_id}", response_model=WebhookEndpointRead)
def get_endpoint(_: Admin, endpoint: KnownEndpoint) -> object:
    return endpoint


@router.patch("/webhook-endpoints/{endpoint_id}", response_model=WebhookEndpointRead)
def update_endpoint(
    session: SessionDep, admin: Admin, endpoint: KnownEndpoint, data: WebhookEndpointUpdate
) -> object:
    return service.update_endpoint(session, actor_of(admin), endpoint, data)


@router.post(
    "/webhook-endpoints/{endpoint_id}/rotate-secret", response_model=WebhookEndpointWithSecret
)
def rotate_secret(session: SessionDep, admin: Admin, endpoint: KnownEndpoint) -> object:
    return service.rotate_secret(session, actor_of(admin), endpoint)


@router.get("/webhook-endpoints/{endpoint_id}/deliveries", response_model=Page[WebhookDeliveryRead])
def list_deliveries(
    session: SessionDep, _: Admin, endpoint: KnownEndpoint, paging: Paging
) -> object:
    """The delivery log, newest first."""
    rows = repository.deliveries_page(session, endpoint.id, paging.cursor, paging.limit)
    return Page(items=rows[: paging.limit], next_cursor=next_cursor(rows, paging.limit))


@router.post("/webhook-deliveries/{delivery_id}/retry", response_model=WebhookDeliveryRead)
def retry_delivery(session: SessionDep, admin: Admin, delivery: KnownDelivery) -> object:
    return service.retry_delivery(session, actor_of(admin), delivery)
