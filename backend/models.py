"""Every table, imported in one place for Alembic and for metadata.create_all in tools."""

from backend.accounts.models import Account
from backend.audit.models import AuditEvent
from backend.creditors.models import Creditor, Portfolio
from backend.debtors.models import Debtor, DebtorAddress, DebtorPhone
from backend.imports.models import ImportBatch
from backend.ledger.models import LedgerEntry
from backend.plans.models import Offer, Plan, PlanInstalment
from backend.promises.models import Promise
from backend.tasks.models import Task
from backend.users.models import User

__all__ = [
    "Account",
    "AuditEvent",
    "Creditor",
    "Debtor",
    "DebtorAddress",
    "DebtorPhone",
    "ImportBatch",
    "LedgerEntry",
    "Offer",
    "Plan",
    "PlanInstalment",
    "Portfolio",
    "Promise",
    "Task",
    "User",
]
