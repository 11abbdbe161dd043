"""``cobro demo-data``: load the generated demo through the domain services, once.

Everything goes through the services and the ledger (so audit events, the opening charges and
the cached balances are exactly what real use produces), in the caller's one transaction. Only
the four demo users are written directly: their password ``demo`` is shorter than the service
accepts for real users. Demo data is refused in production, where ``demo`` would be a way in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from backend.accounts import service as accounts_service
from backend.accounts.models import Account
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.core.clock import today_in
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.core.security import hash_password
from backend.creditors import repository as creditors_repository
from backend.creditors import service as creditors_service
from backend.creditors.models import Portfolio
from backend.debtors import service as debtors_service
from backend.demo.catalog import MARKETS, USERS, DemoUser, Market
from backend.demo.generator import AccountSpec, DebtorSpec, generate
from backend.demo.past import PastRows
from backend.demo.policies import demo_policy
from backend.demo.reminders import add_reminders
from backend.ledger import service as ledger
from backend.policies import service as policies_service
from backend.users import repository as users_repository
from backend.users.models import User
from shared.money import to_decimal
from shared.schemas.accounts import AccountCreate, AccountUpdate
from shared.schemas.creditors import CreditorCreate, PortfolioCreate
from shared.schemas.debtors import AddressIn, DebtorCreate
from shared.schemas.enums import AccountStatus

DEMO_PASSWORD = "demo"  # noqa: S105 (the documented demo password; refused in production)
ADMIN_EMAIL = USERS[0].email
SYSTEM = Actor.system()


@dataclass(frozen=True, slots=True)
class Summary:
    """What one load added."""

    portfolios: int
    debtors: int
    accounts: int
    entries: int
    promises: int
    contacts: int
    visits: int


def demo_loaded(session: Session) -> bool:
    """The demo is there when its admin is: the one row every load creates or keeps."""
    return users_repository.by_email(session, ADMIN_EMAIL) is not None


def load(
    session: Session, *, debtors: int, seed: int, force: bool = False, today: date | None = None
) -> Summary | None:
    """Add the demo to ``session`` (flushed, not committed); None when it is already there.

    With ``force`` another batch is added beside the first: the users and creditors are
    reused and each city gets a new portfolio ("... (2)"), as national ids and references are
    unique per portfolio.
    """
    if demo_loaded(session) and not force:
        return None
    # One date for the three cities: due dates keep clear of bucket edges by two days.
    data = generate(debtors, seed, today or today_in(MARKETS[0].timezone))
    users = _users(session, tuple(u for u in data.users if u.creditor is None))
    admin = users[ADMIN_EMAIL]
    accounts_added = entries_added = 0
    past = PastRows()
    for portfolio_spec in data.portfolios:
        portfolio, strategy_id = _portfolio(session, portfolio_spec.market)
        for debtor_spec in portfolio_spec.debtors:
            debtor = debtors_service.create(
                session, SYSTEM, admin, _debtor_create(portfolio.id, debtor_spec)
            )
            for account_spec in debtor_spec.accounts:
                account = _account(session, admin, users, portfolio, debtor.id, account_spec)
                agent = users[account_spec.agent].id if account_spec.agent else None
                past.add(account, account_spec, agent, strategy_id, debtor_spec.address)
                accounts_added += 1
                entries_added += 1 + len(account_spec.entries)  # with the opening charge
    past.write(session)
    _users(session, tuple(u for u in data.users if u.creditor is not None))  # after creditors
    return Summary(
        portfolios=len(data.portfolios),
        debtors=sum(len(p.debtors) for p in data.portfolios),
        accounts=accounts_added,
        entries=entries_added,
        promises=len(past.promises),
        contacts=len(past.attempts),
        visits=len(past.visits),
    )


def load_demo(debtors: int, seed: int, force: bool) -> None:
    """The ``cobro demo-data`` command: load once in its own transaction and say what it did."""
    if get_settings().env == "production":
        typer.echo(
            "Demo data is not loaded in production (its logins share one password).", err=True
        )
        raise typer.Exit(1)
    with session_scope() as session:
        summary = load(session, debtors=debtors, seed=seed, force=force)
    if summary is None:
        typer.echo(
            f"Demo data already loaded ({ADMIN_EMAIL} exists); nothing changed. "
            "Use --force to add another batch."
        )
        return
    typer.echo(
        f"Demo data loaded: {summary.portfolios} portfolios "
        f"({', '.join(m.city for m in MARKETS)}), {summary.debtors} debtors, "
        f"{summary.accounts} accounts, {summary.entries} ledger entries; in the last months "
        f"{summary.promises} promises to pay, {summary.contacts} contacts "
        f"({summary.visits} of them field visits)."
    )
    typer.echo(_logins())


def banner(host: str = "127.0.0.1", port: int = 8000, engine: Engine | None = None) -> str:
    """What ``cobro serve`` prints at start: the URLs, and the demo logins when loaded.

    A database that cannot be read yet (not migrated, unreachable) just leaves the logins out;
    the server reports it on /healthz.
    """
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 (compared)
    base = f"http://{shown}:{port}"
    settings = get_settings()
    lines = [f"API     {base}/api/v1"]
    if settings.docs_enabled:
        lines.append(f"Docs    {base}/docs")
    lines.append(f"Health  {base}/healthz")
    lines.append(f"App     {base}/app/")  # the field agent app in the browser (mobile/web.py)
    if settings.is_production:  # demo logins are refused there
        return "\n".join(lines)
    try:
        with session_scope(engine) as session:
            loaded = demo_loaded(session)
    except SQLAlchemyError:
        loaded = False
    if loaded:
        lines.append(_logins())
    return "\n".join(lines)


def _logins() -> str:
    cities = {market.agent: market.city for market in MARKETS if market.agent}
    rows = [
        f"  {user.email:<24}{user.role.value}"
        + (f", {cities[user.email]}" if user.email in cities else "")
        for user in USERS
    ]
    return "\n".join([f'Demo logins (password "{DEMO_PASSWORD}", demo data only):', *rows])


def _creditor_id(session: Session, name: str | None) -> uuid.UUID | None:
    creditor = creditors_repository.creditor_by_name(session, name) if name else None
    return creditor.id if creditor else None


def _users(session: Session, specs: tuple[DemoUser, ...]) -> dict[str, User]:
    """The demo users by email, created with the demo password unless they exist."""
    users: dict[str, User] = {}
    password_hash = hash_password(DEMO_PASSWORD)  # one hash: the logins share the password
    for spec in specs:  # supervisors come before their agents
        user = users_repository.by_email(session, spec.email)
        if user is None:
            user = User(
                email=spec.email,
                full_name=spec.full_name,
                password_hash=password_hash,
                role=spec.role,
                supervisor_id=users[spec.supervisor].id if spec.supervisor else None,
                creditor_id=_creditor_id(session, spec.creditor),
                can_write=spec.can_write,
                language=spec.language,
                is_demo=True,  # refused in production, whatever the database was seeded as
            )
            session.add(user)
            session.flush()
            audit.record(
                session, SYSTEM, "user.created", "user", user.id, after=audit.snapshot(user)
            )
        users[spec.email] = user
    return users


def _portfolio(session: Session, market: Market) -> tuple[Portfolio, uuid.UUID]:
    """A new portfolio for the city, under its creditor (created the first time), and its
    reminder strategy's id."""
    creditor = creditors_repository.creditor_by_name(session, market.creditor)
    if creditor is None:
        creditor = creditors_service.create_creditor(
            session,
            SYSTEM,
            CreditorCreate(
                name=market.creditor, tax_id=market.creditor_tax_id, country=market.country
            ),
        )
    taken = {
        p.name
        for p in creditors_repository.portfolios_page(
            session, after=None, limit=10_000, creditor_id=creditor.id
        )
    }
    name, copy = market.portfolio, 1
    while name in taken:
        copy += 1
        name = f"{market.portfolio} ({copy})"
    portfolio = creditors_service.create_portfolio(
        session,
        SYSTEM,
        PortfolioCreate(
            creditor_id=creditor.id,
            name=name,
            currency=market.currency,
            country=market.country,
            timezone=market.timezone,
        ),
    )
    policy = policies_service.validated(portfolio, demo_policy(market.currency))
    policies_service.apply(session, SYSTEM, portfolio, policy)
    return portfolio, add_reminders(session, SYSTEM, portfolio).id


