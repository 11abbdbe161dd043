"""Amount limits: per-portfolio ceilings, money columns that hold only integers in range, and
append-only tables that also refuse TRUNCATE (PostgreSQL) and INSERT OR REPLACE (SQLite)

Revision ID: 0008_amount_limits
Revises: 0007_list_indexes
Create Date: 2026-12-02

Every money column must stay an integer within +-10^15 (``shared.money.MAX_STORED_MINOR``):
PostgreSQL gets CHECK constraints; SQLite, whose ALTER TABLE cannot add them (and rebuilding
``accounts`` would fight its foreign keys), gets BEFORE INSERT / UPDATE triggers that also
check ``typeof(x) = 'integer'`` (SQLite turns an overflowing integer sum into a REAL).

SQLite's REPLACE conflict resolution deletes the conflicting row without firing DELETE
triggers (recursive triggers are off), so the append-only tables refuse any insert whose key
is already taken; PostgreSQL's TRUNCATE fires no row triggers, so a statement trigger refuses it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_amount_limits"
down_revision: str | None = "0007_list_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIMIT = 10**15  # shared.money.MAX_STORED_MINOR, frozen here as migrations must be

MONEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts": ("principal_minor", "balance_minor"),
    "ledger_entries": ("amount_minor",),
    "payments": ("amount_minor",),
    "payment_links": ("amount_minor",),
    "promises": ("amount_minor", "paid_minor"),
    "offers": ("balance_minor", "total_minor", "discount_minor"),
    "plans": ("balance_at_agreement_minor", "total_minor", "discount_minor"),
    "plan_instalments": ("amount_minor", "principal_minor", "interest_minor", "paid_minor"),
    "statement_lines": ("amount_minor",),
    "portfolios": ("max_amount_minor", "overpayment_tolerance_minor"),
}

# The keys an INSERT OR REPLACE could collide on (primary key and unique constraints).
APPEND_ONLY_KEYS: dict[str, tuple[str, ...]] = {
    "ledger_entries": (
        "id = NEW.id",
        "account_id = NEW.account_id AND idempotency_key = NEW.idempotency_key",
        "reverses_entry_id = NEW.reverses_entry_id",
    ),
    "audit_events": ("id = NEW.id",),
}


def _postgres() -> bool:
    return op.get_context().dialect.name == "postgresql"


def upgrade() -> None:
    op.add_column("portfolios", sa.Column("max_amount_minor", sa.BigInteger(), nullable=True))
    op.add_column(
        "portfolios",
        sa.Column(
            "overpayment_tolerance_minor", sa.BigInteger(), nullable=False, server_default="0"
        ),
    )
    for table, columns in MONEY_COLUMNS.items():
        if _postgres():
            for column in columns:
                op.execute(
                    f"ALTER TABLE {table} ADD CONSTRAINT ck_{table}_{column}_range "
                    f"CHECK ({column} BETWEEN -{LIMIT} AND {LIMIT})"
                )
        else:
            _sqlite_money_triggers(table, columns)
    for table, keys in APPEND_ONLY_KEYS.items():
        if _postgres():
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION cobro_append_only()"
            )
        else:
            taken = " OR ".join(f"({key})" for key in keys)
            exists = f"SELECT 1 FROM {table} WHERE {taken}"  # noqa: S608 (constants only)
            op.execute(
                f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
                f"WHEN EXISTS ({exists}) "
                f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: key already taken'); END"
            )


def _sqlite_money_triggers(table: str, columns: tuple[str, ...]) -> None:
    bad = " OR ".join(
        f"(NEW.{c} IS NOT NULL AND (typeof(NEW.{c}) != 'integer' "
        f"OR NEW.{c} NOT BETWEEN -{LIMIT} AND {LIMIT}))"
        for c in columns
    )
    refuse = f"BEGIN SELECT RAISE(ABORT, 'money out of range in {table}'); END"
    op.execute(f"CREATE TRIGGER {table}_money_insert BEFORE INSERT ON {table} WHEN {bad} {refuse}")
    op.execute(
        f"CREATE TRIGGER {table}_money_update BEFORE UPDATE OF {', '.join(columns)} ON {table} "
        f"WHEN {bad} {refuse}"
    )


def downgrade() -> None:
    for table in APPEND_ONLY_KEYS:
        if _postgres():
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
    for table, columns in MONEY_COLUMNS.items():
        if _postgres():
            for column in columns:
                op.execute(f"ALTER TABLE {table} DROP CONSTRAINT ck_{table}_{column}_range")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_money_insert")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_money_update")
    op.drop_column("portfolios", "overpayment_tolerance_minor")
    op.drop_column("portfolios", "max_amount_minor")
