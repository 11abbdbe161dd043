"""Ledger postings: an entry and its account's balance in one statement

``ledger_postings`` is a view of the entries with their account's status and ``updated_at``;
inserting a row into it (``INSTEAD OF INSERT``) appends the entry to ``ledger_entries`` and adds
its amount to the account's cached balance (an atomic increment), setting the status and
``updated_at`` the row names. The status is computed by the caller (``ledger.service``), which
holds the account's lock: the trigger decides nothing. ``ledger_entries`` stays append-only (its
own triggers still refuse UPDATE and DELETE).

A later migration that rebuilds or drops a column of ``ledger_entries`` or ``accounts`` named
here drops the view and trigger first and creates them again after.

Revision ID: 0029_ledger_postings
Revises: 0028_creditor_users
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0029_ledger_postings"
down_revision: str | None = "0028_creditor_users"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VIEW = (
    "CREATE VIEW ledger_postings AS SELECT e.id, e.account_id, e.kind, e.amount_minor, "
    "e.currency, e.effective_date, e.source, e.idempotency_key, e.reverses_entry_id, "
    "e.description, e.created_by_id, e.created_at, "
    "a.status AS account_status, a.updated_at AS moved_at "
    "FROM ledger_entries AS e JOIN accounts AS a ON a.id = e.account_id"
)
_BODY = (
    "INSERT INTO ledger_entries (id, account_id, kind, amount_minor, currency, "
    "effective_date, source, idempotency_key, reverses_entry_id, description, created_by_id, "
    "created_at) VALUES (NEW.id, NEW.account_id, NEW.kind, NEW.amount_minor, NEW.currency, "
    "NEW.effective_date, NEW.source, NEW.idempotency_key, NEW.reverses_entry_id, "
    "NEW.description, NEW.created_by_id, NEW.created_at); "
    "UPDATE accounts SET balance_minor = balance_minor + NEW.amount_minor, "
    "status = NEW.account_status, updated_at = NEW.moved_at WHERE id = NEW.account_id;"
)


def upgrade() -> None:
    op.execute(_VIEW)
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION cobro_ledger_post() RETURNS trigger AS $$ "
            f"BEGIN {_BODY} RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER ledger_postings_insert INSTEAD OF INSERT ON ledger_postings "
            "FOR EACH ROW EXECUTE FUNCTION cobro_ledger_post()"
        )
    else:
        op.execute(
            "CREATE TRIGGER ledger_postings_insert INSTEAD OF INSERT ON ledger_postings "
            f"BEGIN {_BODY} END"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_postings_insert ON ledger_postings")
        op.execute("DROP FUNCTION IF EXISTS cobro_ledger_post()")
    else:
        op.execute("DROP TRIGGER IF EXISTS ledger_postings_insert")
    op.execute("DROP VIEW IF EXISTS ledger_postings")
