"""``cobro import``: one commit on a real database, progress on stderr, exit codes."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlmodel import Session
from typer.testing import CliRunner

from backend.accounts.models import Account
from backend.cli import app
from backend.imports.commands import run_import
from tests.imports.helpers import (
    assert_balances_are_ledger_sums,
    committed_portfolio,
    counts,
    csv_bytes,
    row,
)


def test_run_import_commits_and_replays(engine, tmp_path, capsys) -> None:
    portfolio = committed_portfolio(engine)
    path = tmp_path / "cartera.csv"
    path.write_bytes(csv_bytes([row(), row(external_ref="TC-2")]))

    assert run_import(path, str(portfolio.id), engine=engine) == 0

    out, err = capsys.readouterr()
    assert "accounts 2 created" in out and "8 ledger entries" in out
    assert "validating: 2/2" in err and "writing" in err
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(Account)).scalar_one() == 2
        assert_balances_are_ledger_sums(session, portfolio)
        before = counts(session)
    assert run_import(path, str(portfolio.id), engine=engine) == 0
    assert "already imported" in capsys.readouterr().out
    with Session(engine) as session:
        assert counts(session) == before


def test_run_import_prints_the_report_and_writes_nothing(engine, tmp_path, capsys):
    portfolio = committed_portfolio(engine)
    path = tmp_path / "cartera.csv"
    rows = [row(external_ref=f"R{i}") for i in range(60)]
    for bad in rows[5:]:
        bad["currency"] = "USD"
    path.write_bytes(csv_bytes(rows))
    with Session(engine) as session:
        before = counts(session)

    assert run_import(path, str(portfolio.id), engine=engine) == 1

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("row 7, currency: ")
    assert lines[0].endswith("[currency_mismatch]")
    assert lines[50] == "... and 5 more"
    assert "55" in lines[51]
    with Session(engine) as session:
        assert counts(session) == before


def test_run_import_exit_codes(engine, tmp_path, capsys) -> None:
    portfolio = committed_portfolio(engine)
    good = tmp_path / "cartera.csv"
    good.write_bytes(csv_bytes([row()]))
    latin = tmp_path / "latin.csv"
    latin.write_bytes("nombres\nJosé\n".encode("latin-1"))

    assert run_import(good, "not-an-id", engine=engine) == 2
    assert run_import(good, str(uuid.uuid4()), engine=engine) == 2
    assert run_import(tmp_path / "missing.csv", str(portfolio.id), engine=engine) == 2
    assert run_import(latin, str(portfolio.id), engine=engine) == 1
    assert "(import_encoding)" in capsys.readouterr().err


def test_cobro_import_command(engine, tmp_path, monkeypatch) -> None:
    portfolio = committed_portfolio(engine)
    monkeypatch.setattr("backend.core.db.get_engine", lambda: engine)
    path = tmp_path / "cartera.csv"
    path.write_bytes(csv_bytes([row()]))

    result = CliRunner().invoke(app, ["import", str(path), "--portfolio", str(portfolio.id)])

    assert result.exit_code == 0, result.output
    assert "accounts 1 created" in result.output
