"""`cobro reminders plan --date D --dry-run` (a day's reminders, counted) and `cobro reminders
outbox` (what would have been sent), from a shell."""

from __future__ import annotations

import uuid
from datetime import date

import typer
from sqlmodel import col, select

from backend.audit.service import Actor
from backend.core.db import session_scope
from backend.creditors.models import Portfolio
from backend.outbound import service
from shared.schemas.outbound import PlanPreviewRead


def plan_dry_run(day: date, portfolio_id: uuid.UUID | None) -> list[PlanPreviewRead]:
    with session_scope() as session:
        every = select(Portfolio.id).order_by(col(Portfolio.name))
        ids = [portfolio_id] if portfolio_id else list(session.exec(every))
        return [service.preview_plan(session, Actor.system(), pid, day) for pid in ids]


def print_plan(previews: list[PlanPreviewRead]) -> None:
    for preview in previews:
        state = " (paused)" if preview.paused else ""
        typer.echo(
            f"{preview.portfolio_id} · {preview.date}{state}: {preview.planned} planned, "
            f"{preview.enrolled} would join a strategy"
        )
        for line in preview.lines:
            rule = f" [{line.rule}]" if line.rule else ""
            typer.echo(f"  {line.step:<20} {line.channel:<9} {line.outcome:<9}{rule} {line.count}")


def print_outbox(portfolio_id: uuid.UUID | None, limit: int) -> None:
    with session_scope(write=False) as session:
        messages = service.outbox(session, portfolio_id, limit)
    if not messages:
        typer.echo("(empty)")
    for message in messages:
        subject = f" · {message.subject}" if message.subject else ""
        typer.echo(
            f"{message.created_at:%Y-%m-%d %H:%M} {message.channel} → {message.recipient}{subject}"
        )
        for line in message.text.splitlines():
            typer.echo(f"    {line}")
