"""National ids and mobile numbers for demo debtors, built the way the issuers build them.

Every value is passed through ``shared.identity`` before it is returned, so a bug here fails
loudly instead of loading invalid data. CURPs and company RFCs are derived from the name and
date like real ones (with their check character), so the demo reads true to an agent.
"""

from __future__ import annotations

import string
from datetime import date
from random import Random

from shared.identity import (
    IdentityError,
    nit_check_digit,
    normalize_id,
    normalize_phone,
    ruc_check_digit,
)
from shared.schemas.enums import NationalIdType
from shared.text import fold

_VOWELS = "AEIOU"
_CONSONANTS = "".join(c for c in string.ascii_uppercase if c not in _VOWELS)
_CURP_VALUES = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"
_RFC_VALUES = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ"
_HOMOCLAVE = "123456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
_SKIPPED_GIVEN = frozenset({"MARIA", "MA", "JOSE", "J"})
_SKIPPED_COMPANY_WORDS = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "EL", "Y"})
# RENAPO's list of four-letter CURP prefixes that would spell a rude word; the second letter
# becomes an X.
_RUDE_PREFIXES = (
    "BACA BAKA BUEI BUEY CACA CACO CAGA CAGO CAKA CAKO COGE COGI COJA COJE COJI COJO COLA CULO "
    "FALO FETO GETA GUEI GUEY JETA JOTO KACA KACO KAGA KAGO KAKA KAKO KOGE KOGI KOJA KOJE KOJI "
    "KOJO KOLA KULO LILO LOCA LOCO LOKA LOKO MAME MAMO MEAR MEAS MEON MIAR MION MOCO MOKO MULA "
    "MULO NACA NACO PEDA PEDO PENE PIPI PITO POPO PUTA PUTO QULO RATA ROBA ROBE ROBO RUIN SENO "
    "TETA VACA VAGA VAGO VAKA VUEI VUEY WUEI WUEY"
)
_CURP_INCONVENIENT = frozenset(_RUDE_PREFIXES.split())


def _digits(rng: Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def _checked(id_type: NationalIdType, value: str) -> str:
    normalized = normalize_id(id_type, value)
    if normalized != value:
        raise ValueError(f"{value!r} is not in normal form")
    return normalized


def dni(rng: Random, birth_year: int) -> str:
    """Peruvian DNI: older people carry the lower numbers of the first electoral rolls."""
    if birth_year < 1980:
        first = rng.choice(("06", "07", "08", "09", "10"))
    elif birth_year < 1995:
        first = f"4{rng.randint(0, 8)}"
    else:
        first = f"7{rng.randint(0, 7)}"
    return _checked(NationalIdType.DNI, first + _digits(rng, 6))


def ruc_company(rng: Random) -> str:
    """Peruvian company RUC: 20, eight digits and the SUNAT check digit."""
    first10 = f"20{rng.randint(10_000_000, 61_999_999)}"
    return _checked(NationalIdType.RUC, first10 + ruc_check_digit(first10))


def cc(rng: Random, birth_year: int, female: bool) -> str:
    """Colombian cédula: ten digits from 10... for the young, Bogotá's eight-digit series else."""
    if birth_year >= 1992:
        return _checked(NationalIdType.CC, f"10{rng.randint(0, 33):02d}" + _digits(rng, 6))
    series = ("39", "51", "52", "53") if female else ("19", "79", "80")
    return _checked(NationalIdType.CC, rng.choice(series) + _digits(rng, 6))


def nit_company(rng: Random) -> str:
    """Colombian company NIT: nine digits and the DIAN check digit."""
    body = rng.choice(("800", "830", "860", "900", "901")) + _digits(rng, 6)
    return _checked(NationalIdType.NIT, body + nit_check_digit(body))


def foreigner_card(rng: Random, country: str) -> str:
    """Carné (Peru, nine digits) or cédula (Colombia, six or seven digits) de extranjería."""
    value = "00" + _digits(rng, 7) if country == "PE" else str(rng.randint(100_000, 9_999_999))
    return _checked(NationalIdType.CE, value)


def _letters(text: str) -> str:
    """Upper-case A-Z only: Ñ becomes X (the CURP rule), accents and spaces go."""
    return "".join(
        c for c in fold(text.upper().replace("Ñ", "X")).upper() if c.isascii() and c.isalpha()
    )


def _first_of(text: str, alphabet: str) -> str:
    return next((c for c in text if c in alphabet), "X")


def curp(
    rng: Random,
    *,
    paternal: str,
    maternal: str,
    given: str,
    birth: date,
    female: bool,
    state: str,
) -> str:
    """Mexican CURP from the person's names, birth date, sex and state of birth (NE abroad)."""
    names = [_letters(word) for word in given.split()]
    name = names[1] if len(names) > 1 and names[0] in _SKIPPED_GIVEN else names[0]
    last, second = _letters(paternal), _letters(maternal)
    head = last[0] + _first_of(last[1:], _VOWELS) + (second[:1] or "X") + name[0]
    if head in _CURP_INCONVENIENT:
        head = head[0] + "X" + head[2:]
    body = (
        head
        + birth.strftime("%y%m%d")
        + ("M" if female else "H")
        + state
        + _first_of(last[1:], _CONSONANTS)
        + _first_of(second[1:], _CONSONANTS)
        + _first_of(name[1:], _CONSONANTS)
        + rng.choice(string.digits if birth.year < 2000 else string.ascii_uppercase)
    )
    total = sum(_CURP_VALUES.index(c) * (18 - i) for i, c in enumerate(body))
    return _checked(NationalIdType.CURP, body + str((10 - total % 10) % 10))


def rfc_company(rng: Random, name: str, founded: date) -> str:
    """Mexican company RFC: three letters of the name (without its legal form), the founding
    date, a two-character homoclave and SAT's check character."""
    words = [
        w for w in (_letters(w) for w in name.split()) if w and w not in _SKIPPED_COMPANY_WORDS
    ]
    if len(words) >= 3:
        letters = words[0][0] + words[1][0] + words[2][0]
    elif len(words) == 2:
        letters = words[0][0] + words[1][:2]
    else:
        letters = words[0][:3]
    body = letters + founded.strftime("%y%m%d") + rng.choice(_HOMOCLAVE) + rng.choice(_HOMOCLAVE)
    total = sum(_RFC_VALUES.index(c) * (13 - i) for i, c in enumerate(body.rjust(12)))
    rest = total % 11
    check = "0" if rest == 0 else "A" if rest == 1 else str(11 - rest)
    return _checked(NationalIdType.RFC, body + check)


def mobile(rng: Random, prefixes: tuple[str, ...], digits: int) -> str:
    """A valid mobile number in E.164: a national mobile prefix and random subscriber digits."""
    for _ in range(100):
        candidate = rng.choice(prefixes) + _digits(rng, digits)
        try:
            if normalize_phone(candidate) == candidate:
                return candidate
        except IdentityError:
            continue
    raise ValueError(f"no valid mobile number with prefixes {prefixes}")
