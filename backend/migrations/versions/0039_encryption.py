"""Personal data encrypted at rest: national IDs, phones, birth dates and e-mails sealed with
AES-GCM (``backend.core.crypto``), documents and phones found through keyed blind indexes

Existing rows are sealed in place, in batches, with the keys of the environment (or the
development default derived from the secret key); the unique keys move from the plain values
to the blind indexes; ``search_text`` loses the document and phones. SQLite rebuilds
``debtors`` and ``debtor_phones`` (no view depends on them): ``backend/migrations/env.py``
runs SQLite migrations with foreign keys off and checks them before committing. The downgrade
opens every value back (it needs the keys that sealed them).

Revision ID: 0039_encryption
Revises: 0038_segment_policies
Create Date: 2026-12-07
"""

import json
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from backend.core.crypto import blind_index, seal, unseal
from shared.text import fold

revision: str = "0039_encryption"
down_revision: str | None = "0038_segment_policies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
_DEBTORS = (
    "SELECT id, id_number, birth_date, emails, first_name, last_name, company_name FROM debtors"
)
_PHONES = "SELECT id, e164 FROM debtor_phones"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column("debtors", sa.Column("id_number_index", sa.String(64), nullable=True))
    op.add_column("debtor_phones", sa.Column("e164_index", sa.String(64), nullable=True))
    if not sqlite:
        _retype_postgres(sealed=True)
    _each(_DEBTORS, _seal_debtor, "debtors")
    _each(_PHONES, _seal_phone, "debtor_phones")
    op.drop_index("ix_debtors_id_number", table_name="debtors")
    op.drop_index("ix_debtor_phones_e164", table_name="debtor_phones")
    with op.batch_alter_table("debtors") as batch:
        if sqlite:
            batch.alter_column("id_number", type_=sa.Text(), existing_nullable=False)
            batch.alter_column("birth_date", type_=sa.Text(), existing_nullable=True)
            batch.alter_column("emails", type_=sa.Text(), existing_nullable=False)
        batch.alter_column("id_number_index", existing_type=sa.String(64), nullable=False)
        batch.drop_constraint("uq_debtor_national_id", type_="unique")
        batch.create_unique_constraint(
            "uq_debtor_national_id", ["portfolio_id", "id_type", "id_number_index"]
        )
        batch.create_index("ix_debtors_id_number_index", ["id_number_index"])
    with op.batch_alter_table("debtor_phones") as batch:
        if sqlite:
            batch.alter_column("e164", type_=sa.Text(), existing_nullable=False)
        batch.alter_column("e164_index", existing_type=sa.String(64), nullable=False)
        batch.drop_constraint("uq_debtor_phone", type_="unique")
        batch.create_unique_constraint("uq_debtor_phone", ["debtor_id", "e164_index"])
        batch.create_index("ix_debtor_phones_e164_index", ["e164_index"])
    _check_foreign_keys()


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _each(_DEBTORS, _open_debtor, "debtors")
    _each(_PHONES, _open_phone, "debtor_phones")
    with op.batch_alter_table("debtor_phones") as batch:
        batch.drop_index("ix_debtor_phones_e164_index")
        batch.drop_constraint("uq_debtor_phone", type_="unique")
        batch.drop_column("e164_index")
        if sqlite:
            batch.alter_column("e164", type_=sa.String(16), existing_nullable=False)
        batch.create_unique_constraint("uq_debtor_phone", ["debtor_id", "e164"])
    with op.batch_alter_table("debtors") as batch:
        batch.drop_index("ix_debtors_id_number_index")
        batch.drop_constraint("uq_debtor_national_id", type_="unique")
        batch.drop_column("id_number_index")
        if sqlite:
            batch.alter_column("id_number", type_=sa.String(32), existing_nullable=False)
            batch.alter_column("birth_date", type_=sa.Date(), existing_nullable=True)
            batch.alter_column("emails", type_=sa.JSON(), existing_nullable=False)
        batch.create_unique_constraint(
            "uq_debtor_national_id", ["portfolio_id", "id_type", "id_number"]
        )
    if not sqlite:
        _retype_postgres(sealed=False)
    op.create_index("ix_debtors_id_number", "debtors", ["id_number"])
    op.create_index("ix_debtor_phones_e164", "debtor_phones", ["e164"])
    _check_foreign_keys()


def _retype_postgres(sealed: bool) -> None:
    if sealed:
        op.execute(
            "ALTER TABLE debtors ALTER COLUMN id_number TYPE TEXT, "
            "ALTER COLUMN birth_date TYPE TEXT USING to_char(birth_date, 'YYYY-MM-DD'), "
            "ALTER COLUMN emails TYPE TEXT USING emails::text"
        )
        op.execute("ALTER TABLE debtor_phones ALTER COLUMN e164 TYPE TEXT")
        return
    op.execute(
        "ALTER TABLE debtors ALTER COLUMN id_number TYPE VARCHAR(32), "
        "ALTER COLUMN birth_date TYPE DATE USING birth_date::date, "
        "ALTER COLUMN emails TYPE JSON USING emails::json"
    )
    op.execute("ALTER TABLE debtor_phones ALTER COLUMN e164 TYPE VARCHAR(16)")


def _each(query: str, change: Callable[[Any], dict[str, Any]], table: str) -> None:
    """``change`` applied to every row of ``query``, in id order, ``BATCH`` rows at a time."""
    bind = op.get_bind()
    after: Any = None
    while True:
        where = " WHERE id > :after" if after is not None else ""
        rows = bind.execute(
            sa.text(f"{query}{where} ORDER BY id LIMIT {BATCH}"),
            {"after": after} if after is not None else {},
        ).all()
        if not rows:
            return
        updates = [change(row) for row in rows]
        names = [name for name in updates[0] if name != "id"]
        assignments = ", ".join(f"{name} = :{name}" for name in names)
        bind.execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"), updates)  # noqa: S608
        after = rows[-1].id


def _seal_debtor(row: Any) -> dict[str, Any]:
    emails = json.loads(row.emails) if isinstance(row.emails, str) else row.emails
    name = row.company_name or " ".join(p for p in (row.first_name, row.last_name) if p)
    return {
        "id": row.id,
        "id_number": seal(row.id_number, "id_number"),
        "id_number_index": blind_index(row.id_number, "id_number"),
        "birth_date": seal(str(row.birth_date), "birth_date") if row.birth_date else None,
        "emails": seal(json.dumps(emails or [], separators=(",", ":")), "emails"),
        "search_text": fold(name)[:600],
    }


def _open_debtor(row: Any) -> dict[str, Any]:
    emails = unseal(row.emails, "emails")
    number = unseal(row.id_number, "id_number")
    name = row.company_name or " ".join(p for p in (row.first_name, row.last_name) if p)
    return {
        "id": row.id,
        "id_number": number,
        "birth_date": unseal(row.birth_date, "birth_date") if row.birth_date else None,
        "emails": emails,
        "search_text": fold(f"{name} {number}")[:600],
    }


def _seal_phone(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "e164": seal(row.e164, "e164"),
        "e164_index": blind_index(row.e164, "e164"),
    }


def _open_phone(row: Any) -> dict[str, Any]:
    return {"id": row.id, "e164": unseal(row.e164, "e164")}


def _check_foreign_keys() -> None:
    """SQLite rebuilt the tables with foreign keys off (env.py): none may be left dangling."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.exec_driver_sql("PRAGMA foreign_key_check").first():
        raise RuntimeError("a rebuilt table left foreign keys dangling")
