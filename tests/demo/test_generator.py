"""The generator: deterministic for a seed, only valid data, every aging bucket per city."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import phonenumbers
import pytest

from backend.demo.catalog import BOGOTA, CDMX, LIMA, MARKETS
from backend.demo.generator import AccountSpec, DemoData, generate
from shared.identity import normalize_id, normalize_phone
from shared.schemas.enums import (
    AgingBucket,
    DebtorKind,
    EntryKind,
    Language,
    NationalIdType,
    bucket_for,
)

TODAY = date(2026, 11, 25)
# (south, north, west, east) around each city's urban area.
CITY_BOXES = {
    "PE": (-12.30, -11.85, -77.15, -76.85),
    "CO": (4.50, 4.80, -74.22, -74.00),
    "MX": (19.20, 19.55, -99.26, -99.02),
}
PRINCIPAL_UNITS = {"PEN": (300, 25_000), "COP": (500_000, 40_000_000), "MXN": (2_000, 150_000)}
TAX_ID_TYPES = {"PE": NationalIdType.RUC, "CO": NationalIdType.NIT, "MX": NationalIdType.RFC}


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate(300, 7, TODAY)


def accounts_of(demo: DemoData, country: str) -> list[AccountSpec]:
    (portfolio,) = [p for p in demo.portfolios if p.market.country == country]
    return [a for d in portfolio.debtors for a in d.accounts]


def bucket(account: AccountSpec, today: date) -> AgingBucket:
    overdue = (today - account.due_date).days if account.balance_minor > 0 else 0
    return bucket_for(max(overdue, 0))


def test_same_seed_same_data_other_seed_other_data(demo: DemoData) -> None:
    assert generate(300, 7, TODAY) == demo
    assert generate(300, 8, TODAY) != demo


def test_debtors_are_split_over_the_three_cities(demo: DemoData) -> None:
    assert [p.market for p in demo.portfolios] == list(MARKETS)
    assert [len(p.debtors) for p in demo.portfolios] == [100, 100, 100]
    assert [len(p.debtors) for p in generate(7, 1, TODAY).portfolios] == [3, 2, 2]
    assert generate(0, 1, TODAY).portfolios[0].debtors == ()


def test_every_id_phone_and_email_is_valid(demo: DemoData) -> None:
    for market in MARKETS:
        tax_id = normalize_id(TAX_ID_TYPES[market.country], market.creditor_tax_id)
        assert tax_id == market.creditor_tax_id
    for portfolio in demo.portfolios:
        country = portfolio.market.country
        ids = [(d.id_type, d.id_number) for d in portfolio.debtors]
        assert len(set(ids)) == len(ids)  # unique within the portfolio
        for id_type, id_number in ids:
            assert normalize_id(id_type, id_number) == id_number
        for debtor in portfolio.debtors:
            for phone in debtor.phones:
                assert normalize_phone(phone) == phone
                number = phonenumbers.parse(phone)
                assert phonenumbers.region_code_for_number(number) == country
                assert phonenumbers.number_type(number) in (
                    phonenumbers.PhoneNumberType.MOBILE,
                    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
                )
            # Reserved domains only: demo mail can never reach a real mailbox.
            assert all(e.split("@")[1].split(".")[-2] == "example" for e in debtor.emails)


def test_id_types_fit_each_country_and_kind(demo: DemoData) -> None:
    expected = {
        ("PE", DebtorKind.person): {NationalIdType.DNI, NationalIdType.CE},
        ("PE", DebtorKind.company): {NationalIdType.RUC},
        ("CO", DebtorKind.person): {NationalIdType.CC, NationalIdType.CE},
        ("CO", DebtorKind.company): {NationalIdType.NIT},
        ("MX", DebtorKind.person): {NationalIdType.CURP},
        ("MX", DebtorKind.company): {NationalIdType.RFC},
    }
    seen: dict[tuple[str, DebtorKind], set[NationalIdType]] = {}
    for portfolio in demo.portfolios:
        for debtor in portfolio.debtors:
            seen.setdefault((portfolio.market.country, debtor.kind), set()).add(debtor.id_type)
            if debtor.kind == DebtorKind.company:
                assert debtor.company_name and not debtor.first_name
            else:
                assert debtor.first_name and debtor.last_name and debtor.birth_date
    assert seen.keys() == expected.keys()
    assert all(seen[key] <= expected[key] for key in expected)


def test_addresses_lie_in_their_city_near_a_district(demo: DemoData) -> None:
    for portfolio in demo.portfolios:
        market = portfolio.market
        south, north, west, east = CITY_BOXES[market.country]
        centres = {d.name: (d.latitude, d.longitude) for d in market.districts}
        for debtor in portfolio.debtors:
            address = debtor.address
            assert (address.country, address.city) == (market.country, market.city)
            assert south < address.latitude < north and west < address.longitude < east
            lat, lon = centres[address.district]
            assert abs(address.latitude - lat) < 0.01 and abs(address.longitude - lon) < 0.01


def test_every_city_has_every_aging_bucket(demo: DemoData) -> None:
    for market in MARKETS:
        for today in (TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=1)):
            # A day either way (another timezone's date) keeps every bucket filled.
            buckets = {bucket(a, today) for a in accounts_of(demo, market.country)}
            assert buckets == set(AgingBucket), market.city


def test_amounts_dates_and_outcomes_are_consistent(demo: DemoData) -> None:
    for portfolio in demo.portfolios:
        currency = portfolio.market.currency
        low, high = PRINCIPAL_UNITS[currency]
        for account in (a for d in portfolio.debtors for a in d.accounts):
            assert low * 100 <= account.principal_minor <= high * 100 + 99
            assert account.origination_date < account.due_date
            assert all(e.amount_minor > 0 for e in account.entries)
            days = [e.effective_date for e in account.entries]
            assert days == sorted(days)
            assert all(account.origination_date < day < TODAY for day in days)
            assert account.balance_minor >= 0
            if account.balance_minor == 0:  # settled: the last entry is the payment
                assert account.entries[-1].kind == EntryKind.payment
                assert not account.disputed
        if currency == "COP":  # no centavos in Colombia
            amounts = [a.principal_minor for d in portfolio.debtors for a in d.accounts]
            assert all(amount % 100 == 0 for amount in amounts)


def test_mix_of_paid_disputed_partial_and_charged_accounts(demo: DemoData) -> None:
    accounts = [a for p in demo.portfolios for d in p.debtors for a in d.accounts]
    kinds = Counter(e.kind for a in accounts for e in a.entries)
    assert kinds[EntryKind.interest] and kinds[EntryKind.fee] and kinds[EntryKind.discount]
    assert kinds[EntryKind.payment]
    assert sum(a.balance_minor == 0 for a in accounts) >= 10
    partially_paid = [
        a
        for a in accounts
        if a.balance_minor > 0 and any(e.kind == EntryKind.payment for e in a.entries)
    ]
    assert len(partially_paid) >= 30
    disputed = {
        p.market.city: sum(a.disputed for a in accounts_of(demo, p.market.country))
        for p in demo.portfolios
    }
    assert disputed == {LIMA.city: 1, BOGOTA.city: 1, CDMX.city: 0}


def test_agents_work_their_own_city(demo: DemoData) -> None:
    for market in MARKETS:
        accounts = accounts_of(demo, market.country)
        agents = Counter(a.agent for a in accounts)
        assert set(agents) <= {market.agent, None}
        if market.agent:
            assert agents[market.agent] > 0.7 * len(accounts)
    assert LIMA.agent == "agent1@demo.cobro" and BOGOTA.agent == "agent2@demo.cobro"
    assert CDMX.agent is None


def test_some_debtors_prefer_english(demo: DemoData) -> None:
    languages = Counter(d.preferred_language for p in demo.portfolios for d in p.debtors)
    assert 3 <= languages[Language.en] < languages[Language.es]
