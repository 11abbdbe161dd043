"""`cobro statement`: the chunked booking from a shell, with its progress, in one language."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from backend.cli import app
from backend.core.config import get_settings
from backend.core.db import session_scope
from tests.statements.helpers import Desk, csv_bytes


def test_books_a_statement_with_progress_and_a_rerun_changes_nothing(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("backend.core.db.get_engine", lambda: committed_engine)
    get_settings.cache_clear()
    with session_scope(committed_engine) as session:
        desk = Desk(session)
        for i in range(3):
            desk.account(f"PE-{3000 + i}", principal=50_000)
        portfolio_id = str(desk.portfolio.id)
    path = tmp_path / "extracto.csv"
    path.write_bytes(csv_bytes([("20/01/2025", "10,00", "", f"PE-{3000 + i}") for i in range(3)]))
    runner = CliRunner()
    args = ["statement", str(path), "--portfolio", portfolio_id, "--lang", "en"]

    first = runner.invoke(app, args)
    again = runner.invoke(app, args)

    assert first.exit_code == 0, first.output
    assert "booking: 3/3" in first.output and "matched: 3" in first.output
    assert again.exit_code == 0 and again.output.splitlines()[-1] == first.output.splitlines()[-1]
    bad = runner.invoke(app, ["statement", str(path), "--portfolio", "nope"])
    assert bad.exit_code == 2 and "no es un id de cartera" in bad.output
    get_settings.cache_clear()
