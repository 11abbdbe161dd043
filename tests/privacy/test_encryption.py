"""Personal data at rest: national IDs, phones, birth dates and e-mails are sealed (AES-GCM),
found through keyed blind indexes, re-sealed by key rotation, and never compared in SQL."""

from __future__ import annotations

import base64
import uuid
from datetime import date

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlmodel import Session

from backend.core.config import Settings, get_settings
from backend.core.crypto import SealError, parse_keys, seal, unseal
from backend.core.migrate import alembic_config, upgrade
from backend.core.sealed import SealedComparisonError
from backend.debtors.models import Debtor, DebtorPhone, document_index, phone_index
from backend.privacy import rotation
from backend.privacy.tasks import run_rotation
from shared.schemas.enums import Role
from tests import builders as b
from tests.conftest import Database

API = "/api/v1"
KEY_1 = base64.b64encode(b"1" * 32).decode()
KEY_2 = base64.b64encode(b"2" * 32).decode()


def _raw(session: Session, debtor_id: uuid.UUID) -> dict[str, str | None]:
    row = session.execute(
        text(
            "SELECT d.id_number, d.id_number_index, d.birth_date, d.emails, p.e164, p.e164_index "
            "FROM debtors d JOIN debtor_phones p ON p.debtor_id = d.id WHERE d.id = :id"
        ),
        {"id": debtor_id if session.get_bind().dialect.name != "sqlite" else debtor_id.hex},
    ).one()
    return dict(row._mapping)


def _rosa(session: Session) -> Debtor:
    return b.debtor(
        session,
        b.portfolio(session),
        phone="+51987654321",
        id_number="45871236",
        birth_date=date(1980, 5, 17),
        emails=["rosa@example.pe"],
    )


def test_the_database_holds_no_plaintext_and_the_orm_reads_it_back(session: Session) -> None:
    rosa = _rosa(session)
    raw = _raw(session, rosa.id)
    stored = " ".join(str(v) for v in raw.values())
    for plain in ("45871236", "987654321", "1980", "rosa@", "example.pe"):
        assert plain not in stored
    assert all(str(raw[c]).startswith("v1:") for c in ("id_number", "birth_date", "emails", "e164"))
    assert raw["id_number_index"] == document_index("45871236")
    assert raw["e164_index"] == phone_index("+51987654321")
    session.expire_all()
    again = session.get(Debtor, rosa.id)
    assert again is not None
    assert (again.id_number, again.birth_date, again.emails) == (
        "45871236",
        date(1980, 5, 17),
        ["rosa@example.pe"],
    )
    phone = session.execute(select(DebtorPhone.e164).where(DebtorPhone.debtor_id == rosa.id))
    assert phone.scalar_one() == "+51987654321"


def test_each_value_is_sealed_afresh_and_bound_to_its_column() -> None:
    first, second = seal("45871236", "id_number"), seal("45871236", "id_number")
    assert first != second  # a random nonce per value: equal documents look unrelated
    assert unseal(first, "id_number") == "45871236"
    with pytest.raises(SealError):
        unseal(first, "e164")  # copied into another column, it does not open
    tampered = first[:-4] + ("AAAA" if not first.endswith("AAAA") else "BBBB")
    with pytest.raises(SealError):
        unseal(tampered, "id_number")


@pytest.mark.parametrize(
    "compare",
    [
        lambda: Debtor.id_number == "45871236",
        lambda: Debtor.id_number.in_(["45871236"]),  # type: ignore[attr-defined]
        lambda: Debtor.id_number.like("4587%"),  # type: ignore[attr-defined]
        lambda: DebtorPhone.e164.endswith("4321"),  # type: ignore[attr-defined]
        lambda: Debtor.birth_date == date(1980, 5, 17),
        lambda: Debtor.emails.contains("rosa"),  # type: ignore[union-attr]
    ],
)
def test_a_comparison_on_a_sealed_column_raises(compare: object) -> None:
    with pytest.raises(SealedComparisonError):
        compare()  # type: ignore[operator]


def test_rotation_reseals_old_values_which_open_until_then(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "data_keys", f"1:{KEY_1}")
    with Session(committed_engine) as session:
        debtor_id = _rosa(session).id
        session.commit()
        changed = session.get(Debtor, debtor_id).updated_at  # type: ignore[union-attr]
    monkeypatch.setattr(settings, "data_keys", f"2:{KEY_2},1:{KEY_1}")
    with Session(committed_engine) as session:
        assert _raw(session, debtor_id)["id_number"].startswith("v1:")  # type: ignore[union-attr]
        assert session.get(Debtor, debtor_id).id_number == "45871236"  # type: ignore[union-attr]
        assert rotation.stale_count(session) == 2  # the debtor and the phone
    monkeypatch.setattr(rotation, "PAGE", 1)  # several pages, each its own unit of work
    run_rotation(committed_engine)
    run_rotation(committed_engine)  # idempotent: nothing left to do
    monkeypatch.setattr(settings, "data_keys", f"2:{KEY_2}")  # the old key removed
    with Session(committed_engine) as session:
        raw = _raw(session, debtor_id)
        assert all(str(raw[c]).startswith("v2:") for c in ("id_number", "birth_date", "e164"))
        assert rotation.stale_count(session) == 0
        rosa = session.get(Debtor, debtor_id)
        assert rosa is not None and rosa.emails == ["rosa@example.pe"]
        assert rosa.id_number_index == document_index("45871236")  # the index key is apart
        assert rosa.updated_at == changed  # no change to the debtor (retention counts from it)


