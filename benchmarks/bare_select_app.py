"""The baseline for ``import_and_api.py``: a bare FastAPI endpoint doing one indexed select.

No authentication, visibility rule, ORM session or response model: ``GET /accounts/{id}`` reads
one ``accounts`` row by primary key with SQLAlchemy Core on the same database (``DATABASE_URL``)
through the same engine factory as the real app, and returns its columns as JSON.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from fastapi import FastAPI, HTTPException
from sqlalchemy import select

from backend.accounts.models import Account
from backend.core.db import make_engine

engine = make_engine(os.environ["DATABASE_URL"])
accounts = Account.__table__  # type: ignore[attr-defined]
app = FastAPI()


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/accounts/{account_id}")
def get_account(account_id: uuid.UUID) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(select(accounts).where(accounts.c.id == account_id)).mappings().first()
    if row is None:
        raise HTTPException(status_code=404)
    return dict(row)
