"""The streamed import across chunks: cross-row rules, all or nothing, one debtor per document."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.debtors.models import Debtor, DebtorPhone, document_index
from backend.imports import repository, stream
from backend.imports.errors import ImportInvalid
from tests import builders as b
from tests.imports.helpers import (
    assert_balances_are_ledger_sums,
    audit_actions,
    csv_bytes,
    data_counts,
    row,
    run,
)


@pytest.fixture(autouse=True)
def tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "CHUNK_ROWS", 2)


def _other(i: int, **values: str) -> dict[str, str]:
    return row(id_number=f"{50000000 + i}", external_ref=f"O-{i}", phones="", email="") | values


def test_a_debtor_spread_over_chunks_is_one_debtor_with_pooled_contacts(session) -> None:
    portfolio = b.portfolio(session)
    rows = [
        row(),
        _other(1),
        _other(2),
        _other(3),
        row(external_ref="TC-2", first_name="", phones="912345678", email="rq@example.pe"),
        _other(4),
    ]

    result = run(session, portfolio, csv_bytes(rows))

    s = result.summary
    assert (s["rows"], s["debtors_created"], s["debtors_updated"]) == (6, 5, 0)
    assert s["accounts_created"] == 6
    rosa = session.execute(
        select(Debtor).where(Debtor.id_number_index == document_index("45871236"))
    ).scalar_one()
    phones = session.execute(
        select(DebtorPhone.e164)
        .where(DebtorPhone.debtor_id == rosa.id)
        .order_by(DebtorPhone.position)
    ).scalars()
    assert list(phones) == ["+51987654321", "+51912345678"]
    assert rosa.first_name == "Rosa" and rosa.emails == ["rosa@example.pe", "rq@example.pe"]
    assert audit_actions(session, "debtor.updated") == []
    assert_balances_are_ledger_sums(session, portfolio)


def test_rules_across_chunks_are_reported_and_nothing_is_written(session) -> None:
    portfolio = b.portfolio(session)
    rows = [
        row(),
        _other(1),
        _other(2),
        _other(3),
        row(external_ref="TC-2", first_name="Rosario"),
        _other(5, external_ref="O-1"),
        _other(6, principal="0"),
    ]
    before = data_counts(session)

    with pytest.raises(ImportInvalid) as exc:
        run(session, portfolio, csv_bytes(rows))

    errors = exc.value.params["details"]["errors"]
    assert [(e["row"], e["column"], e["code"]) for e in errors] == [
        (6, "first_name", "debtor_conflict"),
        (7, "external_ref", "duplicate_external_ref"),
        (8, "principal", "amount_not_positive"),
    ]
    assert "row 2" in errors[0]["reason"] and "'Rosa'" in errors[0]["reason"]
    assert data_counts(session) == before


def test_reimport_in_chunks_updates_existing_debtors_once(session) -> None:
    portfolio = b.portfolio(session)
    run(session, portfolio, csv_bytes([row(), _other(1), _other(2), row(external_ref="TC-2")]))
    rows = [row(last_name="Quispe H"), _other(1), _other(2), row(external_ref="TC-2", last_name="")]

    result = run(session, portfolio, csv_bytes(rows))

    assert result.summary["debtors_updated"] == 1 and result.summary["unchanged"] == 4
    assert len(audit_actions(session, "debtor.updated")) == 1
    rosa = session.execute(
        select(Debtor).where(Debtor.id_number_index == document_index("45871236"))
    ).scalar_one()
    session.refresh(rosa)
    assert rosa.last_name == "Quispe H"
    assert_balances_are_ledger_sums(session, portfolio)


def test_the_import_writes_with_a_larger_sqlite_cache_and_gives_it_back(
    session, db_kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    portfolio = b.portfolio(session)
    connection = session.connection()
    cache = "PRAGMA cache_size"
    own = connection.exec_driver_sql(cache).scalar_one() if db_kind == "sqlite" else None
    during: list[int] = []
    write = stream._write

    def watched(*args: object) -> None:
        during.append(connection.exec_driver_sql(cache).scalar_one())
        write(*args)

    if db_kind == "sqlite":
        monkeypatch.setattr(stream, "_write", watched)

    result = run(session, portfolio, csv_bytes([row(), _other(1), _other(2)]))

    assert result.summary["accounts_created"] == 3
    if db_kind == "sqlite":
        assert during and set(during) == {-repository.SQLITE_CACHE_KIB}
        assert connection.exec_driver_sql(cache).scalar_one() == own != during[0]