def test_a_value_under_a_removed_key_does_not_open(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "data_keys", f"1:{KEY_1}")
    old = seal("45871236", "id_number")
    monkeypatch.setattr(settings, "data_keys", f"2:{KEY_2}")
    with pytest.raises(SealError, match="version 1"):
        unseal(old, "id_number")


@pytest.mark.parametrize("bad", ["1", "x:abc", f"0:{KEY_1}", "1:c2hvcnQ=", f"1:{KEY_1},1:{KEY_2}"])
def test_malformed_keys_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="COBRO_DATA_KEYS"):
        parse_keys(bad)


def test_production_refuses_to_start_without_data_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COBRO_DATA_KEYS", raising=False)
    monkeypatch.delenv("COBRO_INDEX_KEY", raising=False)
    base = {"env": "production", "secret_key": "p" * 40}
    with pytest.raises(ValueError, match="COBRO_DATA_KEYS"):
        Settings(**base, index_key=KEY_2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="COBRO_INDEX_KEY"):
        Settings(**base, data_keys=f"1:{KEY_1}")  # type: ignore[arg-type]
    assert Settings(**base, data_keys=f"1:{KEY_1}", index_key=KEY_2).is_production  # type: ignore[arg-type]


def test_search_finds_documents_and_phones_exactly_never_in_part(
    client: TestClient, session: Session
) -> None:
    admin = b.user(session, role=Role.admin)
    rosa = _rosa(session)
    headers = b.headers(admin)

    def found(q: str) -> set[str]:
        page = client.get(f"{API}/debtors", params={"q": q}, headers=headers).json()
        return {item["id"] for item in page["items"]}

    for q in ("45871236", "4587-1236", "+51987654321", "987 654 321"):
        assert found(q) == {str(rosa.id)}, q
    for q in ("4587123", "87654321", "rosa@example.pe"):  # partial documents and phones
        assert found(q) == set(), q


def test_the_migration_seals_existing_rows_and_the_downgrade_opens_them(
    database: Database,
) -> None:
    engine = database.fresh_copy()
    sqlite = database.kind == "sqlite"
    try:
        with engine.connect() as conn:  # no transaction: SQLite rebuilds with foreign keys off
            command.downgrade(alembic_config(conn), "0036_experiments")
            conn.commit()
        with Session(engine) as session:
            portfolio = b.portfolio(session)
            session.commit()
            portfolio_id = portfolio.id
        debtor_id, phone_id = uuid.uuid4(), uuid.uuid4()
        ids = {
            "d": debtor_id.hex if sqlite else debtor_id,
            "p": phone_id.hex if sqlite else phone_id,
        }
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO debtors (id, portfolio_id, kind, id_type, id_number, birth_date, "
                    "emails, preferred_language, opt_outs, search_text, created_at, updated_at) "
                    "VALUES (:d, :portfolio, 'person', 'DNI', '45871236', '1980-05-17', "
                    "'[\"rosa@example.pe\"]', 'es', '[]', 'rosa 45871236 +51987654321', "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {**ids, "portfolio": portfolio_id.hex if sqlite else portfolio_id},
            )
            conn.execute(
                text(
                    "INSERT INTO debtor_phones (id, debtor_id, e164, kind, position) "
                    "VALUES (:p, :d, '+51987654321', 'mobile', 0)"
                ),
                ids,  # a row referring to the debtor: SQLite cannot rebuild under it with
            )  # foreign keys on
        with engine.connect() as conn:
            upgrade(conn)
            conn.commit()
        with Session(engine) as session:
            raw = _raw(session, debtor_id)
            assert "45871236" not in str(raw) and "987654321" not in str(raw)
            rosa = session.get(Debtor, debtor_id)
            assert rosa is not None and rosa.id_number == "45871236"
            assert (rosa.birth_date, rosa.emails) == (date(1980, 5, 17), ["rosa@example.pe"])
            assert rosa.search_text == "" and rosa.id_number_index == document_index("45871236")
        with engine.connect() as conn:
            command.downgrade(alembic_config(conn), "0036_experiments")
            conn.commit()
            row = conn.execute(text("SELECT id_number, emails FROM debtors")).one()
            assert row.id_number == "45871236" and "rosa@example.pe" in str(row.emails)
            assert conn.execute(text("SELECT e164 FROM debtor_phones")).scalar() == "+51987654321"
        with engine.connect() as conn:
            upgrade(conn)
            conn.commit()
    finally:
        engine.dispose()
