"""Prometheus metrics of every Cobro process, and their exposition.

Several processes of one server (``cobro serve --workers N``) share their metrics through
prometheus_client's multiprocess mode: with ``PROMETHEUS_MULTIPROC_DIR`` set before this module
is first imported, each process writes its values to files there and a scrape of any of them
adds them all up (``cobro serve`` sets the directory up itself). Separate services (workers, the
chat webhooks) are scraped each on its own.

Label values are bounded: route templates (never raw paths), status classes, job names, channel
names and outcomes from short fixed lists.
"""

from __future__ import annotations

import functools
import hmac
import inspect
import os
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUEST_SECONDS = Histogram(
    "cobro_http_request_duration_seconds",
    "HTTP requests served, by method, route template and status class (2xx, 4xx...)",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
JOBS = Counter(
    "cobro_jobs",
    "Background job runs, by job and outcome (succeeded, retried: failed and to run again, "
    "failed: failed for good)",
    ["job", "outcome"],
)
JOB_SECONDS = Histogram(
    "cobro_job_duration_seconds",
    "Background job run time, by job",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
)
WEBHOOKS = Counter(
    "cobro_webhooks",
    "Webhook calls received, by channel (telegram, whatsapp, stripe, twilio) and outcome "
    "(accepted, rejected, unauthorized, not_configured, failed)",
    ["channel", "outcome"],
)
SENDS = Counter(
    "cobro_outbound_sends",
    "Reminders handled by the outbound sender, by channel and outcome (sent, outbox, retried, "
    "failed, cancelled)",
    ["channel", "outcome"],
)


def status_class(status: int) -> str:
    return f"{status // 100}xx"


def webhook_outcome(status: int) -> str:
    """A webhook's outcome from the status it was answered with."""
    if status < 400:
        return "accepted"
    if status in (401, 403):
        return "unauthorized"
    if status == 404:
        return "not_configured"
    return "rejected" if status < 500 else "failed"


T = TypeVar("T")


def counted_webhook(
    channel: str,
) -> Callable[[Callable[..., Awaitable[T]]], Callable[..., Awaitable[T]]]:
    """Count an async webhook endpoint's calls in ``cobro_webhooks_total`` by the status it
    answered (an exception counts as the status its error carries, else 500). FastAPI still
    sees the endpoint's own signature."""

    def decorate(endpoint: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
        if not inspect.iscoroutinefunction(endpoint):
            raise TypeError("counted_webhook wraps async endpoints")

        @functools.wraps(endpoint)
        async def counted(*args: Any, **kwargs: Any) -> T:
            try:
                answer = await endpoint(*args, **kwargs)
            except Exception as exc:
                status = getattr(exc, "status", None) or getattr(exc, "status_code", 500)
                WEBHOOKS.labels(channel, webhook_outcome(int(status))).inc()
                raise
            WEBHOOKS.labels(channel, webhook_outcome(getattr(answer, "status_code", 200))).inc()
            return answer

        return counted

    return decorate


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_DIR))


class _ThisProcess(Collector):
    """The default registry's metrics (this process's own), inside another registry."""

    def collect(self) -> Iterable[Any]:
        return REGISTRY.collect()


def exposition(*extra: Collector) -> bytes:
    """The text a scrape reads: this server's metrics (all its processes' in multiprocess
    mode), then ``extra`` collectors (read at scrape time, e.g. the job queue)."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess():
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry)


def scrape_allowed(authorization: str | None, token: str) -> bool:
    """Whether ``Authorization: Bearer <token>`` carries the configured scrape token (never
    when none is configured)."""
    scheme, _, given = (authorization or "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())
