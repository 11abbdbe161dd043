"""Every table, imported in one place for Alembic and for metadata.create_all in tools."""

from backend.accounts.models import Account
from backend.analytics.models import AgingSnapshot, RollSnapshot
from backend.audit.models import AuditEvent
from backend.auth.models import ApiKey, LoginThrottle, RefreshToken
from backend.contact.models import ContactAttempt
from backend.conversations.models import (
    ChatLinkRedemption,
    Conversation,
    InboxMessage,
    PaymentNotice,
    VerificationFailure,
)
from backend.creditors.models import Creditor, Portfolio
from backend.debtors.models import (
    Debtor,
    DebtorAddress,
    DebtorChannelBlock,
    DebtorChat,
    DebtorCreator,
    DebtorPhone,
)
from backend.disputes.models import DebtorNotice, Dispute
from backend.documents.models import Certificate
from backend.experiments.models import Experiment, ExperimentAssignment
from backend.field.models import (
    AgentShift,
    FieldNote,
    LocationPing,
    PlannedStop,
    StopEvent,
    SyncRecord,
    Visit,
)
from backend.imports.models import ImportBatch, ImportMapping
from backend.integrations.models import WebhookDelivery, WebhookEndpoint
from backend.jobs.models import PeriodicRun, QueuedJob
from backend.ledger.models import LedgerEntry
from backend.outbound.models import (
    MessageTemplate,
    OutboundPause,
    OutboxMessage,
    Strategy,
    StrategyEnrolment,
)
from backend.payments.models import Payment, PaymentLink, ProviderEvent
from backend.plans.models import Offer, Plan, PlanInstalment
from backend.policies.models import PolicyCeilingSet, PolicyChange
from backend.privacy.models import PersonalDataRead
from backend.promises.models import Promise
from backend.scoring.models import AccountScore, PropensityModel
from backend.segments.models import AccountSegment, SegmentRule
from backend.statements.models import BankStatement, StatementLine
from backend.tasks.models import Task
from backend.uploads.models import PaymentEvidence, Upload
from backend.users.models import User

__all__ = [
    "Account",
    "AccountScore",
    "AccountSegment",
    "AgentShift",
    "AgingSnapshot",
    "ApiKey",
    "AuditEvent",
    "BankStatement",
    "Certificate",
    "ChatLinkRedemption",
    "ContactAttempt",
    "Conversation",
    "Creditor",
    "Debtor",
    "DebtorAddress",
    "DebtorChannelBlock",
    "DebtorChat",
    "DebtorCreator",
    "DebtorNotice",
    "DebtorPhone",
    "Dispute",
    "Experiment",
    "ExperimentAssignment",
    "FieldNote",
    "ImportBatch",
    "ImportMapping",
    "InboxMessage",
    "LedgerEntry",
    "LocationPing",
    "LoginThrottle",
    "MessageTemplate",
    "Offer",
    "OutboundPause",
    "OutboxMessage",
    "Payment",
    "PaymentEvidence",
    "PaymentLink",
    "PaymentNotice",
    "PeriodicRun",
    "PersonalDataRead",
    "Plan",
    "PlanInstalment",
    "PlannedStop",
    "PolicyCeilingSet",
    "PolicyChange",
    "Portfolio",
    "Promise",
    "PropensityModel",
    "ProviderEvent",
    "QueuedJob",
    "RefreshToken",
    "RollSnapshot",
    "SegmentRule",
    "StatementLine",
    "StopEvent",
    "Strategy",
    "StrategyEnrolment",
    "SyncRecord",
    "Task",
    "Upload",
    "User",
    "VerificationFailure",
    "Visit",
    "WebhookDelivery",
    "WebhookEndpoint",
]
