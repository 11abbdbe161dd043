"""Every minute: turn new audit events into deliveries for creditors' endpoints, then send
what is due, in batches, on any number of workers (claims skip each other's rows)."""

from __future__ import annotations

import httpx

from backend.core.clock import utcnow
from backend.core.db import session_scope
from backend.integrations.service import (
    BATCH,
    TIMEOUT_SECONDS,
    DeliveryReport,
    collect,
    deliver_due,
)
from backend.jobs.registry import job

MAX_BATCHES = 20  # per run: the next minute's run takes the rest


@job("integrations.webhooks", cron="* * * * *")
def send_webhooks() -> DeliveryReport:
    total = DeliveryReport()
    with session_scope() as session:
        total.collected = collect(session, utcnow())
    with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
        for _ in range(MAX_BATCHES):
            report = deliver_due(client)
            total.delivered += report.delivered
            total.retried += report.retried
            total.dead += report.dead
            total.errors += report.errors
            if report.delivered + report.retried + report.dead < BATCH:
                break
    return total
