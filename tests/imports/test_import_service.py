"""The import service on both databases: all or nothing, the report, idempotency, deltas."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from backend.audit.service import Actor
from backend.debtors.models import Debtor, DebtorPhone, document_index
from backend.imports.errors import ImportInvalid
from backend.ledger import service as ledger
from shared.schemas.enums import AccountStatus, EntryKind, Role
from tests import builders as b
from tests.imports.helpers import (
    HEADER,
    account,
    assert_balances_are_ledger_sums,
    audit_actions,
    counts,
    csv_bytes,
    data_counts,
    entries,
    row,
    run,
)


def _errors(exc: pytest.ExceptionInfo[ImportInvalid]) -> list[tuple[int, str, str]]:
    details = exc.value.params["details"]
    return [(e["row"], e["column"], e["code"]) for e in details["errors"]]


def test_import_creates_debtors_accounts_and_ledger(session) -> None:
    portfolio = b.portfolio(session)
    agent = b.user(session, Role.agent, email="ana.agent@test.cobro")
    data = csv_bytes(
        [
            row(phones="987654321|(01) 412-3456", agent_email="Ana.Agent@test.cobro"),
            row(
                external_ref="PP-2",
                product="Préstamo",
                principal="5000",
                interest="",
                fees="",
                paid="",
                phones="912345678",
                email="",
            ),
            row(
                id_type="RUC",
                id_number="20551234569",
                first_name="",
                last_name="",
                company_name="Andina SAC",
                external_ref="LC-3",
                phones="",
                email="",
                address="",
                district="",
                city="",
            ),
        ]
    )

    result = run(session, portfolio, data)

    assert not result.replayed
    summary = result.summary
    assert (summary["rows"], summary["debtors_created"], summary["accounts_created"]) == (3, 2, 3)
    assert summary["ledger_entries"] == 4 + 1 + 4
    tc1 = account(session, portfolio, "TC-1")
    assert tc1.balance_minor == 100_000 + 10_000 + 1_000 - 5_000
    assert tc1.assigned_agent_id == agent.id
    assert tc1.status == AccountStatus.active
    booked = {e.idempotency_key: e for e in entries(session, tc1.id)}
    batch = summary["batch_id"].replace("-", "")
    assert {key: (e.kind, e.amount_minor) for key, e in booked.items()} == {
        f"import:principal:{batch}": (EntryKind.charge, 100_000),
        f"import:interest:{batch}": (EntryKind.interest, 10_000),
        f"import:fees:{batch}": (EntryKind.fee, 1_000),
        f"import:paid:{batch}": (EntryKind.payment, -5_000),
    }
    assert {e.source for e in booked.values()} == {f"import:{batch}"}
    assert booked[f"import:principal:{batch}"].effective_date == date(2023, 1, 10)
    rosa = session.execute(
        select(Debtor).where(Debtor.id_number_index == document_index("45871236"))
    ).scalar_one()
    phones = (
        session.execute(
            select(DebtorPhone.e164)
            .where(DebtorPhone.debtor_id == rosa.id)
            .order_by(DebtorPhone.position)
        )
        .scalars()
        .all()
    )
    assert phones == ["+51987654321", "+5114123456", "+51912345678"]  # pooled over her rows
    assert rosa.emails == ["rosa@example.pe"]
    assert "rosa quispe" in rosa.search_text
    company = session.execute(
        select(Debtor).where(Debtor.id_number_index == document_index("20551234569"))
    ).scalar_one()
    assert company.kind == "company" and company.display_name == "Andina SAC"
    [event] = audit_actions(session, "import.completed")
    assert event.after["accounts_created"] == 3 and event.entity_id == summary["batch_id"]
    assert_balances_are_ledger_sums(session, portfolio)


def test_one_bad_row_imports_nothing(session) -> None:
    portfolio = b.portfolio(session)
    rows = [row(external_ref=f"R-{i}", id_number=f"{40000000 + i}") for i in range(5)]
    rows[3]["principal"] = "12,345"  # a thousands group: valid; the next line is the bad one
    rows[4]["due_date"] = "31/02/2024"
    before = data_counts(session)

    with pytest.raises(ImportInvalid) as exc:
        run(session, portfolio, csv_bytes(rows))

    assert _errors(exc) == [(6, "due_date", "invalid_date")]
    assert data_counts(session) == before


def test_report_lists_every_bad_row_with_column_and_reason(session) -> None:
    portfolio = b.portfolio(session)
    header = [
        "tipo_documento",
        "Número de Documento",
        "nombres",
        "apellidos",
        "referencia",
        "producto",
        "capital",
        "intereses",
        "moneda",
        "fecha_vencimiento",
        "gestor",
    ]

    def spanish(**values: str) -> dict[str, str]:
        base = {
            "tipo_documento": "DNI",
            "Número de Documento": "45871236",
            "nombres": "Rosa",
            "apellidos": "Quispe",
            "referencia": "A-1",
            "producto": "Tarjeta",
            "capital": "100,00",
            "intereses": "0",
            "moneda": "PEN",
            "fecha_vencimiento": "2024-01-31",
            "gestor": "",
        }
        return base | values

    rows = [
        spanish(),
        spanish(**{"Número de Documento": "1234", "referencia": "A-2"}),
        spanish(referencia="A-3", capital="1.234,567"),
        spanish(referencia="A-1"),
        spanish(referencia="A-5", nombres="Rosario"),
        spanish(referencia="A-6", moneda="USD", gestor="nobody@test.cobro"),
        spanish(referencia="A-7", tipo_documento="XYZ", fecha_vencimiento="2024/01/31"),
    ]
    with pytest.raises(ImportInvalid) as exc:
        run(session, portfolio, csv_bytes(rows, header=header), lang="en")

    assert _errors(exc) == [
        (3, "Número de Documento", "invalid_national_id"),
        (4, "capital", "amount_precision"),
        (5, "referencia", "duplicate_external_ref"),
        (6, "nombres", "debtor_conflict"),
        (7, "moneda", "currency_mismatch"),
        (7, "gestor", "unknown_agent"),
        (8, "tipo_documento", "invalid_id_type"),
        (8, "fecha_vencimiento", "invalid_date"),
    ]
    details = exc.value.params["details"]
    assert details["total"] == 8 and details["truncated"] is False
    reasons = {e["code"]: e["reason"] for e in details["errors"]}
    assert reasons["duplicate_external_ref"] == "Duplicate reference: already in row 2."
    assert reasons["currency_mismatch"] == "Currency 'USD' differs from the portfolio's (PEN)."
    assert "'1234' is not a valid DNI" in reasons["invalid_national_id"]
    assert "1.234,567" in reasons["amount_precision"]


def test_header_problems_are_reported_before_rows(session) -> None:
    portfolio = b.portfolio(session)
    header = [h for h in HEADER if h != "due_date"] + ["telefono2", "Capital"]
    with pytest.raises(ImportInvalid) as exc:
        run(session, portfolio, csv_bytes([row()], header=header))
    assert _errors(exc) == [
        (1, "telefono2", "unknown_column"),
        (1, "Capital", "duplicate_column"),
        (1, "due_date", "missing_column"),
    ]


def test_same_file_again_changes_nothing(session) -> None:
    portfolio = b.portfolio(session)
    data = csv_bytes([row(), row(external_ref="TC-2")])
    first = run(session, portfolio, data)
    before = counts(session)

    again = run(session, portfolio, data)

    assert again.replayed and again.summary == first.summary
    assert counts(session) == before  # no rows, no ledger entries, no audit events


def test_equivalent_file_changes_nothing_but_is_recorded(session) -> None:
    portfolio = b.portfolio(session)
    run(session, portfolio, csv_bytes([row(), row(external_ref="TC-2")]))
    before = counts(session)
    same_data = csv_bytes(
        [row(principal="1.000,00"), row(external_ref="TC-2", principal="1000")], delimiter=";"
    )

    result = run(session, portfolio, same_data)

    assert result.summary["unchanged"] == 2
    assert result.summary["accounts_updated"] == result.summary["ledger_entries"] == 0
    after = counts(session)
    assert after["ledger_entries"] == before["ledger_entries"]
    assert after["accounts"] == before["accounts"] and after["debtors"] == before["debtors"]
    assert after["audit_events"] == before["audit_events"] + 1  # import.completed only


def test_reimport_with_changes_updates_audits_and_never_duplicates(session) -> None:
    portfolio = b.portfolio(session)
    agent = b.user(session, Role.agent, email="field@test.cobro")
    run(session, portfolio, csv_bytes([row(), row(external_ref="TC-2")]))
    tc1 = account(session, portfolio, "TC-1")
    before = counts(session)

    changed = [
        row(
            product="Tarjeta Oro",
            due_date="30/09/2024",
            interest="150",
            fees="4",
            paid="80",
            agent_email="field@test.cobro",
            phones="912345678",
        ),
        row(external_ref="TC-2"),
    ]
    result = run(session, portfolio, csv_bytes(changed))

    s = result.summary
    assert (s["accounts_created"], s["accounts_updated"], s["unchanged"]) == (0, 1, 1)
    assert (s["debtors_created"], s["debtors_updated"], s["ledger_entries"]) == (0, 1, 3)
    after = counts(session)
    assert after["accounts"] == before["accounts"] and after["debtors"] == before["debtors"]
    tc1 = account(session, portfolio, "TC-1")
    assert tc1.product == "Tarjeta Oro" and tc1.due_date == date(2024, 9, 30)
    assert tc1.assigned_agent_id == agent.id
    new = [
        e
        for e in entries(session, tc1.id)
        if e.source == f"import:{s['batch_id'].replace('-', '')}"
    ]
    assert sorted((e.kind, e.amount_minor) for e in new) == sorted(
        [(EntryKind.interest, 5_000), (EntryKind.discount, -600), (EntryKind.payment, -3_000)]
    )
    assert tc1.balance_minor == 100_000 + 15_000 + 400 - 8_000
    [event] = audit_actions(session, "account.updated")
    assert event.account_id == tc1.id
    assert event.before == {
        "product": "Tarjeta",
        "due_date": "2024-06-15",
        "assigned_agent_id": None,
        "interest_minor": 10_000,
        "fees_minor": 1_000,
        "paid_minor": 5_000,
        "balance_minor": 106_000,
    }
    assert event.after["product"] == "Tarjeta Oro" and event.after["interest_minor"] == 15_000
    assert event.after["balance_minor"] == 107_400
    assert event.after["import_batch_id"] == s["batch_id"]
    [debtor_event] = audit_actions(session, "debtor.updated")
    # Phones are a verification factor: audited masked.
    assert debtor_event.before == {"phones": ["+51*********"]}
    assert debtor_event.after["phones"] == ["+51*********", "+51*********"]
    assert_balances_are_ledger_sums(session, portfolio)


def test_changed_cumulative_interest_posts_only_the_delta(session) -> None:
    portfolio = b.portfolio(session)
    run(session, portfolio, csv_bytes([row(interest="100.00")]))
    tc1 = account(session, portfolio, "TC-1")
    existing = len(entries(session, tc1.id))

    run(session, portfolio, csv_bytes([row(interest="150.00")]))
    run(session, portfolio, csv_bytes([row(interest="150.00", fees="10.0")]))  # same figures

    posted = entries(session, tc1.id)[existing:]
    assert [(e.kind, e.amount_minor) for e in posted] == [(EntryKind.interest, 5_000)]
    assert account(session, portfolio, "TC-1").balance_minor == 100_000 + 15_000 + 1_000 - 5_000
    assert_balances_are_ledger_sums(session, portfolio)


def test_blank_figures_keep_what_was_booked(session) -> None:
    portfolio = b.portfolio(session)
    run(session, portfolio, csv_bytes([row()]))
    result = run(session, portfolio, csv_bytes([row(interest="", fees="", paid="")]))
    assert result.summary["unchanged"] == 1 and result.summary["ledger_entries"] == 0


def test_lower_paid_is_a_row_error_until_the_payment_is_reversed(session) -> None:
    portfolio = b.portfolio(session)
    run(session, portfolio, csv_bytes([row(paid="50.00")]))
    run(session, portfolio, csv_bytes([row(paid="80.00")]))

    with pytest.raises(ImportInvalid) as exc:
        run(session, portfolio, csv_bytes([row(paid="60.00")]))
    assert _errors(exc) == [(2, "paid", "paid_decreased")]
    assert "from 80.00 to 60.00" in exc.value.params["details"]["errors"][0]["reason"]

    tc1 = account(session, portfolio, "TC-1")
    [later_payment] = [e for e in entries(session, tc1.id) if e.amount_minor == -3_000]
    ledger.reverse(
        session, Actor.system(), later_payment.id, idempotency_key="fix", source="manual"
    )
    result = run(session, portfolio, csv_bytes([row(paid="60.00")]))

    assert result.summary["accounts_updated"] == 1
    assert entries(session, tc1.id)[-1].amount_minor == -1_000  # 50 booked, 60 now
    assert_balances_are_ledger_sums(session, portfolio)


def test_paid_in_full_settles_the_status_and_reopens(session) -> None:
    portfolio = b.portfolio(session)
    run(session, portfolio, csv_bytes([row()]))
    run(session, portfolio, csv_bytes([row(paid="1110.00")]))
    tc1 = account(session, portfolio, "TC-1")
    assert (tc1.balance_minor, tc1.status) == (0, AccountStatus.paid)
    [event] = audit_actions(session, "account.status_changed")
    assert (event.before, event.after) == ({"status": "active"}, {"status": "paid"})

    run(session, portfolio, csv_bytes([row(paid="1110.00", interest="120.00")]))
    tc1 = account(session, portfolio, "TC-1")
    assert (tc1.balance_minor, tc1.status) == (2_000, AccountStatus.active)
    assert_balances_are_ledger_sums(session, portfolio)


def test_account_created_through_the_api_is_not_charged_twice(session, client) -> None:
    portfolio = b.portfolio(session)
    admin = b.user(session, Role.admin)
    debtor = b.debtor(session, portfolio, id_number="45871236")
    response = client.post(
        "/api/v1/accounts",
        headers=b.headers(admin),
        json={
            "portfolio_id": str(portfolio.id),
            "debtor_id": str(debtor.id),
            "external_ref": "TC-1",
            "product": "Tarjeta",
            "principal": "1000.00",
            "currency": "PEN",
            "due_date": "2024-06-15",
        },
    )
    assert response.status_code == 201, response.text

    result = run(session, portfolio, csv_bytes([row(interest="0", fees="0", paid="0")]))

    assert result.summary["ledger_entries"] == 0
    assert account(session, portfolio, "TC-1").balance_minor == 100_000


def test_existing_account_cannot_move_to_another_debtor(session) -> None:
    portfolio = b.portfolio(session)
    run(session, portfolio, csv_bytes([row()]))
    with pytest.raises(ImportInvalid) as exc:
        run(session, portfolio, csv_bytes([row(id_number="11111111")]))
    assert _errors(exc) == [(2, "external_ref", "account_debtor_changed")]


def test_supervisor_assigns_only_their_team(session) -> None:
    portfolio = b.portfolio(session)
    boss = b.user(session, Role.supervisor)
    b.user(session, Role.agent, supervisor=boss, email="mine@test.cobro")
    b.user(session, Role.agent, email="other@test.cobro")
    data = csv_bytes(
        [row(agent_email="mine@test.cobro"), row(external_ref="X", agent_email="other@test.cobro")]
    )
    with pytest.raises(ImportInvalid) as exc:
        run(session, portfolio, data, user=boss)
    assert _errors(exc) == [(3, "agent_email", "unknown_agent")]


def test_spanish_headers_semicolons_decimal_commas_and_bom(session) -> None:
    portfolio = b.portfolio(session)
    text = (
        "Tipo Documento;Número Documento;Nombres;Apellidos;Teléfonos;Correo;Dirección;Distrito;"
        "Ciudad;Latitud;Longitud;Número Cuenta;Producto;Capital;Intereses;Comisiones;Pagado;"
        "Moneda;Fecha Desembolso;Fecha Vencimiento;Idioma\r\n"
        "DNI;45871236;Rosa;Quispe Huamán;987 654 321 / 912345678;rosa@example.pe;"
        "Av. Arequipa 1234;Lince;Lima;-12,0845;-77,0353;TC-9;Tarjeta de crédito;1.234,50;"
        "12,5;0;100;pen;01/02/2023;15/06/2024;Español\r\n"
    )
    result = run(session, portfolio, b"\xef\xbb\xbf" + text.encode("utf-8"))

    assert result.summary["accounts_created"] == 1
    tc9 = account(session, portfolio, "TC-9")
    assert tc9.principal_minor == 123_450
    assert tc9.balance_minor == 123_450 + 1_250 - 10_000
    assert tc9.origination_date == date(2023, 2, 1)
    rosa = session.execute(
        select(Debtor).where(Debtor.id_number_index == document_index("45871236"))
    ).scalar_one()
    assert rosa.last_name == "Quispe Huamán" and rosa.preferred_language == "es"
    assert_balances_are_ledger_sums(session, portfolio)


def test_xlsx_with_typed_cells(session) -> None:
    portfolio = b.portfolio(session)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "tipo_documento",
            "documento",
            "nombres",
            "apellidos",
            "telefono",
            "referencia",
            "producto",
            "capital",
            "intereses",
            "pagado",
            "moneda",
            "fecha_vencimiento",
            None,
        ]
    )
    sheet.append(
        [
            "DNI",
            45871236,
            "Rosa",
            "Quispe",
            987654321,
            100200,
            "Tarjeta",
            1234.5,
            Decimal("10.25"),
            0,
            "PEN",
            date(2024, 6, 15),
            None,
        ]
    )
    sheet.append([])  # blank rows are skipped
    sheet.append(
        [
            "DNI",
            "07654321",
            "Juan",
            "Mamani",
            "",
            "A-2",
            "Préstamo",
            "2.000,00",
            None,
            None,
            "PEN",
            "2024-07-01",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = run(session, portfolio, buffer.getvalue(), filename="cartera.xlsx")

    assert result.summary["rows"] == 2 and result.summary["accounts_created"] == 2
    first = account(session, portfolio, "100200")
    assert (first.principal_minor, first.balance_minor) == (123_450, 124_475)
    assert first.due_date == date(2024, 6, 15)
    assert account(session, portfolio, "A-2").principal_minor == 200_000


def test_xlsx_row_numbers_match_the_sheet(session) -> None:
    portfolio = b.portfolio(session)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([row()[h] for h in HEADER])
    sheet.append([row(external_ref="B", principal=1234.567)[h] for h in HEADER])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ImportInvalid) as exc:
        run(session, portfolio, buffer.getvalue(), filename="cartera.xlsx")
    assert _errors(exc) == [(3, "principal", "amount_precision")]


def test_existing_debtor_keeps_field_data_and_gains_new_contacts(session) -> None:
    portfolio = b.portfolio(session)
    run(session, portfolio, csv_bytes([row()]))
    data = csv_bytes(
        [
            row(
                first_name="",
                last_name="",
                phones="",
                email="rosa.q@example.pe",
                address="Jr. Lampa 200",
                district="",
                city="Lima",
            )
        ]
    )

    result = run(session, portfolio, data)

    assert result.summary["debtors_updated"] == 1
    rosa = session.execute(
        select(Debtor).where(Debtor.id_number_index == document_index("45871236"))
    ).scalar_one()
    session.refresh(rosa)
    assert (rosa.first_name, rosa.last_name) == ("Rosa", "Quispe")
    assert rosa.emails == ["rosa@example.pe", "rosa.q@example.pe"]
    [event] = audit_actions(session, "debtor.updated")
    assert event.after["addresses"] == 2 and event.before["addresses"] == 1


def test_documentation_example_imports(session) -> None:
    portfolio = b.portfolio(session)
    sample = Path(__file__).parents[2] / "docs" / "examples" / "portfolio.csv"
    result = run(session, portfolio, sample.read_bytes())
    assert result.summary["accounts_created"] == 5 and result.summary["debtors_created"] == 4
    assert_balances_are_ledger_sums(session, portfolio)
