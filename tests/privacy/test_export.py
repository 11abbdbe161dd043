"""A data subject's export: everything held about the debtor, as JSON or a zip of CSVs, for
admins and supervisors in scope, and recorded in the read log."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from fastapi.testclient import TestClient

from backend.privacy import reads
from tests import builders as b
from tests.field import helpers as field
from tests.privacy.conftest import World

API = "/api/v1"
SECTIONS = {
    "exported_at",
    "debtor",
    "accounts",
    "ledger",
    "payments",
    "promises",
    "plans",
    "instalments",
    "contact_attempts",
    "visits",
    "field_notes",
    "messages",
    "conversations",
    "opt_outs",
}


def test_json_export_holds_the_personal_data_and_the_debt(client: TestClient, world: World) -> None:
    debtor, account = world.debtor_a, world.account_a
    visit = field.visit(account, None, note="Pidió llamar luego")
    field.sync(client, world.agent_a, [visit, field.payment(account, "300.00", "R-0001")])
    client.patch(
        f"{API}/debtors/{debtor.id}",
        json={"opt_outs": ["sms"]},
        headers=b.headers(world.admin),
    )
    reads.LOG.take()

    answer = client.get(f"{API}/debtors/{debtor.id}/export", headers=b.headers(world.supervisor))

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert f"debtor-{debtor.id}.json" in answer.headers["content-disposition"]
    assert answer.headers["cache-control"] == "no-store"
    data = json.loads(answer.content)
    assert set(data) == SECTIONS
    assert data["debtor"]["id_number"] == "41234567"
    assert data["debtor"]["phones"] == ["+51987654321"]
    assert [a["external_ref"] for a in data["accounts"]] == ["A-1"]
    assert sorted(e["amount_minor"] for e in data["ledger"]) == [-30_000, 100_000]
    [payment] = data["payments"]
    assert payment["amount_minor"] == 30_000 and "verification_code" not in payment
    assert [v["note"] for v in data["visits"]] == ["Pidió llamar luego"]
    assert [c["channel"] for c in data["contact_attempts"]] == ["visit"]
    assert data["opt_outs"][-1]["after"] == ["sms"]
    assert reads.LOG.take()[0]["purpose"] == reads.EXPORTED


def test_csv_export_is_a_zip_of_one_file_per_section(client: TestClient, world: World) -> None:
    answer = client.get(
        f"{API}/debtors/{world.debtor_a.id}/export",
        params={"format": "csv"},
        headers=b.headers(world.admin),
    )
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    names = set(archive.namelist())
    assert names == {f"{s}.csv" for s in SECTIONS - {"exported_at"}} | {"exported_at.txt"}
    [debtor] = list(csv.DictReader(io.StringIO(archive.read("debtor.csv").decode("utf-8-sig"))))
    assert debtor["id_number"] == "41234567"
    assert json.loads(debtor["phones"]) == ["+51987654321"]
    ledger = list(csv.DictReader(io.StringIO(archive.read("ledger.csv").decode("utf-8-sig"))))
    assert [row["amount_minor"] for row in ledger] == ["100000"]


def test_only_admins_and_supervisors_in_scope_export(client: TestClient, world: World) -> None:
    url = f"{API}/debtors/{world.debtor_a.id}/export"
    assert client.get(url, headers=b.headers(world.agent_a)).status_code == 403
    assert client.get(url, headers=b.headers(world.other_supervisor)).status_code == 404
    assert (
        client.get(url, params={"format": "pdf"}, headers=b.headers(world.admin)).status_code == 422
    )
