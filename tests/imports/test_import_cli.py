"""``cobro import``: one commit on a real database, progress on stderr, exit codes."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlmodel import Session
from typer.testing import CliRunner

from backend.accounts.models import Account
from backend.cli import app
from backend.imports.commands import run_import
from backend.imports.models import ImportBatch
from tests.imports.helpers import (
    HEADER,
    assert_balances_are_ledger_sums,
    committed_portfolio,
    counts,
    csv_bytes,
    data_counts,
    row,
)


def test_run_import_commits_and_replays(engine, tmp_path, capsys) -> None:
    portfolio = committed_portfolio(engine)
    path = tmp_path / "cartera.csv"
    path.write_bytes(csv_bytes([row(), row(external_ref="TC-2")]))

    assert run_import(path, str(portfolio.id), engine=engine, lang="en") == 0

    out, err = capsys.readouterr()
    assert "accounts 2 created" in out and "8 ledger entries" in out
    assert "loading..." in err and "importing: 2/2" in err
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(Account)).scalar_one() == 2
        assert_balances_are_ledger_sums(session, portfolio)
        before = counts(session)
    assert run_import(path, str(portfolio.id), engine=engine) == 0
    assert "ya se importó" in capsys.readouterr().out
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
        before = data_counts(session)

    assert run_import(path, str(portfolio.id), engine=engine, lang="en") == 1

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("error in row 7, currency: Currency 'USD' differs")
    assert lines[0].endswith("[currency_mismatch]")
    assert lines[50] == "... and 5 more"
    assert "55" in lines[51]
    assert lines[52].startswith("Full report: GET /api/v1/imports/")
    with Session(engine) as session:
        assert data_counts(session) == before
        [batch] = session.execute(select(ImportBatch)).scalars()
        assert batch.status == "rejected" and batch.report["error_total"] == 55


def test_run_import_speaks_one_language(engine, tmp_path, capsys) -> None:
    portfolio = committed_portfolio(engine)
    path = tmp_path / "cartera.csv"
    path.write_bytes(csv_bytes([row(currency="USD")]))

    assert run_import(path, str(portfolio.id), engine=engine) == 1

    out, err = capsys.readouterr()
    assert out.splitlines()[0] == (
        "error en fila 2, currency: Moneda «USD» distinta de la de la cartera (PEN). "
        "[currency_mismatch]"
    )
    assert "El archivo tiene 1 error(es)" in out and "Informe completo" in out
    assert "importando" in err and "importing" not in err
    assert "row" not in out and "Full report" not in out


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
    assert "cuentas: 1 creadas" in result.output


def test_run_import_maps_columns_and_refuses_bad_maps(engine, tmp_path, capsys) -> None:
    portfolio = committed_portfolio(engine)
    path = tmp_path / "cartera.csv"
    header = ["Mi Saldo" if h == "principal" else h for h in HEADER] + ["Notas"]
    values = row() | {"Mi Saldo": "1000.00", "Notas": "llamar tarde"}
    path.write_bytes(csv_bytes([values], header=header))

    assert run_import(path, str(portfolio.id), engine=engine, maps=["Mi Saldo=balance"]) == 2
    assert "«balance»" in capsys.readouterr().err
    maps = ["mi saldo=principal", "Notas=-"]
    assert run_import(path, str(portfolio.id), engine=engine, maps=maps, lang="en") == 0
    assert "accounts 1 created" in capsys.readouterr().out
