"""Saved column mappings, warnings for bad contacts, and the downloadable report."""

from __future__ import annotations

import csv
import io
import uuid

import openpyxl
import pytest
from sqlalchemy import select

from backend.debtors.models import Debtor, document_index
from backend.imports.errors import ImportInvalid
from backend.imports.models import ImportBatch
from shared.schemas.enums import Role
from tests import builders as b
from tests.imports.helpers import HEADER, audit_actions, csv_bytes, data_counts, row, run


def _mapping_url(portfolio_id) -> str:
    return f"/api/v1/portfolios/{portfolio_id}/import-mapping"


def test_saved_mapping_is_validated_audited_and_applied(client, session) -> None:
    portfolio = b.portfolio(session)
    admin = b.user(session, Role.admin)
    url = _mapping_url(portfolio.id)
    assert client.get(url, headers=b.headers(admin)).json() == {"columns": {}}

    bad = client.put(url, headers=b.headers(admin), json={"columns": {"Saldo X": "balance"}})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_import_mapping"
    assert bad.json()["details"]["field"] == "balance"
    columns = {"Saldo X": "principal", "Mi Col": "phones", "Notas": "-"}
    saved = client.put(url, headers=b.headers(admin), json={"columns": columns})
    assert saved.status_code == 200 and saved.json() == {"columns": columns}
    assert client.get(url, headers=b.headers(admin)).json() == {"columns": columns}
    [event] = audit_actions(session, "import_mapping.updated")
    assert event.after == {"columns": columns} and event.before == {"columns": {}}

    header = [{"principal": "Saldo X", "phones": "Mi Col"}.get(h, h) for h in HEADER] + ["Notas"]
    values = row(principal="500", phones="987654321") | {"Saldo X": "500", "Mi Col": "987654321"}
    response = client.post(
        f"/api/v1/imports?portfolio_id={portfolio.id}",
        headers=b.headers(admin),
        files={"file": ("cartera.csv", csv_bytes([values | {"Notas": "x"}], header=header))},
    )
    assert response.status_code == 201, response.text


def test_mapping_is_for_staff_and_existing_portfolios(client, session) -> None:
    portfolio = b.portfolio(session)
    agent = b.user(session, Role.agent)
    body = {"columns": {"Saldo X": "principal"}}
    assert (
        client.put(_mapping_url(portfolio.id), headers=b.headers(agent), json=body).status_code
        == 403
    )
    admin = b.user(session, Role.admin)
    missing = _mapping_url("0190b3c4-0000-7000-8000-000000000000")
    assert client.put(missing, headers=b.headers(admin), json=body).status_code == 404


def test_invalid_contacts_are_warnings_and_the_row_imports_without_them(session) -> None:
    portfolio = b.portfolio(session)
    data = csv_bytes([row(phones="987654321 | 12345", email="rosa@example.pe, not-an-email")])

    result = run(session, portfolio, data)

    assert result.summary["accounts_created"] == 1 and result.summary["warnings"] == 2
    rosa = session.execute(
        select(Debtor).where(Debtor.id_number_index == document_index("45871236"))
    ).scalar_one()
    assert rosa.emails == ["rosa@example.pe"]
    batch = session.get(ImportBatch, uuid.UUID(result.summary["batch_id"]))
    assert batch.report["warnings"] == [
        [2, "phones", "invalid_phone", {"value": "12345", "country": "PE"}],
        [2, "email", "invalid_email", {"value": "not-an-email"}],
    ]


def test_rejected_file_keeps_its_report_and_may_be_sent_again(session) -> None:
    portfolio = b.portfolio(session)
    data = csv_bytes([row(phones="12"), row(external_ref="X", principal="-1")])
    before = data_counts(session)
    for _ in range(2):
        with pytest.raises(ImportInvalid) as exc:
            run(session, portfolio, data)
        assert exc.value.params["details"]["warnings"] == 1
    assert data_counts(session) == before
    rejected = session.execute(select(ImportBatch)).scalars().all()
    assert [b.status for b in rejected] == ["rejected", "rejected"]
    assert rejected[0].summary == {"rows": 2, "errors": 1, "warnings": 1}
    assert len(audit_actions(session, "import.rejected")) == 2


def test_report_downloads_as_csv_and_xlsx_in_one_language(client, session) -> None:
    portfolio = b.portfolio(session)
    admin = b.user(session, Role.admin)
    data = csv_bytes([row(phones="12"), row(external_ref="X", currency="USD")])
    rejected = client.post(
        f"/api/v1/imports?portfolio_id={portfolio.id}",
        headers=b.headers(admin, "es"),
        files={"file": ("cartera.csv", data)},
    ).json()
    links = rejected["details"]["report"]

    as_csv = client.get(links["csv"], headers=b.headers(admin, "es"))
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert lines == [
        ["fila", "columna", "tipo", "código", "motivo"],
        ["3", "currency", "error", "currency_mismatch", lines[1][4]],
        ["2", "phones", "advertencia", "invalid_phone", lines[2][4]],
    ]
    assert lines[1][4].startswith("Moneda «USD»") and lines[2][4].startswith("«12» no es")

    as_xlsx = client.get(links["xlsx"], headers=b.headers(admin, "en"))
    assert as_xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
    values = [list(line) for line in sheet.iter_rows(values_only=True)]
    assert values[0] == ["row", "column", "severity", "code", "reason"]
    assert values[2][:4] == [2, "phones", "warning", "invalid_phone"]
    assert values[2][4].startswith("'12' is not a valid phone number")

    agent = b.user(session, Role.agent)
    assert client.get(links["csv"], headers=b.headers(agent)).status_code == 403
    missing = "/api/v1/imports/0190b3c4-0000-7000-8000-000000000000/report.csv"
    assert client.get(missing, headers=b.headers(admin)).status_code == 404
    listed = client.get(f"/api/v1/imports?portfolio_id={portfolio.id}", headers=b.headers(admin))
    [batch] = listed.json()["items"]
    assert batch["status"] == "rejected" and batch["summary"]["errors"] == 1


def test_unknown_column_answer_suggests_the_closest(client, session) -> None:
    portfolio = b.portfolio(session)
    admin = b.user(session, Role.admin)
    header = ["Saldp" if h == "principal" else h for h in HEADER]
    response = client.post(
        f"/api/v1/imports?portfolio_id={portfolio.id}",
        headers=b.headers(admin, "en"),
        files={"file": ("cartera.csv", csv_bytes([row()], header=header))},
    )
    assert response.status_code == 422
    first = response.json()["details"]["errors"][0]
    assert first["code"] == "unknown_column" and first["suggestion"] == "Saldo"
    assert first["column"] == "Saldp" and "did you mean 'Saldo'" in first["reason"]
