"""Templates render in the sandbox, in the country's way of writing money and dates (CLDR), with
the identification and opt-out text; bad templates are refused before they are saved."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from backend.outbound.templates import MessageFacts, TemplateError, check, render

FACTS = MessageFacts(
    language="es",
    country="PE",
    currency="PEN",
    first_name="Rosa",
    full_name="Rosa Quispe",
    creditor="Banco Andino",
    agency="Cobranzas Lima",
    reference="PE-001",
    amount_minor=1_926_450,
    balance_minor=1_926_450,
    due_date=date(2026, 12, 15),
    payment_link="https://pay.test/x",
    chat_link="https://chat.test/y",
)
BODY = "Hola {{ first_name }}: saldo {{ balance }}, vence {{ due_date }}. {{ payment_link }}"


@pytest.mark.parametrize(
    ("country", "currency", "language", "expected", "footer"),
    [
        ("PE", "PEN", "es", "saldo S/\xa019,264.50, vence 15 dic. 2026", "Responda BAJA"),
        ("CO", "COP", "es", "saldo $19.264,50, vence 15/12/2026", "Responda BAJA"),
        ("CL", "CLP", "es", "saldo $1.926.450, vence 15-12-2026", "Responda BAJA"),
        ("MX", "MXN", "es", "saldo $19,264.50, vence 15 dic 2026", "Responda BAJA"),
        ("PE", "PEN", "en", "saldo S/\xa019,264.50, vence 15 Dec 2026", "Reply STOP"),
        ("US", "USD", "en", "saldo $19,264.50, vence Dec 15, 2026", "from a debt collector"),
    ],
)
def test_money_and_dates_as_the_country_writes_them(
    country: str, currency: str, language: str, expected: str, footer: str
) -> None:
    facts = replace(FACTS, country=country, currency=currency, language=language)
    rendered = render(BODY, None, facts)
    assert expected in rendered.text
    assert rendered.text.startswith("Hola Rosa: ") and "https://pay.test/x" in rendered.text
    assert footer in rendered.text and "Cobranzas Lima" in rendered.text


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("Hola {{ first_name ", "line 1"),
        ("Saldo {{ balance }} de {{ password }}", "unknown variables: password"),
        # Only known variables are named, but the sandbox refuses what they could reach.
        ("{{ first_name.__class__.__mro__[1].__subclasses__() }}", "does not render"),
        ("{% for x in range(10**9) %}{{ x }}{% endfor %}", "does not render"),
        ("{{ balance + 1 }}", "does not render"),
        ("   ", "empty"),
        ("x" * 2001, "longer than 2000"),
    ],
)
def test_bad_templates_are_refused_with_a_reason(body: str, reason: str) -> None:
    with pytest.raises(TemplateError, match=reason):
        check(body)


def test_subjects_render_too() -> None:
    rendered = render("Hola", "Su deuda {{ reference }}", FACTS)
    assert rendered.subject == "Su deuda PE-001"


@pytest.mark.parametrize(
    ("country", "language", "opt_out", "identification"),
    [
        ("PE", "es", "Para no recibir más correos: https://u.test/t", "gestión de cobranza"),
        ("US", "en", "To stop these e-mails: https://u.test/t", "from a debt collector"),
    ],
)
def test_an_emails_opt_out_is_its_unsubscribe_link(
    country: str, language: str, opt_out: str, identification: str
) -> None:
    """A reply to a reminder e-mail reaches no one who acts on it: the footer points to the
    link instead of BAJA or STOP, and still identifies the agency."""
    facts = replace(FACTS, country=country, language=language, unsubscribe_link="https://u.test/t")
    footer = render("Hola", "Saldo", facts).text.split("\n\n")[-1]
    assert footer.endswith(opt_out) and identification in footer
    assert "BAJA" not in footer and "STOP" not in footer
