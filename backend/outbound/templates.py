"""Message templates: sandboxed Jinja2 over a fixed set of variables, formatted the way the
debtor's country writes money and dates (CLDR, via Babel), with the identification and opt-out
text each country requires appended.

Templates are data a portfolio's staff write, so they run in Jinja2's immutable sandbox with
strict undefined variables; :func:`check` refuses, when a template is saved, syntax errors and
any variable not in :data:`VARIABLES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from shared.i18n import formats

VARIABLES = frozenset(
    {
        "first_name",
        "full_name",
        "creditor",
        "agency",
        "reference",
        "amount",
        "balance",
        "due_date",
        "payment_link",
        "chat_link",
        "portal_link",
    }
)
MAX_BODY = 2_000
MAX_SUBJECT = 200

_ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


class TemplateError(ValueError):
    """What is wrong with a template, for a person to fix."""


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """What a message may say, before formatting."""

    language: str
    country: str
    currency: str
    first_name: str
    full_name: str
    creditor: str
    agency: str
    reference: str
    amount_minor: int
    balance_minor: int
    due_date: date | None
    payment_link: str
    chat_link: str
    unsubscribe_link: str = ""  # e-mail: the footer's opt-out is this link
    portal_link: str = ""  # the self-service portal, signed in by a link of its own


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str | None
    text: str


def variables(facts: MessageFacts) -> dict[str, str]:
    def money(minor: int) -> str:
        return formats.money(minor, facts.currency, facts.language, facts.country)

    return {
        "first_name": facts.first_name,
        "full_name": facts.full_name,
        "creditor": facts.creditor,
        "agency": facts.agency,
        "reference": facts.reference,
        "amount": money(facts.amount_minor),
        "balance": money(facts.balance_minor),
        "due_date": (
            formats.long_day(facts.due_date, facts.language, facts.country)
            if facts.due_date
            else ""
        ),
        "payment_link": facts.payment_link,
        "chat_link": facts.chat_link,
        "portal_link": facts.portal_link,
    }


def check(body: str, subject: str | None = None) -> None:
    """Refuse a template that could not render: syntax, unknown variables, sizes."""
    if not body.strip():
        raise TemplateError("the body is empty")
    if len(body) > MAX_BODY:
        raise TemplateError(f"the body is longer than {MAX_BODY} characters")
    if subject is not None and len(subject) > MAX_SUBJECT:
        raise TemplateError(f"the subject is longer than {MAX_SUBJECT} characters")
    for part in (body, subject or ""):
        try:
            parsed = _ENV.parse(part)
        except TemplateSyntaxError as exc:
            raise TemplateError(f"line {exc.lineno}: {exc.message}") from None
        unknown = sorted(meta.find_undeclared_variables(parsed) - VARIABLES)
        if unknown:
            raise TemplateError(f"unknown variables: {', '.join(unknown)}")
        _render(part, {name: name.upper() for name in VARIABLES})  # a trial with sample values


# Identification and opt-out, appended to every message (CONDUSEF asks agencies to identify
# themselves; Regulation F asks for a simple opt-out in every electronic message and the
# debt-collector disclosure; elsewhere both are good practice).
IDENTIFICATION: dict[tuple[str, str], str] = {
    ("US", "en"): "This is a communication from a debt collector, {agency}, for {creditor}.",
    ("US", "es"): "Esta es una comunicación de un cobrador de deudas, {agency}, por encargo de "
    "{creditor}.",
    ("", "es"): "{agency}, gestión de cobranza por encargo de {creditor}.",
    ("", "en"): "{agency}, collecting on behalf of {creditor}.",
}
OPT_OUT: dict[tuple[str, str], str] = {
    ("US", "en"): "Reply STOP to opt out.",
    ("US", "es"): "Responda STOP para no recibir más mensajes.",
    ("", "es"): "Responda BAJA para no recibir más mensajes.",
    ("", "en"): "Reply STOP to opt out.",
}
# An e-mail's opt-out is its unsubscribe link: a reply would reach no one who acts on it.
EMAIL_OPT_OUT: dict[str, str] = {
    "es": "Para no recibir más correos: {link}",
    "en": "To stop these e-mails: {link}",
}


def footer(facts: MessageFacts) -> str:
    key = (facts.country, facts.language)
    if key not in IDENTIFICATION:
        key = ("", facts.language)
    identification = IDENTIFICATION[key].format(agency=facts.agency, creditor=facts.creditor)
    opt_out = OPT_OUT[key]
    if facts.unsubscribe_link:
        opt_out = EMAIL_OPT_OUT[facts.language].format(link=facts.unsubscribe_link)
    return f"{identification} {opt_out}"


def render(body: str, subject: str | None, facts: MessageFacts) -> Rendered:
    """The message for ``facts``, with the country's footer. A template that passed
    :func:`check` renders; anything else raises :class:`TemplateError`."""
    values = variables(facts)
    text = _render(body, values).strip()
    title = _render(subject, values).strip() if subject else None
    return Rendered(subject=title, text=f"{text}\n\n{footer(facts)}")


def _render(source: str, values: dict[str, str]) -> str:
    """Render in the sandbox; whatever goes wrong in a template written by people (an unsafe
    attribute, a range too large, adding text to a number) is a :class:`TemplateError`."""
    try:
        return _ENV.from_string(source).render(values)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"line {exc.lineno}: {exc.message}") from None
    except Exception as exc:  # the sandbox's errors and the template's own runtime errors
        raise TemplateError(f"does not render: {exc}") from None