def _debtor_create(portfolio_id: uuid.UUID, spec: DebtorSpec) -> DebtorCreate:
    address = spec.address
    return DebtorCreate(
        portfolio_id=portfolio_id,
        kind=spec.kind,
        id_type=spec.id_type,
        id_number=spec.id_number,
        first_name=spec.first_name,
        last_name=spec.last_name,
        company_name=spec.company_name,
        birth_date=spec.birth_date,
        phones=list(spec.phones),
        emails=list(spec.emails),
        addresses=[
            AddressIn(
                line1=address.line1,
                district=address.district,
                city=address.city,
                region=address.region,
                country=address.country,
                latitude=address.latitude,
                longitude=address.longitude,
            )
        ],
        preferred_language=spec.preferred_language,
        preferred_channel=spec.preferred_channel,
        opt_outs=list(spec.opt_outs),
    )


def _account(
    session: Session,
    admin: User,
    users: dict[str, User],
    portfolio: Portfolio,
    debtor_id: uuid.UUID,
    spec: AccountSpec,
) -> Account:
    """The account with its opening charge, its later entries in order, then any dispute."""
    account = accounts_service.create(
        session,
        SYSTEM,
        admin,
        AccountCreate(
            portfolio_id=portfolio.id,
            debtor_id=debtor_id,
            external_ref=spec.external_ref,
            product=spec.product,
            principal=to_decimal(spec.principal_minor, portfolio.currency),
            currency=portfolio.currency,
            origination_date=spec.origination_date,
            due_date=spec.due_date,
            assigned_agent_id=users[spec.agent].id if spec.agent else None,
        ),
    )
    for number, entry in enumerate(spec.entries, start=1):
        ledger.post(
            session,
            SYSTEM,
            account.id,
            kind=entry.kind,
            amount_minor=entry.amount_minor,
            currency=portfolio.currency,
            effective_date=entry.effective_date,
            source="demo",
            idempotency_key=f"demo:{number}",
            description=entry.description,
        )
    if spec.disputed:
        accounts_service.update(
            session, SYSTEM, admin, account, AccountUpdate(status=AccountStatus.disputed)
        )
    return account
