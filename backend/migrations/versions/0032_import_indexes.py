"""Drop four indexes that only repeat the first column of a unique constraint

Each of these is the leading column of a unique constraint's index on the same table, which
serves the same lookups (``WHERE portfolio_id = ...``, a debtor's phones, an account's ledger)
on both databases; keeping them only cost every insert an extra B-tree write, the bulk of an
import's rows (accounts, debtors, phones, ledger entries):

- ``ix_accounts_portfolio_id`` <- ``uq_account_external_ref (portfolio_id, external_ref)``
- ``ix_debtors_portfolio_id`` <- ``uq_debtor_national_id (portfolio_id, id_type, id_number)``
- ``ix_debtor_phones_debtor_id`` <- ``uq_debtor_phone (debtor_id, e164)``
- ``ix_ledger_entries_account_id`` <- ``uq_ledger_idempotency (account_id, idempotency_key)``

Revision ID: 0032_import_indexes
Revises: 0031_stop_events
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0032_import_indexes"
down_revision: str | None = "0031_stop_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REDUNDANT = (
    ("ix_accounts_portfolio_id", "accounts", "portfolio_id"),
    ("ix_debtors_portfolio_id", "debtors", "portfolio_id"),
    ("ix_debtor_phones_debtor_id", "debtor_phones", "debtor_id"),
    ("ix_ledger_entries_account_id", "ledger_entries", "account_id"),
)


def upgrade() -> None:
    for name, table, _column in REDUNDANT:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, column in REDUNDANT:
        op.create_index(name, table, [column])
