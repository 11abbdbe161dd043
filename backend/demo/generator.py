"""The demo portfolio as plain data: pure and deterministic for a seed and a date.

``generate`` knows nothing of the database or the clock. It guarantees, per city, one open
account in every aging bucket before the rest are drawn by weight, and keeps each due date at
least two days away from a bucket boundary, so a portfolio's timezone never moves an account
into another bucket. Ledger entries are given in posting order and never take an open account
to zero; the accounts meant to be paid end with the payment that settles them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from operator import attrgetter

from backend.demo import identities
from backend.demo.catalog import (
    DISCOUNT,
    EMAIL_DOMAINS,
    FOREIGN,
    INTEREST,
    MARKETS,
    MX_BIRTH_STATES,
    PAYMENTS,
    USERS,
    DemoUser,
    Market,
    Product,
)
from backend.demo.history import History, with_history
from shared.money import allocate, exponent
from shared.schemas.enums import (
    BUCKET_RANGES,
    CREDIT_KINDS,
    AgingBucket,
    Channel,
    DebtorKind,
    EntryKind,
    Language,
    NationalIdType,
)
from shared.text import fold

# Share of open accounts per bucket, from current to the oldest.
BUCKET_WEIGHTS = dict(zip(AgingBucket, (12, 22, 18, 14, 18, 16), strict=True))
PERSON_CHANNELS = (Channel.whatsapp, Channel.telegram, Channel.sms, Channel.phone, Channel.visit)
PERSON_CHANNEL_WEIGHTS = (55, 8, 8, 15, 14)
COMPANY_SHARE = 0.08
FOREIGN_SHARE = 0.05
PAID_SHARE = 0.07
ASSIGNED_SHARE = 0.85
JITTER_DEGREES = 0.006  # about 650 m around a district's centre


@dataclass(frozen=True, slots=True)
class EntrySpec:
    kind: EntryKind
    amount_minor: int  # positive; the kind gives the sign, as in ``ledger.service.post``
    effective_date: date
    description: str

    @property
    def signed_minor(self) -> int:
        return -self.amount_minor if self.kind in CREDIT_KINDS else self.amount_minor


@dataclass(frozen=True, slots=True)
class AccountSpec:
    external_ref: str
    product: str
    principal_minor: int
    origination_date: date
    due_date: date
    agent: str | None  # the assigned agent's email
    entries: tuple[EntrySpec, ...]  # after the opening charge of the principal
    disputed: bool = False
    # Promises, reminders and visits before today (``backend.demo.history``).
    history: History = field(default_factory=History)

    @property
    def balance_minor(self) -> int:
        return self.principal_minor + sum(e.signed_minor for e in self.entries)


@dataclass(frozen=True, slots=True)
class AddressSpec:
    line1: str
    district: str
    city: str
    region: str
    country: str
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class DebtorSpec:
    kind: DebtorKind
    id_type: NationalIdType
    id_number: str
    first_name: str | None
    last_name: str | None
    company_name: str | None
    birth_date: date | None
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    address: AddressSpec
    preferred_language: Language
    preferred_channel: Channel
    opt_outs: tuple[Channel, ...]
    accounts: tuple[AccountSpec, ...]


@dataclass(frozen=True, slots=True)
class PortfolioSpec:
    market: Market
    debtors: tuple[DebtorSpec, ...]


@dataclass(frozen=True, slots=True)
class DemoData:
    today: date
    users: tuple[DemoUser, ...]
    portfolios: tuple[PortfolioSpec, ...]


def generate(debtors: int, seed: int, today: date) -> DemoData:
    """The demo for ``debtors`` people and companies split evenly over the three cities."""
    if debtors < 0:
        raise ValueError("debtors must not be negative")
    rng = random.Random(seed)
    counts = allocate(debtors, len(MARKETS))
    portfolios = tuple(
        _MarketBuilder(rng, market, today, seed).portfolio(count)
        for market, count in zip(MARKETS, counts, strict=True)
    )
    return DemoData(today=today, users=USERS, portfolios=portfolios)


def _buckets(rng: random.Random) -> Iterator[AgingBucket]:
    """Every bucket once in a shuffled order, then buckets by weight for ever."""
    buckets, weights = list(BUCKET_WEIGHTS), list(BUCKET_WEIGHTS.values())
    first = buckets.copy()
    rng.shuffle(first)
    yield from first
    while True:
        yield rng.choices(buckets, weights=weights)[0]


def days_past_due_range(bucket: AgingBucket) -> tuple[int, int]:
    """Days past due to draw for ``bucket``, two days clear of its edges (negative: not yet
    due; current accounts fall due within the next weeks)."""
    low, high = BUCKET_RANGES[bucket]
    if high is not None and high <= 0:
        return -40, -3
    return low + 2, (high - 2) if high is not None else low + 720


def _round_down(amount: int, step: int) -> int:
    return max(step, amount // step * step)


class _MarketBuilder:
    """Draws one city's debtors and accounts from the shared random stream."""

    def __init__(self, rng: random.Random, market: Market, today: date, seed: int) -> None:
        self.rng = rng
        self.seed = seed
        self.market = market
        self.today = today
        self.unit = 10 ** exponent(market.currency)
        self.ids: set[tuple[NationalIdType, str]] = set()
        self.buckets = _buckets(rng)
        self.disputes_left = market.disputes
        self.ref = 100_000 + rng.randint(0, 5_000)

    def portfolio(self, count: int) -> PortfolioSpec:
        return PortfolioSpec(self.market, tuple(self.debtor() for _ in range(count)))

    def debtor(self) -> DebtorSpec:
        company = self.rng.random() < COMPANY_SHARE
        spec = self.company() if company else self.person()
        count = 2 if self.rng.random() < 0.2 else 1
        # How readily this debtor pays (0..1, mean 0.41, most near either end): the habit
        # behind every account's payments, so that a propensity model has something to learn.
        willing = self.rng.betavariate(0.7, 1.0)
        spec = replace(spec, accounts=tuple(self.account(company, willing) for _ in range(count)))
        # The past has a stream of its own: the rest of the demo stays what it was for a seed.
        past = random.Random(f"{self.seed}:{self.market.country}:{spec.id_number}")
        return with_history(past, self.market, self.today, spec, willing)

    def unique(self, id_type: NationalIdType, draw: Callable[[], str]) -> str:
        """A fresh id: national ids are unique within a portfolio."""
        value = draw()
        while (id_type, value) in self.ids:
            value = draw()
        self.ids.add((id_type, value))
        return value

    def person(self) -> DebtorSpec:
        rng, market = self.rng, self.market
        foreign = rng.random() < FOREIGN_SHARE
        female = rng.random() < 0.5
        names = FOREIGN if foreign else market.names
        first = rng.choice(names.female if female else names.male)
        paternal = rng.choice(names.surnames)
        maternal = "" if foreign else rng.choice(names.surnames)
        birth = date(rng.randint(1955, 2003), rng.randint(1, 12), rng.randint(1, 28))
        id_type, id_number = self.person_id(foreign, female, first, paternal, maternal, birth)
        emails: tuple[str, ...] = ()
        if rng.random() < 0.6:
            suffix = str(rng.randint(1, 99)) if rng.random() < 0.5 else ""
            local = f"{fold(first.split()[0])}.{fold(paternal)}{suffix}"
            emails = (f"{local}@{rng.choice(EMAIL_DOMAINS)}",)
        channel = rng.choices(PERSON_CHANNELS, weights=PERSON_CHANNEL_WEIGHTS)[0]
        if emails and rng.random() < 0.1:
            channel = Channel.email
        opt_outs: tuple[Channel, ...] = ()
        if rng.random() < 0.06:
            opt_outs = tuple({rng.choice((Channel.sms, Channel.phone))} - {channel})
        return DebtorSpec(
            kind=DebtorKind.person,
            id_type=id_type,
            id_number=id_number,
            first_name=first,
            last_name=f"{paternal} {maternal}".strip(),
            company_name=None,
            birth_date=birth,
            phones=self.phones(),
            emails=emails,
            address=self.address(with_unit=True),
            preferred_language=Language.en if foreign else Language.es,
            preferred_channel=channel,
            opt_outs=opt_outs,
            accounts=(),
        )

    def person_id(
        self, foreign: bool, female: bool, first: str, paternal: str, maternal: str, birth: date
    ) -> tuple[NationalIdType, str]:
        rng, country = self.rng, self.market.country
        if country == "MX":
            state = "NE" if foreign else rng.choice(MX_BIRTH_STATES)
            return NationalIdType.CURP, self.unique(
                NationalIdType.CURP,
                lambda: identities.curp(
                    rng,
                    paternal=paternal,
                    maternal=maternal,
                    given=first,
                    birth=birth,
                    female=female,
                    state=state,
                ),
            )
        if foreign:
            return NationalIdType.CE, self.unique(
                NationalIdType.CE, lambda: identities.foreigner_card(rng, country)
            )
        if country == "PE":
            return NationalIdType.DNI, self.unique(
                NationalIdType.DNI, lambda: identities.dni(rng, birth.year)
            )
        return NationalIdType.CC, self.unique(
            NationalIdType.CC, lambda: identities.cc(rng, birth.year, female)
        )

    def company(self) -> DebtorSpec:
        rng, market = self.rng, self.market
        base = f"{rng.choice(market.company_forms)} {rng.choice(market.names.surnames)}"
        if rng.random() < 0.3:
            base += " Hermanos"
        if market.country == "PE":
            id_type, draw = NationalIdType.RUC, lambda: identities.ruc_company(rng)
        elif market.country == "CO":
            id_type, draw = NationalIdType.NIT, lambda: identities.nit_company(rng)
        else:
            founded = date(rng.randint(1990, 2018), rng.randint(1, 12), rng.randint(1, 28))
            id_type, draw = NationalIdType.RFC, lambda: identities.rfc_company(rng, base, founded)
        domain = fold(base).replace(" ", "")
        return DebtorSpec(
            kind=DebtorKind.company,
            id_type=id_type,
            id_number=self.unique(id_type, draw),
            first_name=None,
            last_name=None,
            company_name=f"{base} {market.company_suffix}",
            birth_date=None,
            phones=self.phones(),
            emails=(f"cobranzas@{domain}.example.com",),
            address=self.address(with_unit=False),
            preferred_language=Language.es,
            preferred_channel=rng.choice((Channel.email, Channel.phone, Channel.visit)),
            opt_outs=(),
            accounts=(),
        )

    def phones(self) -> tuple[str, ...]:
        market = self.market
        first = identities.mobile(self.rng, market.phone_prefixes, market.phone_digits)
        if self.rng.random() >= 0.15:
            return (first,)
        second = identities.mobile(self.rng, market.phone_prefixes, market.phone_digits)
        return (first, second) if second != first else (first,)

    def address(self, *, with_unit: bool) -> AddressSpec:
        rng, market = self.rng, self.market
        district = rng.choice(market.districts)
        street, number = rng.choice(district.streets), rng.randint(*district.numbers)
        if market.country == "CO":
            line = f"{street} # {number}-{rng.randint(2, 98):02d}"
        else:
            line = f"{street} {number}"
        if district.colonias:
            line += f", Col. {rng.choice(district.colonias)}"
        if with_unit and rng.random() < 0.3:
            line += f", {market.unit_label} {rng.randint(1, 18)}0{rng.randint(1, 4)}"
        return AddressSpec(
            line1=line,
            district=district.name,
            city=market.city,
            region=market.region,
            country=market.country,
            latitude=round(district.latitude + rng.uniform(-JITTER_DEGREES, JITTER_DEGREES), 6),
            longitude=round(district.longitude + rng.uniform(-JITTER_DEGREES, JITTER_DEGREES), 6),
        )

    def account(self, company: bool, willing: float) -> AccountSpec:
        rng, market = self.rng, self.market
        products = [p for p in market.products if p.companies == company]
        product = rng.choices(products, weights=[p.weight for p in products])[0]
        principal = self.principal(product)
        paid = rng.random() < PAID_SHARE
        # Paid accounts fell behind before settling; only open ones take the bucket draws.
        span = (3, 400) if paid else days_past_due_range(next(self.buckets))
        days = rng.randint(*span)
        due = self.today - timedelta(days=days)
        disputed = not paid and days >= 31 and self.disputes_left > 0
        if disputed:
            self.disputes_left -= 1
        self.ref += rng.randint(1, 37)
        return AccountSpec(
            external_ref=f"{market.creditor_code}-{product.code}-{self.ref}",
            product=product.name,
            principal_minor=principal,
            origination_date=due - timedelta(days=rng.randint(90, 1100)),
            due_date=due,
            agent=market.agent if market.agent and rng.random() < ASSIGNED_SHARE else None,
            entries=self.entries(principal, due, paid=paid, disputed=disputed, willing=willing),
            disputed=disputed,
        )

    def principal(self, product: Product) -> int:
        steps = self.rng.randint(product.low // product.step, product.high // product.step)
        cents = self.rng.randint(0, self.unit - 1) if product.cents else 0
        return steps * product.step * self.unit + cents

    def day(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def entries(
        self, principal: int, due: date, *, paid: bool, disputed: bool, willing: float
    ) -> tuple[EntrySpec, ...]:
        """Interest and collection fees once overdue, then payments (partial, or settling):
        a willing debtor pays partially more often, and keeps paying month after month."""
        rng, market = self.rng, self.market
        overdue = (self.today - due).days
        # Entries fall after the due date; accounts not yet due had payments in recent weeks.
        start = due + timedelta(days=1) if overdue > 0 else self.today - timedelta(days=20)
        end = self.today - timedelta(days=1)
        charges: list[EntrySpec] = []
        if overdue >= 31 and rng.random() < 0.7:
            months, rate_bps = min(overdue // 30, 12), rng.randint(150, 400)
            amount = _round_down(principal * rate_bps * months // 10_000, market.minor_step)
            charges.append(EntrySpec(EntryKind.interest, amount, self.day(start, end), INTEREST))
        if overdue >= 61 and rng.random() < 0.5:
            amount = _round_down(rng.randint(*market.fee_range) * self.unit, market.payment_step)
            charges.append(EntrySpec(EntryKind.fee, amount, self.day(start, end), market.fee_name))
        if disputed:
            return tuple(sorted(charges, key=attrgetter("effective_date")))
        if paid:
            payments = self.settlement(principal, charges, start, end)
        elif rng.random() < 0.15 + 0.7 * willing:
            payments = self.partials(principal, start, end, willing, overdue)
        else:
            payments = []
        # A stable sort: on the settling day, charges come first and the settling payment last.
        return tuple(sorted([*charges, *payments], key=attrgetter("effective_date")))

    def payment(self, amount: int, day: date) -> EntrySpec:
        return EntrySpec(EntryKind.payment, amount, day, self.rng.choice(PAYMENTS))

    def partials(
        self, principal: int, start: date, end: date, willing: float, overdue: int
    ) -> list[EntrySpec]:
        """Monthly payments of 3-8% of the principal each, at most eight (the debt stays
        open): each month, walking back from the last days, the debtor pays with a chance that
        grows with their willingness and fades as the debt ages; at least one payment."""
        rng, step = self.rng, self.market.payment_step
        keep = willing * (1.0 if overdue <= 90 else 0.8 if overdue <= 365 else 0.5)
        days: list[date] = []
        day = end - timedelta(days=rng.randint(0, 10))
        while day >= start and len(days) < 8:
            if rng.random() < keep:
                days.append(day)
            day -= timedelta(days=rng.randint(24, 36))
        if not days:
            days.append(self.day(start, end))
        return [
            self.payment(_round_down(principal * rng.randint(3, 8) // 100, step), day)
            for day in sorted(days)
        ]

    def settlement(
        self, principal: int, charges: list[EntrySpec], start: date, end: date
    ) -> list[EntrySpec]:
        """Maybe an earlier partial payment, maybe a discount, then the payment that settles."""
        rng, step = self.rng, self.market.payment_step
        settled = self.day(max([start, *(c.effective_date for c in charges)]), end)
        owed = principal + sum(c.amount_minor for c in charges)
        entries: list[EntrySpec] = []
        if rng.random() < 0.5:
            amount = _round_down(principal * rng.randint(10, 30) // 100, step)
            entries.append(self.payment(amount, self.day(start, settled)))
        if rng.random() < 0.4:
            amount = _round_down(owed * rng.randint(10, 30) // 100, step)
            entries.append(EntrySpec(EntryKind.discount, amount, settled, DISCOUNT))
        rest = owed - sum(e.amount_minor for e in entries)
        return [*entries, self.payment(rest, settled)]
