"""What a debtor means: intents, amounts, instalment counts, percentages, yes and no.

Pure functions of the text (folded first: lower case, no accents, single spaces), the
account's currency and, for dates, ``today`` (see :mod:`bots.core.dates`).

* Amounts: a number with optional thousands separators and a decimal comma or point, read by
  ``shared.money.parse_amount`` for the currency ("S/ 1.234,50", "$1,234.50", "1234.5",
  "150 soles", "CLP 15.000"). Digits that belong to a date, a percentage, an instalment count
  or a day count are never amounts; an amount written with a currency symbol, code or word wins
  over a bare number. Numbers in words ("mil quinientos") are not understood.
* Instalment counts: ``6 cuotas``, ``en 6 pagos``, ``6 meses``, ``6 instalments``,
  ``6 monthly payments``, ``el resto en 3`` / ``the rest in 3``.
* Down payments: ``pago el 40% ahora`` / ``40% now`` (a percentage), ``300 de inicial`` /
  ``300 now`` (an amount), when the message also talks about a plan; one paid "now" / "today"
  is due today.
* The first payment's date of a plan: a date in a message about a plan (``6 cuotas desde el
  15``), a day of every month (``pago los 15 de cada mes``) or the first one named (``la
  primera el 15 de enero``, ``starting on the 15th``).
* Intents, by precedence: opt-out (``BAJA``, ``STOP``, "darme de baja", "unsubscribe"),
  a person, language, a counter-proposal (a count, a percentage, an amount per period or as a
  single payment, a plan's first date), a promise (``prometo``, ``pagaré``, ``I will pay``,
  or paying on a date), pay, plan, balance, offers, menu.
* National IDs as typed, with or without their name: ``77866661``, ``DNI 77866661``, ``mi DNI
  es 77866661``, ``DNI: 77.866.661``, ``my ID is 12345678``.
* The language of a first message, when it is clearly Spanish or English (:func:`language_of`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from bots.core.dates import date_spans, parse_date
from shared.money import MoneyError, parse_amount
from shared.schemas.conversations import CHAT_TOKEN_PATTERN
from shared.schemas.enums import DisputeReason
from shared.schemas.negotiation import Frequency
from shared.text import fold


class Intent(StrEnum):
    opt_out = "opt_out"
    agent = "agent"
    language = "language"
    propose = "propose"
    promise = "promise"
    pay = "pay"
    plan = "plan"
    balance = "balance"
    offers = "offers"
    menu = "menu"
    dispute = "dispute"
    documents = "documents"


def _words(*phrases: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(phrases) + r")\b")


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


OPT_OUT_MESSAGES = {"baja", "stop", "alto", "unsubscribe", "cancelar suscripcion", "stop all"}
OPT_OUT = _words(
    r"dar(?:me)? de baja",
    "unsubscribe",
    r"opt(?:-| )?out",
    r"no (?:me )?(?:escriban|envien|manden|contacten) mas",
    "stop messaging me",
)
OPT_IN_MESSAGES = {"alta", "start", "unstop", "darme de alta", "volver", "subscribe"}
AGENT = _words(
    "asesora?",
    "humano",
    "persona",
    "agente",
    "operadora?",
    "ejecutiva?",
    "representante",
    "hablar con alguien",
    "human",
    "agent",
    "person",
    "representative",
    "operator",
    "someone",
    r"call me",
    r"ll[aá]m[ae]n?me",
)
SPANISH = _words("espanol", "castellano", "spanish")
ENGLISH = _words("english", "ingles")
LANGUAGE = _words("idioma", "language", "lenguaje")
PROMISE = _words(
    "prometo",
    "prometer",
    "promesa",
    "compromiso",
    r"me comprometo",
    "pagare",
    "pagaria",
    r"voy a pagar",
    "promise",
    r"i will pay",
    r"i'?ll pay",
    r"will pay",
)
PAY = _words("pagar", "pago", "pagarlo", "abonar", "link", "enlace", "pay", "payment", "paying")
PLAN = _words(
    "plan",
    "cuotas?",
    "vencimiento",
    r"proxima cuota",
    r"instal?lments?",
    r"next (?:payment|due)",
    r"due date",
)
# Documents the debtor asks for: the plan schedule, receipts, the paid-in-full certificate.
DOCUMENTS = _words(
    "cronograma",
    "constancia",
    "certificado",
    r"paz y salvo",
    r"no adeudo",
    "recibos?",
    "documentos?",
    "schedule",
    "receipts?",
    "certificate",
    "documents?",
)
BALANCE = _words(
    "saldo",
    r"cuanto debo",
    "debo",
    "balance",
    "owe",
    r"how much",
    r"estado de cuenta",
)
OFFERS = _words(
    "opciones",
    "ofertas?",
    "descuentos?",
    "negociar",
    "refinanciar",
    "facilidades",
    "arreglo",
    "options",
    "offers?",
    "discounts?",
    "negotiate",
    "deal",
)
MENU = _words(
    "hola",
    "buenas",
    r"buenos dias",
    "menu",
    "inicio",
    "ayuda",
    "help",
    "hi",
    "hello",
    "hey",
    "start",
)
YES = {"si", "s", "ok", "okay", "oki", "dale", "claro", "acepto", "correcto", "confirmo", "listo"}
YES |= {"vale", "va", "yes", "y", "yeah", "yep", "sure", "confirm", "accept", "agree"}
YES_PHRASES = {"de acuerdo", "esta bien", "por supuesto", "of course", "sounds good"}
NO = {"no", "n", "nope", "nah", "cancelar", "cancel", "negativo"}

COUNT = re.compile(
    r"\b(\d{1,3})\s+(?:cuotas?|pagos?|meses|mensualidades|partes|letras|"
    r"(?:monthly |weekly )?(?:instal?lments?|payments?)|months)\b"
)
PERCENT = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,]\d{1,2})?)\s*(?:%|por ?ciento\b|percent\b)")
NUMBER = re.compile(
    r"(?<![\w.,:-])(\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)(?![\w/%:]|[.,]\d)"
)
CURRENCY_BEFORE = re.compile(r"(?:s/|us\$|r\$|\$|€|\b[a-z]{3})\s*$")
CURRENCY_AFTER = re.compile(
    r"^\s*(?:soles?|pesos?|dolares?|dollars?|bucks|euros?|reales?|"
    r"pen|usd|mxn|cop|clp|ars|brl|eur)\b"
)
CODES = {"pen", "usd", "mxn", "cop", "clp", "ars", "brl", "eur", "bob", "pyg", "uyu"}
MONTHLY = _words(
    r"al mes",
    r"por mes",
    r"cada mes",
    "mensual(?:es)?",
    r"a month",
    r"per month",
    "monthly",
    r"every month",
    r"x mes",
)
WEEKLY = _words(
    r"a la semana",
    r"por semana",
    r"cada semana",
    "semanal(?:es)?",
    r"a week",
    r"per week",
    "weekly",
    r"every week",
)
BIWEEKLY = _words(
    "quincenal(?:es)?",
    r"cada quincena",
    r"por quincena",
    r"cada 15 dias",
    "biweekly",
    r"every (?:two|2|other) weeks?",
    "fortnightly",
)
SETTLEMENT = _words(
    r"pago unico",
    r"un solo pago",
    r"una sola vez",
    r"de una vez",
    r"de una(?!\s+semana)",
    r"al contado",
    "liquidar",
    "saldar",
    r"lump sum",
    r"one payment",
    r"single payment",
    r"one-off",
    r"in full",
    "settle",
    "settlement",
    r"pay (?:it )?off",
)
DOWN_AFTER = re.compile(
    r"^\s*(?:soles?|pesos?|dolares?|dollars?)?\s*(?:ahora|hoy|de inicial|"
    r"de entrada|inicial|now|today|upfront|up front|down)\b"
)
DOWN_BEFORE = re.compile(r"(?:inicial|entrada|down payment|upfront)\s*(?:de|of)?\s*$")
REST_COUNT = re.compile(r"\b(?:(?:el )?resto|the rest|remainder)\s+(?:en|in)\s+(\d{1,3})\b")
DOWN_NOW = re.compile(
    r"(?:%|\bpor ?ciento|\bpercent|\d)\s*(?:de inicial\s+|upfront\s+)?(?:ahora|hoy|now|today)\b"
)
FIRST = _words(
    r"la primera",
    r"el primero",
    r"el primer pago",
    r"primera cuota",
    r"desde (?:el|los|hoy|manana)",
    r"empezando (?:el|los|hoy|manana)",
    r"comenzando (?:el|los|hoy|manana)",
    r"a partir del?",
    r"starting (?:on|from|today|tomorrow|next)",
    r"from (?:the|today|tomorrow|next)",
    r"the first (?:one|payment|instal?lment)",
    r"first (?:one|payment|instal?lment)",
)
TOKEN = re.compile(CHAT_TOKEN_PATTERN)
ID_NUMBER = re.compile(r"^[a-z0-9]{5,20}$")
# Words around a national ID: "mi DNI es ...", "DNI: ...", "my ID number is ...".
ID_WORDS = re.compile(
    r"\b(?:mi|my|el|la|numero|number|nro|no|num|n|de|del|es|is|documento|document|doc|identidad|"
    r"identity|dni|ce|carnet|extranjeria|ruc|cedula|cc|ci|rut|run|ine|curp|pasaporte|passport|"
    r"id|nit)\b"
)
# Words that tell Spanish from English in a first message (folded, no accents).
SPANISH_WORDS = _wordset(
    "hola buenas buenos tardes noches dias quiero quisiera saber cuanto cuanta debo deuda "
    "pagar pago tengo necesito como esta estoy por favor gracias que el la los las mi mis "
    "de del una uno para con sobre cuenta saldo ayuda puedo podria consulta señor senor "
    "senora usted es son hacer"
)
ENGLISH_WORDS = _wordset(
    "hi hello hey good morning afternoon evening want would like know how much many owe debt "
    "pay payment have need please thanks thank you what the my is are of for with about "
    "account balance help can could i im i'm do does this that"
)


@dataclass(frozen=True, slots=True)
class Understanding:
    """Everything found in one message (each part None or False when absent)."""

    intent: Intent | None = None
    amount_minor: int | None = None
    down_payment_minor: int | None = None
    instalments: int | None = None
    percent: Decimal | None = None
    frequency: Frequency | None = None
    settlement: bool = False
    when: date | None = None
    # The first payment's date the debtor asked for (the down payment's, when there is one).
    first_due: date | None = None

    @property
    def proposes(self) -> bool:
        """True when the message states terms of a plan or a settlement (or when it starts)."""
        return bool(
            self.instalments
            or self.percent is not None
            or (self.amount_minor and (self.frequency or self.settlement))
            or self.first_due
        )


def chat_token(text: str) -> str | None:
    """A signed chat-link token anywhere in the message (a WhatsApp prefill, a pasted link)."""
    match = TOKEN.search(text)
    return match.group(0) if match else None


def is_opt_out(text: str) -> bool:
    folded = _plain(text)
    return folded in OPT_OUT_MESSAGES or bool(OPT_OUT.search(folded))


def is_opt_in(text: str) -> bool:
    return _plain(text).lstrip("/") in OPT_IN_MESSAGES


def _plain(text: str) -> str:
    """Folded, without punctuation or emoji around words."""
    return " ".join(re.sub(r"[^\w%$€/.,'-]+", " ", fold(text)).split()).strip(" .,!?¡¿")


def yes_no(text: str) -> bool | None:
    """True for yes ("sí", "ok", "dale", "yes"), False for no, None otherwise."""
    plain = _plain(text)
    first = plain.split()[0].strip(".,!") if plain else ""
    if first in NO or plain in {"mejor no", "no gracias", "no thanks"}:
        return False
    if first in YES or plain in YES_PHRASES or "👍" in text:
        return True
    return None


def language_choice(text: str) -> str | None:
    """ "es" or "en" when the message names a language."""
    plain = _plain(text)
    if ENGLISH.search(plain):
        return "en"
    if SPANISH.search(plain):
        return "es"
    return None


def id_number(text: str) -> str | None:
    """A national ID as typed ("12.345.678-5", "4567 8912", "DNI 77866661", "mi DNI es ...",
    "DNI: ..."): letters and digits, 5 to 20, at least four digits, once the words naming it
    are left out."""
    plain = re.sub(r"[:#°º,;!¡?¿()]", " ", fold(text))
    compact = re.sub(r"[\s.\-/]", "", ID_WORDS.sub(" ", plain))
    if ID_NUMBER.match(compact) and sum(c.isdigit() for c in compact) >= 4:
        return compact.upper()
    return None


def language_of(text: str) -> str | None:
    """ "es" or "en" when a message is clearly written in that language (two or more of its
    words and none of the other's), else None (a lone "hola" or "ok" is not enough)."""
    words = set(re.findall(r"[a-z']+", fold(text)))
    spanish, english = len(words & SPANISH_WORDS), len(words & ENGLISH_WORDS)
    if spanish >= 2 and english == 0:
        return "es"
    if english >= 2 and spanish == 0:
        return "en"
    return None


def last4(text: str) -> str | None:
    """Exactly four digits: the end of a phone number."""
    compact = re.sub(r"\D", "", text)
    return compact if len(compact) == 4 and len(text.strip()) <= 12 else None


def _reserved(text: str) -> list[tuple[int, int]]:
    spans = date_spans(text)
    spans += [m.span() for m in COUNT.finditer(text)]
    spans += [m.span() for m in REST_COUNT.finditer(text)]
    spans += [m.span() for m in PERCENT.finditer(text)]
    return spans


@dataclass(frozen=True, slots=True)
class _Amount:
    minor: int
    start: int
    end: int
    marked: bool


def _amounts(text: str, currency: str) -> list[_Amount]:
    reserved = _reserved(text)
    found = []
    for match in NUMBER.finditer(text):
        start, end = match.span(1)
        if any(a < end and start < b for a, b in reserved):
            continue
        try:
            minor = parse_amount(match.group(1), currency)
        except MoneyError:
            continue
        if minor <= 0:
            continue
        before = CURRENCY_BEFORE.search(text[max(0, start - 6) : start])
        marked = bool(before) and (
            not before.group(0).strip().isalpha() or before.group(0).strip() in CODES
        )
        marked = marked or bool(CURRENCY_AFTER.match(text[end : end + 12]))
        found.append(_Amount(minor, start, end, marked))
    return sorted(found, key=lambda a: (not a.marked, a.start))


def amount(text: str, currency: str) -> int | None:
    """The amount a message mentions, in minor units of ``currency`` (see the module doc)."""
    found = _amounts(fold(text), currency)
    return found[0].minor if found else None


def _frequency(text: str) -> Frequency | None:
    if BIWEEKLY.search(text):
        return "biweekly"
    if WEEKLY.search(text):
        return "weekly"
    if MONTHLY.search(text):
        return "monthly"
    return None


def _percent(text: str) -> Decimal | None:
    match = PERCENT.search(text)
    if match is None:
        return None
    value = Decimal(match.group(1).replace(",", "."))
    return value if 0 < value <= 100 else None


def _is_down(text: str, item: _Amount) -> bool:
    return bool(DOWN_AFTER.match(text[item.end :]) or DOWN_BEFORE.search(text[: item.start]))


# What a debtor says to dispute a debt (folded: no accents, lower case), by reason.
DISPUTES: tuple[tuple[DisputeReason, re.Pattern[str]], ...] = (
    (
        DisputeReason.identity_theft,
        _words(
            r"(?:me )?robaron (?:mi |la )?identidad",
            r"suplantaci[oó]n",
            r"suplantaron",
            r"identity theft",
            r"stole my identity",
        ),
    ),
    (
        DisputeReason.already_paid,
        _words(r"ya (?:la |lo )?pague", r"ya (?:la |lo )?cancele", r"(?:i )?already paid"),
    ),
    (
        DisputeReason.wrong_amount,
        _words(
            r"(?:el )?monto (?:es )?incorrecto",
            r"no debo (?:tanto|eso)",
            r"wrong amount",
            r"i don'?t owe (?:that much|so much)",
        ),
    ),
    (
        DisputeReason.not_recognised,
        _words(
            r"no reconozco",
            r"no es mi deuda",
            r"no es mia",
            r"no (?:le |les )?debo nada",
            r"(?:i )?(?:don'?t|do not) recogni[sz]e",
            r"not my debt",
            r"i (?:don'?t|do not) owe (?:anything|this|it)",
        ),
    ),
)


def dispute_reason(text: str) -> DisputeReason | None:
    """Why the message disputes the debt, or None when it does not."""
    folded = _plain(text)
    return next((reason for reason, pattern in DISPUTES if pattern.search(folded)), None)


def understand(
    text: str, *, today: date, lang: str, currency: str | None, day_first: bool = True
) -> Understanding:
    """The intent and every detail of a message (``currency`` None: amounts are not read;
    ``day_first``: how numeric dates read, see :mod:`bots.core.dates`)."""
    folded = _plain(text)
    count_match = COUNT.search(folded) or REST_COUNT.search(folded)
    instalments = int(count_match.group(1)) if count_match else None
    percent = _percent(folded)
    frequency = _frequency(folded)
    settlement = bool(SETTLEMENT.search(folded))
    amounts = _amounts(folded, currency) if currency else []
    plan_talk = bool(instalments or percent is not None or frequency)
    down = next((a for a in amounts if plan_talk and _is_down(folded, a)), None)
    main = next((a for a in amounts if a is not down), None)
    when = parse_date(folded, today, day_first)
    first_due = None
    if when is not None and (plan_talk or FIRST.search(folded)):
        first_due = when
    elif (percent is not None or down) and DOWN_NOW.search(folded):
        first_due = today  # "40% ahora": the down payment is due today
    found = Understanding(
        amount_minor=main.minor if main else None,
        down_payment_minor=down.minor if down else None,
        instalments=instalments if instalments and instalments > 0 else None,
        percent=percent,
        frequency=frequency,
        settlement=settlement,
        when=when,
        first_due=first_due,
    )
    return replace(found, intent=_intent(folded, found))


def _intent(text: str, found: Understanding) -> Intent | None:
    if text in OPT_OUT_MESSAGES or OPT_OUT.search(text):
        return Intent.opt_out
    if AGENT.search(text):
        return Intent.agent
    if LANGUAGE.search(text) or (len(text.split()) <= 3 and language_choice(text)):
        return Intent.language
    if any(pattern.search(text) for _, pattern in DISPUTES):
        return Intent.dispute
    if DOCUMENTS.search(text):
        return Intent.documents
    if found.proposes or (found.down_payment_minor and found.instalments):
        return Intent.propose
    paying = PAY.search(text) or PROMISE.search(text)
    if PROMISE.search(text) or (found.when and (paying or found.amount_minor)):
        return Intent.promise
    for intent, pattern in (
        (Intent.offers, OFFERS),
        (Intent.balance, BALANCE),
        (Intent.plan, PLAN),
        (Intent.pay, PAY),
        (Intent.menu, MENU),
    ):
        if pattern.search(text):
            return intent
    return None
