"""The baseline for the webhooks of ``payments.py``: a bare endpoint that stores each event id
once, the least a webhook receiver with exactly-once answers can do.

No signature check, no grouping, no booking: ``POST /webhook`` parses the JSON body and inserts
its ``id`` into ``bench_webhook_inbox`` (``ON CONFLICT DO NOTHING``), one transaction and one
commit per request, through the same engine factory as the real app (``DATABASE_URL``), on
FastAPI's thread pool; it answers ``processed`` or ``duplicate`` once committed. The benchmark
creates the table.
"""

from __future__ import annotations

import json
import os

from fastapi import FastAPI, Request
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from backend.core.db import make_engine

engine = make_engine(os.environ["DATABASE_URL"])
app = FastAPI()
STORE = text(
    "INSERT INTO bench_webhook_inbox (event_id) VALUES (:event_id) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
)


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _store(event_id: str) -> str:
    with engine.begin() as conn:
        stored = conn.execute(STORE, {"event_id": event_id}).first()
    return "processed" if stored else "duplicate"


@app.post("/webhook")
async def webhook(request: Request) -> dict[str, str]:
    event = json.loads(await request.body())
    return {"outcome": await run_in_threadpool(_store, str(event["id"]))}
