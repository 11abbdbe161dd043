"""Amounts, dates, counts, yes/no and intents as debtors type them, in Spanish and English.

Dates are read day first for every Latin-American portfolio, whatever language the debtor
writes in ("es", "en"), and month first only for a US portfolio ("us")."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bots.core import render
from bots.core.dates import parse_birth_date, parse_date
from bots.core.parsing import (
    Intent,
    amount,
    id_number,
    language_of,
    last4,
    understand,
    yes_no,
)
from shared.i18n.formats import money

TODAY = date(2026, 11, 25)  # a Wednesday
DEC_15 = date(2026, 12, 15)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("01/02", "es", date(2027, 2, 1)),  # day first in Latin America: 1 February
        ("01/02", "en", date(2027, 2, 1)),  # in English too (a Peruvian writing English)
        ("03/04", "en", date(2027, 4, 3)),
        ("01/02", "us", date(2027, 1, 2)),  # month first in the US: January 2
        ("15/12", "us", date(2026, 12, 15)),  # only one reading is a date
        ("12/25", "es", date(2026, 12, 25)),
        ("15-12-2026", "es", date(2026, 12, 15)),
        ("15.12.26", "es", date(2026, 12, 15)),
        ("2026-12-15", "en", date(2026, 12, 15)),
        ("15/11", "es", date(2027, 11, 15)),  # passed this year: next year's
        ("el viernes", "es", date(2026, 11, 27)),
        ("el próximo miércoles", "es", date(2026, 12, 2)),  # today is Wednesday: next week's
        ("next friday", "en", date(2026, 11, 27)),
        ("fin de mes", "es", date(2026, 11, 30)),
        ("at the end of the month", "en", date(2026, 11, 30)),
        ("mañana", "es", date(2026, 11, 26)),
        ("pasado mañana", "es", date(2026, 11, 27)),
        ("the day after tomorrow", "en", date(2026, 11, 27)),
        ("hoy", "es", TODAY),
        ("en 3 días", "es", date(2026, 11, 28)),
        ("in 10 days", "en", date(2026, 12, 5)),
        ("la próxima semana", "es", date(2026, 12, 2)),
        ("el 15", "es", date(2026, 12, 15)),  # the 15th has passed this month
        ("el 30", "es", date(2026, 11, 30)),
        ("on the 1st", "en", date(2026, 12, 1)),
        ("el 31", "es", date(2026, 11, 30)),  # November has no 31st: its last day
        ("15 de diciembre", "es", date(2026, 12, 15)),
        ("el 3 de enero de 2027", "es", date(2027, 1, 3)),
        ("Dec 15th", "en", date(2026, 12, 15)),
        ("december 15, 2026", "en", date(2026, 12, 15)),
        ("mañana por la mañana", "es", date(2026, 11, 26)),
        ("esta mañana", "es", None),  # this morning, not tomorrow
        ("pago el 40% ahora", "es", None),
        ("15.50", "es", None),  # an amount, not a date
        ("el 32", "es", None),
        ("31/02", "es", None),
        ("cuando pueda", "es", None),
    ],
)
def test_dates(text: str, lang: str, expected: date | None) -> None:
    assert parse_date(text, TODAY, day_first=lang != "us") == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("15/03/1985", "es", date(1985, 3, 15)),
        ("03/15/1985", "en", date(1985, 3, 15)),
        ("04/03/1985", "es", date(1985, 3, 4)),
        ("04/03/1985", "en", date(1985, 3, 4)),  # a Peruvian writing English: day first
        ("04/03/1985", "us", date(1985, 4, 3)),
        ("1985-03-15", "en", date(1985, 3, 15)),
        ("15 de marzo de 1985", "es", date(1985, 3, 15)),
        ("March 15, 1985", "en", date(1985, 3, 15)),
        ("15/03/85", "es", None),  # birth dates need the whole year
        ("15/03", "es", None),
    ],
)
def test_birth_dates(text: str, lang: str, expected: date | None) -> None:
    assert parse_birth_date(text, day_first=lang != "us") == expected


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("S/ 1.234,50", "PEN", 123_450),
        ("S/1.234,50", "PEN", 123_450),
        ("$1,234.50", "USD", 123_450),
        ("US$ 1,234.50", "USD", 123_450),
        ("1234,5", "PEN", 123_450),
        ("150 soles", "PEN", 15_000),
        ("puedo pagar 150 al mes", "PEN", 15_000),
        ("CLP 15.000", "CLP", 15_000),
        ("$ 12.345", "CLP", 12_345),
        ("€150", "EUR", 15_000),
        ("pago 300 el 15/12", "PEN", 30_000),  # the date's digits are not an amount
        ("6 cuotas de 200", "PEN", 20_000),
        ("150.555", "PEN", 15_055_500),  # one mark and three digits: thousands
        ("1.5", "CLP", None),  # CLP has no decimals
        ("pago el 40% ahora", "PEN", None),
        ("en 6 cuotas", "PEN", None),
        ("mil quinientos", "PEN", None),  # numbers in words are not understood
        ("nada", "PEN", None),
    ],
)
def test_amounts(text: str, currency: str, expected: int | None) -> None:
    assert amount(text, currency) == expected


@pytest.mark.parametrize(
    ("text", "lang", "intent", "details"),
    [
        ("puedo pagar 150 al mes", "es", Intent.propose, {"amount_minor": 15_000}),
        ("I can pay 150 a month", "en", Intent.propose, {"frequency": "monthly"}),
        ("6 cuotas", "es", Intent.propose, {"instalments": 6}),
        ("in 6 instalments", "en", Intent.propose, {"instalments": 6}),
        ("pago el 40% ahora", "es", Intent.propose, {"percent": Decimal(40)}),
        ("40% now", "en", Intent.propose, {"percent": Decimal(40)}),
        (
            "pago 300 ahora y el resto en 4 cuotas",
            "es",
            Intent.propose,
            {"down_payment_minor": 30_000, "instalments": 4, "amount_minor": None},
        ),
        ("800 en un solo pago", "es", Intent.propose, {"settlement": True}),
        ("150 quincenal", "es", Intent.propose, {"frequency": "biweekly"}),
        ("pagaré 300 el viernes", "es", Intent.promise, {"when": date(2026, 11, 27)}),
        ("I'll pay on the 15th", "en", Intent.promise, {"when": date(2026, 12, 15)}),
        ("pago el 30", "es", Intent.promise, {"when": date(2026, 11, 30)}),
        ("pagaré dentro de una semana", "es", Intent.promise, {"settlement": False}),
        ("¿Cuánto debo?", "es", Intent.balance, {}),
        ("how much do I owe", "en", Intent.balance, {}),
        ("quiero pagar", "es", Intent.pay, {}),
        ("payment link please", "en", Intent.pay, {}),
        ("opciones de pago", "es", Intent.offers, {}),
        ("¿cuándo vence mi próxima cuota?", "es", Intent.plan, {}),
        ("my plan", "en", Intent.plan, {}),
        ("quiero hablar con un asesor", "es", Intent.agent, {}),
        ("talk to a human", "en", Intent.agent, {}),
        ("BAJA", "es", Intent.opt_out, {}),
        ("STOP", "en", Intent.opt_out, {}),
        ("quiero darme de baja", "es", Intent.opt_out, {}),
        ("English please", "es", Intent.language, {}),
        ("Hola", "es", Intent.menu, {}),
        ("banana", "es", None, {}),
        # Counter-proposals keep the first date, the day of the month and the down payment.
        ("6 cuotas desde el 15", "es", Intent.propose, {"instalments": 6, "first_due": DEC_15}),
        ("Pago los 15 de cada mes", "es", Intent.propose, {"first_due": DEC_15}),
        ("la primera el 15 de enero", "es", Intent.propose, {"first_due": date(2027, 1, 15)}),
        (
            "40% ahora y el resto en 3",
            "es",
            Intent.propose,
            {"percent": Decimal(40), "instalments": 3, "first_due": TODAY, "amount_minor": None},
        ),
        ("6 instalments starting on the 15th", "en", Intent.propose, {"first_due": DEC_15}),
        ("300 de inicial y el resto en 4 cuotas", "es", Intent.propose, {"first_due": None}),
    ],
)
def test_intents(text: str, lang: str, intent: Intent | None, details: dict) -> None:
    found = understand(text, today=TODAY, lang=lang, currency="PEN")
    assert found.intent == intent
    for name, value in details.items():
        assert getattr(found, name) == value, name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sí", True),
        ("Si, acepto", True),
        ("ok", True),
        ("Dale!", True),
        ("de acuerdo", True),
        ("yes", True),
        ("Sure", True),
        ("👍", True),
        ("no", False),
        ("No, gracias", False),
        ("nope", False),
        ("quizás", None),
        ("", None),
    ],
)
def test_yes_no(text: str, expected: bool | None) -> None:
    assert yes_no(text) is expected


def test_identity_answers() -> None:
    assert id_number("12.345.678-5") == "123456785"
    assert id_number("ab-123456") == "AB123456"
    assert id_number("hola") is None and id_number("1234") is None
    for typed in (
        "DNI 77866661",
        "mi DNI es 77866661",
        "DNI: 77.866.661",
        "Mi número de DNI es el 77866661",
        "my ID number is 77866661",
        "dni nro 77866661",
    ):
        assert id_number(typed) == "77866661", typed
    assert id_number("CE 001234567") == "001234567"
    assert id_number("quiero saber mi deuda") is None
    assert last4("4321") == "4321" and last4(" 43 21 ") == "4321"
    assert last4("54321") is None and last4("abcd") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Buenas tardes, quiero saber cuánto debo", "es"),
        ("quiero pagar", "es"),
        ("Hi, how much do I owe?", "en"),
        ("I want to pay", "en"),
        ("hola", None),  # one word is not clear enough: the language is asked
        ("ok", None),
        ("45678912", None),
        ("hola, I want to pay", None),  # both
    ],
)
def test_the_language_of_a_first_message(text: str, expected: str | None) -> None:
    assert language_of(text) == expected


CURRENCIES = st.sampled_from(["PEN", "USD", "CLP", "MXN", "COP", "EUR"])
LANGS = st.sampled_from(["es", "en"])


@given(minor=st.integers(1, 10**11), currency=CURRENCIES, lang=LANGS)
def test_every_formatted_amount_reads_back(minor: int, currency: str, lang: str) -> None:
    shown = money(minor, currency, lang)
    assert amount(shown, currency) == minor
    assert amount(f"puedo pagar {shown} al mes", currency) == minor


@given(
    day=st.dates(TODAY, TODAY + timedelta(days=700)),
    lang=LANGS,
    country=st.sampled_from(["PE", "MX", "CO", "US"]),
)
def test_dates_as_the_bot_writes_them_read_back(day: date, lang: str, country: str) -> None:
    day_first = country != "US"
    assert parse_date(render.day(day, lang, country), TODAY, day_first) == day
    numeric = f"{day.day}/{day.month}/{day.year}" if day_first else day.strftime("%m/%d/%Y")
    assert parse_date(numeric, TODAY, day_first) == day


@given(today=st.dates(date(2020, 1, 1), date(2040, 12, 31)), lang=LANGS)
def test_relative_dates_are_never_in_the_past(today: date, lang: str) -> None:
    words = {
        "es": ("mañana", "el lunes", "fin de mes", "el 15", "en 5 días"),
        "en": ("tomorrow", "monday", "end of month", "the 15th", "in 5 days"),
    }[lang]
    tomorrow, monday, month_end, fifteenth, in_five = (parse_date(w, today) for w in words)
    assert tomorrow == today + timedelta(days=1)
    assert monday is not None and monday.weekday() == 0 and 1 <= (monday - today).days <= 7
    assert month_end == today.replace(day=calendar.monthrange(today.year, today.month)[1])
    assert fifteenth is not None and fifteenth.day == 15 and 0 <= (fifteenth - today).days <= 31
    assert in_five == today + timedelta(days=5)


@given(text=st.text(max_size=80), lang=LANGS, currency=CURRENCIES)
def test_any_text_is_read_without_error(text: str, lang: str, currency: str) -> None:
    understand(text, today=TODAY, lang=lang, currency=currency)
    parse_birth_date(text)
    id_number(text)
    language_of(text)
    yes_no(text)
