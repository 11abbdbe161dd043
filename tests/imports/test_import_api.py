"""The import endpoints: answers, codes for bad input (never 500), and nothing written."""

from __future__ import annotations

import io
import zipfile

import pytest

from backend.core.config import get_settings
from backend.imports.upload import ENVELOPE
from shared.schemas.enums import Role
from tests import builders as b
from tests.imports.helpers import counts, csv_bytes, data_counts, row


def _post(client, who, portfolio_id, data: bytes, filename: str = "cartera.csv", lang="en"):
    return client.post(
        f"/api/v1/imports?portfolio_id={portfolio_id}",
        headers=b.headers(who, lang),
        files={"file": (filename, data, "application/octet-stream")},
    )


def test_upload_then_replay_then_list_and_read(client, session) -> None:
    portfolio = b.portfolio(session)
    admin = b.user(session, Role.admin)
    data = csv_bytes([row(), row(external_ref="TC-2")])

    first = _post(client, admin, portfolio.id, data)
    assert first.status_code == 201, first.text
    summary = first.json()
    assert summary | {"batch_id": None} == {
        "batch_id": None,
        "rows": 2,
        "debtors_created": 1,
        "debtors_updated": 0,
        "accounts_created": 2,
        "accounts_updated": 0,
        "unchanged": 0,
        "ledger_entries": 8,
        "warnings": 0,
        "replayed": False,
    }
    again = _post(client, admin, portfolio.id, data)
    assert again.status_code == 200
    assert again.json() == summary | {"replayed": True}

    listed = client.get(f"/api/v1/imports?portfolio_id={portfolio.id}", headers=b.headers(admin))
    assert listed.status_code == 200
    [batch] = listed.json()["items"]
    assert batch["id"] == summary["batch_id"] and batch["filename"] == "cartera.csv"
    assert batch["rows"] == 2 and batch["summary"]["accounts_created"] == 2
    assert batch["status"] == "completed"
    one = client.get(f"/api/v1/imports/{batch['id']}", headers=b.headers(admin))
    assert one.status_code == 200 and one.json() == batch


def test_supervisor_may_upload_agent_may_not(client, session) -> None:
    portfolio = b.portfolio(session)
    assert (
        _post(
            client, b.user(session, Role.supervisor), portfolio.id, csv_bytes([row()])
        ).status_code
        == 201
    )
    agent = b.user(session, Role.agent)
    assert _post(client, agent, portfolio.id, csv_bytes([row(external_ref="X")])).status_code == 403
    assert client.get("/api/v1/imports", headers=b.headers(agent)).status_code == 403


def test_invalid_file_answers_the_report_in_the_callers_language(client, session) -> None:
    portfolio = b.portfolio(session)
    admin = b.user(session, Role.admin)
    before = data_counts(session)

    response = _post(
        client, admin, portfolio.id, csv_bytes([row(), row(external_ref="TC-1")]), lang="es"
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "import_invalid"
    assert body["message"].startswith("El archivo tiene 1 error(es)")
    batch_id = body["details"].pop("batch_id")
    assert body["details"].pop("report") == {
        "csv": f"/api/v1/imports/{batch_id}/report.csv",
        "xlsx": f"/api/v1/imports/{batch_id}/report.xlsx",
    }
    assert body["details"] == {
        "errors": [
            {
                "row": 3,
                "column": "external_ref",
                "reason": "Referencia repetida: ya aparece en la fila 2.",
                "code": "duplicate_external_ref",
            }
        ],
        "total": 1,
        "truncated": False,
        "warnings": 0,
    }
    assert data_counts(session) == before


def test_report_is_capped_with_a_total(client, session) -> None:
    portfolio = b.portfolio(session)
    admin = b.user(session, Role.admin)
    rows = [row(external_ref=f"R{i}", due_date="soon", principal="-1") for i in range(600)]
    body = _post(client, admin, portfolio.id, csv_bytes(rows)).json()
    assert body["details"]["total"] == 1200 and body["details"]["truncated"] is True
    assert len(body["details"]["errors"]) == 1000


def test_oversized_upload_is_413(client, session, monkeypatch) -> None:
    portfolio = b.portfolio(session)
    admin = b.user(session, Role.admin)
    monkeypatch.setattr(get_settings(), "max_upload_bytes", 1000)
    before = counts(session)

    # Refused by its Content-Length before anything runs (the request's limit: file + envelope).
    declared = _post(client, admin, portfolio.id, b"x" * 200_000)
    assert declared.status_code == 413
    assert declared.json()["code"] == "payload_too_large"
    assert declared.json()["details"] == {"limit": 1000 + ENVELOPE}
    counted = _post(client, admin, portfolio.id, csv_bytes([row()] * 10))  # ~2 KB file
    assert counted.status_code == 413 and counted.json()["code"] == "payload_too_large"
    assert counted.json()["details"] == {"limit": 1000}  # the file's own limit
    assert counts(session) == before


def _zip(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in names.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("filename", "data", "status", "code"),
    [
        (
            "cartera.csv",
            "tipo_documento;nombres\nDNI;José\n".encode("latin-1"),
            422,
            "import_encoding",
        ),
        ("cartera.csv", "id_type\n".encode("utf-16"), 422, "import_encoding"),
        ("cartera.pdf", b"%PDF-1.7 not a sheet", 415, "unsupported_file_type"),
        ("cartera.csv", b"id_type,\x00\x01\x02binary", 415, "unsupported_file_type"),
        ("cartera.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1legacy", 415, "unsupported_file_type"),
        ("cartera.docx", _zip({"word/document.xml": b"<w/>"}), 415, "unsupported_file_type"),
        ("cartera.xlsx", b"id_type,id_number\n", 422, "import_malformed"),
        ("cartera.xlsx", b"PK\x03\x04 truncated zip", 422, "import_malformed"),
        ("cartera.xlsx", _zip({"xl/workbook.xml": b"<not-a-workbook"}), 422, "import_malformed"),
        ("cartera.csv", b"", 422, "import_empty"),
        ("cartera.csv", csv_bytes([]), 422, "import_empty"),
        ("cartera.csv", csv_bytes([]) + b'"DNI"x' + b"," * 19, 422, "import_malformed"),
    ],
)
def test_bad_files_get_a_clear_4xx_and_write_nothing(
    client, session, filename: str, data: bytes, status: int, code: str
) -> None:
    portfolio = b.portfolio(session)
    admin = b.user(session, Role.admin)
    before = counts(session)

    response = _post(client, admin, portfolio.id, data, filename)

    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert response.json()["message"]
    assert counts(session) == before


def test_missing_file_unknown_portfolio_and_unknown_batch(client, session) -> None:
    portfolio = b.portfolio(session)
    admin = b.user(session, Role.admin)
    url = f"/api/v1/imports?portfolio_id={portfolio.id}"
    no_file = client.post(url, headers=b.headers(admin), data={"other": "x"})
    assert (no_file.status_code, no_file.json()["code"]) == (422, "file_required")
    as_json = client.post(url, headers=b.headers(admin), json={"file": "x"})
    assert (as_json.status_code, as_json.json()["code"]) == (422, "file_required")
    unknown = _post(client, admin, "0190b3c4-0000-7000-8000-000000000000", csv_bytes([row()]))
    assert unknown.status_code == 404
    missing = client.get(
        "/api/v1/imports/0190b3c4-0000-7000-8000-000000000000", headers=b.headers(admin)
    )
    assert missing.status_code == 404


def test_upload_is_documented_as_multipart(client) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/imports"]["post"]
    schema = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["properties"]["file"]["format"] == "binary"
