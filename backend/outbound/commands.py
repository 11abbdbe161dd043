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


def plan_dry_run(day: date, portfolio_id: uuid.UUID | None) -> list[tuple[str, PlanPreviewRead]]:
    """Each portfolio's name and its day's preview."""
    with session_scope() as session:
        query = select(Portfolio.id, Portfolio.name).order_by(col(Portfolio.name))
        if portfolio_id:
            query = query.where(Portfolio.id == portfolio_id)
        return [
            (name, service.preview_plan(session, Actor.system(), pid, day))
            for pid, name in session.exec(query)
        ]


def print_plan(previews: list[tuple[str, PlanPreviewRead]]) -> None:
    for name, preview in previews:
        state = " (paused)" if preview.paused else ""
        typer.echo(
            f"{name} · {preview.date}{state}: {preview.planned} planned, "
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
