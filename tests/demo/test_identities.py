"""Demo national ids are built like the real ones: checked against published examples."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date
from typing import TypeVar

from backend.demo import identities
from shared.identity import normalize_id
from shared.schemas.enums import NationalIdType

T = TypeVar("T")


class Pick(random.Random):
    """A Random whose ``choice`` answers ``value`` when it can, to reproduce known ids."""

    def __init__(self, value: str) -> None:
        super().__init__(0)
        self.value = value

    def choice(self, seq: Sequence[T]) -> T:
        return self.value if self.value in seq else seq[0]  # type: ignore[return-value]


def test_curp_matches_a_published_example() -> None:
    curp = identities.curp(
        Pick("0"),
        paternal="Hernández",
        maternal="García",
        given="Gloria",
        birth=date(1956, 4, 27),
        female=True,
        state="VZ",
    )
    assert curp == "HEGG560427MVZRRL04"


def test_curp_rules_for_maria_jose_enie_and_rude_words() -> None:
    maria = identities.curp(
        Pick("0"),
        paternal="Zúñiga",
        maternal="Núñez",
        given="María Guadalupe",
        birth=date(1985, 7, 3),
        female=True,
        state="DF",
    )
    assert maria.startswith("ZUNG850703MDFXXD")  # Guadalupe, not María; Ñ reads as X
    rude = identities.curp(
        Pick("A"),
        paternal="Morales",
        maternal="Cruz",
        given="Óscar",
        birth=date(2001, 7, 3),
        female=False,
        state="DF",
    )
    assert rude.startswith("MXCO010703HDF") and rude[16] == "A"  # born 2000+: a letter
    foreign = identities.curp(
        Pick("0"),
        paternal="Smith",
        maternal="",
        given="James",
        birth=date(1971, 1, 3),
        female=False,
        state="NE",
    )
    assert foreign.startswith("SIXJ710103HNEMXM")


def test_company_rfc_matches_sats_own() -> None:
    rfc = identities.rfc_company(
        Pick("N"), "Servicio de Administración Tributaria", date(1997, 7, 1)
    )
    assert rfc == "SAT970701NN3"


def test_generated_ids_and_phones_validate() -> None:
    rng = random.Random(3)
    for _ in range(200):
        assert normalize_id(NationalIdType.RUC, identities.ruc_company(rng))
        assert normalize_id(NationalIdType.NIT, identities.nit_company(rng))
        assert identities.dni(rng, 2000).startswith("7")
        assert len(identities.cc(rng, 1998, female=True)) == 10
        assert len(identities.cc(rng, 1970, female=False)) == 8
        assert identities.mobile(rng, ("+519",), 8).startswith("+519")
